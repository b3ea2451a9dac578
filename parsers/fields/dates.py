"""Dates as US offices write them: 11/03/2026, 11-3-26, Nov 3, 2026, 3 November 2026, 2026-11-03.

An explicit grammar rather than a fuzzy parser: a fuzzy parser turns phone numbers, order
numbers and half-read OCR into plausible dates, and a wrong date is worse than none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_MON = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_PATTERNS = [
    # 2026-11-03, 2026/11/03
    re.compile(r"(?<![\d/.lIO|-])(?P<y>(?:19|20)\d\d)[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?![\d/-])"),
    # 11/03/2026, 11-3-26, 11.03.2026 (month first, as in the US)
    re.compile(r"(?<![\d/.lIO|-])(?P<m>\d{1,2})\s?(?P<sep>[/.-])\s?(?P<d>\d{1,2})\s?(?P=sep)\s?(?P<y>(?:19|20)\d\d|\d\d)(?![\d/-])"),
    # Nov 3, 2026 / November 3rd 2026 / Nov. 03 2026
    re.compile(r"(?<![a-z])" + _MON + r"[\s-]*(?P<d>\d{1,2})(?:st|nd|rd|th)?,?[\s-]*(?P<y>(?:19|20)\d\d)(?!\d)", re.I),
    # 3 November 2026 / 3rd Nov, 2026 / 03-Nov-2026
    re.compile(r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s-]*(?:of\s+)?" + _MON + r",?[\s-]*(?P<y>(?:19|20)\d\d)(?!\d)", re.I),
]


@dataclass(frozen=True, slots=True)
class FoundDate:
    value: date
    start: int
    end: int


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:  # 26 -> 2026, 48 -> 1948: two-digit years pivot on the current century
        y += 2000 if y <= (date.today().year % 100) + 10 else 1900
    return y


# "4/11/19 71": a year written with a gap, which OCR splits; "19" is not the year, and which one is
# cannot be told from the text (a year, or a number beside a date), so it is no date at all
_SPLIT_YEAR_REST = re.compile(r"[ \t]{0,3}\d\d(?![\d/:.-])")


def _build(m: re.Match) -> date | None:
    g = m.groupdict()
    if g.get("y") in ("19", "20") and _SPLIT_YEAR_REST.match(m.string, m.end()):
        return None
    try:
        month = MONTHS[g["mon"].lower().rstrip(".")] if g.get("mon") else int(g["m"])
        return date(_year(g["y"]), month, int(g["d"]))
    except (ValueError, KeyError, TypeError):
        return None


# OCR look-alikes in a date: "l2/17/1949", "O4/03/198O", "Apr 3, l980". Corrected only inside a token
# shaped like a date (or a year) that holds enough real digits; offsets stay the same.
_LOOKALIKE = "lIO|o"
_SLIP_DATE = re.compile(r"(?<![A-Za-z0-9])[0-9lIO|o]{1,4}(?:\s?[/.-]\s?[0-9lIO|o]{1,4}){2}(?![A-Za-z0-9])")
_SLIP_YEAR = re.compile(r"(?<![A-Za-z0-9])[12lI|][09O][0-9lIO|o]{2}(?![A-Za-z0-9])")
_TO_DIGIT = str.maketrans({"l": "1", "I": "1", "|": "1", "O": "0", "o": "0"})


def _fix_slips(text: str) -> str:
    def fix(m: re.Match, digits: int) -> str:
        tok = m.group(0)
        return tok.translate(_TO_DIGIT) if sum(ch.isdigit() for ch in tok) >= digits else tok

    if not any(ch in text for ch in _LOOKALIKE):
        return text
    text = _SLIP_DATE.sub(lambda m: fix(m, 4), text)
    return _SLIP_YEAR.sub(lambda m: fix(m, 3), text)


def find_dates(text: str) -> list[FoundDate]:
    """Every date written in `text`, in order of appearance, without overlaps."""
    text = _fix_slips(text)
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            value = _build(m)
            if value is not None:
                found.append(FoundDate(value, m.start(), m.end()))
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def parse_date(text: str) -> date | None:
    """The first date written in `text`, or None."""
    found = find_dates(text or "")
    return found[0].value if found else None


def format_variants(d: date) -> list[str]:
    """The ways a US office writes `d`; used by round-trip tests and sample generation."""
    month = d.strftime("%B")
    return [d.isoformat(), f"{d.month:02d}/{d.day:02d}/{d.year}", f"{d.month}/{d.day}/{d.year}",
            f"{d.month}-{d.day}-{d.year % 100:02d}", f"{month} {d.day}, {d.year}", f"{month[:3]} {d.day}, {d.year}",
            f"{d.day} {month} {d.year}", f"{d.month}/{d.day}/{d.year % 100:02d}"]
