"""Labels and the values they govern: "DOB: 6/30/1986", "Start date 04/03/2026", a form's column
header with its values on the next line. A value is only ever taken through its own label, so
a DOB never becomes a start date and a phone number never an NPI.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from parsers.fields.dates import FoundDate, find_dates


@dataclass(frozen=True, slots=True)
class Hit:
    value: object
    start: int
    end: int


DOB = re.compile(r"(?<![A-Za-z])(?:D\.?\s?O\.?\s?B\.?|date\s+of\s+birth|birth\s*date|birthdate|born(?:\s+on)?|fecha de nacimiento)(?![A-Za-z])", re.I)
# OCR reads "DOB" as "poB", "D0B", "pop": accepted on OCR text only, and only right before a date
DOB_OCR = re.compile(r"(?<![A-Za-z])[DdPp][Oo0][BbPpSs8e](?![A-Za-z])")
# OCR reads a bare "Date" label as "Rate", "Bate", "Oate": OCR text only, and only right before a date
DATE_OCR = re.compile(r"(?<![A-Za-z])[DdRBOPp0][Aa]te(?![A-Za-z])")
START = re.compile(r"(?<![A-Za-z])(?:start(?:ing)?(?:\s+(?:date|on))?|begin(?:ning)?(?:\s+(?:date|on))?|commence(?:s|ment)?(?:\s+(?:date|on))?"
                   r"|effective(?:\s+(?:date|from))?|valid\s+from|first\s+visit(?:\s+date)?|from\s+date)(?![A-Za-z])", re.I)
END = re.compile(r"(?<![A-Za-z])(?:end(?:ing)?(?:\s+(?:date|on|by))?|expir(?:es|ation|y|ing)(?:\s+(?:date|on))?|exp\.?(?:\s+date)?"
                 r"|valid\s+(?:through|thru|until|till|to|up\s+to)|good\s+(?:through|thru|until|till)|authori[sz]ed\s+(?:through|until)"
                 r"|auth(?:orization)?\s+(?:end|expires)|stop\s+date|through\s+date|(?<=\s)through|(?<=\s)until|(?<=\s)thru)(?![A-Za-z])", re.I)
WRITTEN = re.compile(r"(?<![A-Za-z])(?:date\s+(?:written|signed|of\s+(?:order|referral|prescription|service\s+request))|written(?:\s+on)?"
                     r"|rx\s+date|order(?:ed)?\s+date|ordered(?:\s+on)?|date\s+ordered|referral\s+date|prescription\s+date|signature\s+date)(?![A-Za-z])", re.I)
SIGNED = re.compile(r"(?<![A-Za-z])(?:electronically\s+)?signed(?:\s+by)?\b(?:[^\n]{0,60}?\s(?:on|at|@)\b|\s*:?(?:\s*(?:Dr\.?\s*)?[A-Za-z][\w'’.\-]*,?){0,5})", re.I)
DATE_WORD = re.compile(r"(?<![A-Za-z])date(?![A-Za-z])", re.I)
_NOT_WRITTEN = re.compile(r"(?:start|end|expir\w*|birth|effective|through|stop|visit|of|print(?:ed)?|service|exp\.?|DOB|signature|due|appointment|next"
                          r"|injury|accident|onset|surgery|incident|admission|discharge|exam|visit|fax|print|sent|received)\s*$", re.I)


def date_word_guard(before: str) -> bool:
    """A bare "Date" label that is not part of "Start date", "Date of birth", "Expiration date" ..."""
    return not _NOT_WRITTEN.search(before)


_RANGE_SEP = re.compile(r"\s*(?:-|–|—|to|through|thru|until|till)\s*$", re.I)
_RANGE_LABEL = re.compile(r"effective|valid|period|authori[sz]|approved|coverage|dates?|from|range|span", re.I)


def date_ranges(text: str) -> list[tuple[Hit, Hit]]:
    """ "Effective: 11/03/2026 - 12/31/2026", "Authorization period 11/05/2026 to 12/31/2026"."""
    out = []
    for ls, le, line in line_spans(text):
        dates = find_dates(line)
        for a, b in zip(dates, dates[1:]):
            if not _RANGE_SEP.match(line[a.end:b.start]) or not _RANGE_LABEL.search(line[:a.start]):
                continue
            if a.value.year >= 2000 and 0 < (b.value - a.value).days <= 730:
                out.append((Hit(a.value, ls + a.start, ls + a.end), Hit(b.value, ls + b.start, ls + b.end)))
    return out


def dated_after(text: str, label: re.Pattern, window: int = 30, exclude: list[tuple[int, int]] | None = None,
                guard: Callable[[str], bool] | None = None, gap_letters: int = 12) -> list[Hit]:
    """Dates that follow `label` on the same line within `window` characters."""
    out: list[Hit] = []
    exclude = exclude or []
    for m in label.finditer(text):
        if guard and not guard(text[max(0, m.start() - 20):m.start()]):
            continue
        line_end = text.find("\n", m.end())
        stop = min(m.end() + window, line_end if line_end >= 0 else len(text))
        for d in find_dates(text[m.end():stop]):
            s, e = m.end() + d.start, m.end() + d.end
            if any(s < xe and xs < e for xs, xe in exclude):
                continue
            gap = text[m.end():s]
            if (re.search(r"\d", gap) or len(re.sub(r"[\s:#\-–=.()]", "", gap)) > gap_letters
                    or re.search(r"[A-Za-z]{2,}\s*:\s*\S", gap)):  # another label stands between
                break
            out.append(Hit(d.value, s, e))
            break
    return out


def line_spans(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return out


def column_values(text: str, label: re.Pattern, kind: str) -> list[Hit]:
    """Values under a form's column header: the label is on a header line that carries no value
    of its own; the value (a date, a leading name, a bare count) is on the next non-empty line."""
    from parsers.fields.patient import leading_name

    lines = line_spans(text)
    out: list[Hit] = []
    for i, (ls, le, line) in enumerate(lines):
        m = label.search(line)
        if not m:
            continue
        rest = line[m.end():]
        if find_dates(rest) or (kind == "name" and re.search(r"[:\-]\s*[A-Z][a-z]", rest)):
            continue
        for ns, ne, nxt in lines[i + 1:i + 3]:
            if not nxt.strip():
                continue
            if kind == "date":
                dates: list[FoundDate] = find_dates(nxt)
                if len(dates) == 1:
                    out.append(Hit(dates[0].value, ns + dates[0].start, ns + dates[0].end))
            elif kind == "name":
                name = leading_name(nxt)
                if name:
                    from parsers.fields.patient import _name_extent

                    out.append(Hit(name, ns, ns + _name_extent(nxt, name)))
            break
    return out


_MACHINE_DATE = re.compile(r"print|page|fax|received|sent|generated|report|run|scanned|created|modified|birth|dob", re.I)


_OTHER_EVENT = re.compile(r"injur|accident|onset|surgery|incident|admi|discharge|exam|visit|appoint|due|next|dob|birth|"
                          r"start|end|expir|valid|through|until", re.I)


_SIGNATURE_LABEL = re.compile(r"signature\W+(?:\w+\W+)?date|date\W+signed", re.I)


def signature_line_dates(text: str) -> list[Hit]:
    """A form's signature line: "Victor Greenberg   February 20, 2026" right above the printed
    "PHYSICIAN SIGNATURE   DATE" label."""
    lines = line_spans(text)
    out = []
    for i, (_, _, line) in enumerate(lines):
        if not _SIGNATURE_LABEL.search(line) or find_dates(line):
            continue
        prev = next(((s, t) for s, _, t in reversed(lines[max(0, i - 2):i]) if t.strip()), None)
        if prev:
            dates = find_dates(prev[1])
            if len(dates) == 1:
                out.append(Hit(dates[0].value, prev[0] + dates[0].start, prev[0] + dates[0].end))
    return out


def standalone_dates(text: str) -> list[Hit]:
    """A date on a line of its own (a letter's date line, a signature date above its label)."""
    out = []
    for ls, le, line in line_spans(text):
        dates = find_dates(line)
        if len(dates) != 1:
            continue
        d = dates[0]
        rest = (line[:d.start] + line[d.end:]).strip()
        if (len(re.sub(r"[^A-Za-z0-9]", "", rest)) <= 12 and not re.search(r"\d|:", rest)
                and not _MACHINE_DATE.search(rest) and not _OTHER_EVENT.search(rest)):
            out.append(Hit(d.value, ls + d.start, ls + d.end))
    return out


def plausible_dob(d: date, ref: date | None, years: int = 0) -> bool:
    """A birth date before the prescription was written (by `years` at least, when the label was fuzzy)."""
    return 1900 <= d.year and (ref is None or d.year < ref.year - years or (years == 0 and d < ref))
