"""ICD-10-CM and CPT codes as written: "M54.2", "M542", "m54.2", "Cervicalgia [M54.2]",
several per line, OCR slips ("$13.4XXA", "M5O.30", "644.309") and checked form boxes.

A code-shaped token is taken when it is a real code, or when it stands where a diagnosis
code is written (a "Dx:"/"ICD" line, a diagnosis block, brackets after a description):
an invalid code a physician wrote must reach the rules engine. An OCR slip is corrected
only when the corrected code exists and stands where a code is expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

Lookup = Callable[[str], object | None]

# a token that may be an ICD-10-CM code, possibly misread (letters/digits swapped by OCR)
_TOKEN = re.compile(r"(?<![A-Za-z0-9$#/-])([A-Za-z$5680][0-9OoIlBSZG|][0-9A-Za-z|]\.?[0-9A-Za-z]{0,4})(?![A-Za-z0-9/]|-\d|\.\d)")
_STRICT = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?")
_UNDOTTED = re.compile(r"[A-Za-z][0-9][0-9A-Za-z][0-9A-Za-z]{0,4}")
DX_LABEL = re.compile(r"\b(?:[il1|]cd[\s-]*1[0O](?:[\s-]*cm)?|[il1|]cd|dx|d[il1]agnos[iel1|]s|diagnosis codes?|diag|impression|assessment|reason for referral)\b", re.I)
_HEADING_DX = re.compile(r"^\W*(?:[il1|]cd[\s-]*1[0O][\w\s-]*|d[il1]agnos[iel1|]s[\w\s/()-]*|dx[\w\s()-]*|assessment)\W*$", re.I)
_HEADING_OTHER = re.compile(r"^\W*(?:comments?|referral (?:for|details)|treatment|order|procedure|procedures|procedure codes|"
                            r"special instructions|frequency|plan|signature|physician|provider|notes?)\b", re.I)
_ADDRESS_BEFORE = re.compile(r"\b(?:suite|ste|unit|room|rm|bldg|building|apt|floor|fl|box|lot|hwy|route|gate|dock)\.?\s*#?\s*$", re.I)
_PHONE_AFTER = re.compile(r"\)?[\s.-]*\d{3}[\s.-]\d{4}\b")
_COMMA_SLIP = re.compile(r"(?<=\b[A-Z]\d[0-9A-Z]),(?=\d)")
_FIRST_FIX = {"$": "S", "5": "S", "6": "G", "8": "B", "0": "O"}
_LETTER_FIX = {"N": "M", "H": "M", "W": "M", "C": "G", "Q": "G"}
_DIGIT_FIX = {"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "B": "8", "S": "5", "Z": "2", "G": "6"}

CPT_RE = re.compile(r"(?<![\w.#/-])(97\d{3}|9894[0-2]|20560|20561)(?![\w/]|-(?![A-Z0-9]{2}\b)|\.\d)")
# physical medicine and rehabilitation codes a massage / PT clinic sees (an Oregon ZIP code 97501 is not one)
CPT_CODES = frozenset({
    "97010", "97012", "97014", "97016", "97018", "97022", "97024", "97026", "97028", "97032", "97033", "97034",
    "97035", "97036", "97039", "97110", "97112", "97113", "97116", "97124", "97139", "97140", "97150", "97161",
    "97162", "97163", "97164", "97165", "97166", "97167", "97168", "97530", "97533", "97535", "97537", "97542",
    "97545", "97546", "97550", "97551", "97552", "97750", "97755", "97760", "97761", "97763", "97799", "98940",
    "98941", "98942", "20560", "20561"})
# "Medford, OR 97501": a ZIP code after a state (a ticked box read "[XJ" is no state)
_STATE_BEFORE = re.compile(r"(?:(?<=[\s,])[A-Z]{2}|Oregon|Washington)\s*$")
# a ticked box as OCR reads it: "[X]", "(X)", "{X]", "({X]}", "[XJ", "|X|", "(%)", or the box lost and only
# a mark left ("&", "@", "©": a cross or tick inside the square); an empty box reads "[ ]", "(J", "0", "O"
_CHECKED = re.compile(r"(?:☒|☑|■|✓|✔|✗|✘|(?<![\w&@©®])[&@©®]|(?<![A-Za-z0-9])[\[({|lI]{0,2}\s*[xX✓✔%×]\s*[\])}|lIJ]{1,2}"
                      r"|\b[xX]\]|M?X\]|(?<![\w\[(])[xX×](?=\s))\s*$")
_BOX = re.compile(r"(?:☐|□|\[\s*\]|\(\s*\))\s*$")


@dataclass(frozen=True, slots=True)
class FoundCode:
    code: str
    start: int
    end: int
    known: bool        # in the code set
    corrected: bool    # an OCR slip was corrected
    described: bool = False  # the words beside it echo the code's description


def _dotted(s: str) -> str:
    s = s.replace(".", "")
    return s[:3] + "." + s[3:] if len(s) > 3 else s


def _fixes(raw: str) -> list[str]:
    """The token as written (normalized), then the OCR-corrected reading if different."""
    s = raw.replace("|", "1") if raw[0] not in "|" else raw
    first = s[0].upper()
    rest = s[1:]
    out = []
    if first.isalpha() and first != "$":
        out.append(_dotted(first + rest.upper()))
    body = "".join(_DIGIT_FIX.get(ch, ch) if i < 2 else ch for i, ch in enumerate(rest))
    fixed_first = _FIRST_FIX.get(s[0], first) if not (s[0].isalpha() and s[0] not in "$") else first
    fixed = _dotted(fixed_first + body.upper())
    if fixed not in out:
        out.append(fixed)
    # O/I read for 0/1 further along (letters there are real only as X placeholders and 7th characters)
    tail = "".join({"O": "0", "o": "0", "I": "1", "l": "1"}.get(ch, ch) for ch in body)
    deep = _dotted(fixed_first + tail.upper())
    if deep not in out:
        out.append(deep)
    return out


_LEADING_CODE = re.compile(r"^\W{0,3}[A-Za-z$5680][0-9OoIlBSZG][0-9A-Za-z]\.?[0-9A-Za-z]{0,4}\b")
# the rest of a description wrapped onto the next line: "without neurogenic claudication"
_WRAPPED = re.compile(r"^\s*[a-z][a-z'’-]*(?:[ ,;-]+[A-Za-z][a-z'’-]*)*[ ,;.]*$")
_GENERIC = {"unspecified", "other", "specified", "site", "part", "sites", "parts"}


def dx_context_lines(lines: list[str]) -> set[int]:
    """Indices of lines where diagnosis codes are expected: labelled lines and diagnosis blocks."""
    out: set[int] = set()
    in_block = 0
    for i, line in enumerate(lines):
        if _HEADING_DX.match(line) or (DX_LABEL.search(line) and len(line) < 40 and not re.search(r"\d", line)):
            in_block = 8
            out.add(i)
            continue
        if in_block and (_HEADING_OTHER.match(line) or CPT_RE.search(line)):
            in_block = 0
        if in_block:
            out.add(i)
            in_block -= 1
        if DX_LABEL.search(line):
            out.add(i)
            # "Dx: M7912 - Myalgia ..." then "R519 - Headache" on the next lines: a list goes on
            # (a description wrapped onto a line of its own does not end the list)
            for j in range(i + 1, min(i + 6, len(lines))):
                if _WRAPPED.match(lines[j]):
                    continue
                if not _LEADING_CODE.match(lines[j]):
                    break
                out.add(j)
    return out


def _described(code_info: object | None, after: str, before: str = "") -> bool:
    """The words beside a code echo its description (a strong sign the token is that code)."""
    desc = getattr(code_info, "description", None)
    if not desc:
        return False
    want = {w for w in re.findall(r"[a-z]{4,}", desc.lower())} - _GENERIC
    got = set(re.findall(r"[a-z]{4,}", after.lower()[:80] + " " + before.lower()[-80:]))
    return len(want & got) >= 1 and len(want & got) >= min(2, len(want))


def find_icd10(text: str, lookup: Lookup) -> list[FoundCode]:
    """Every ICD-10-CM code written in `text`, in order of appearance, no duplicates."""
    lines = text.split("\n")
    ctx = dx_context_lines(lines)
    found: list[FoundCode] = []
    seen: set[str] = set()
    offset = 0
    for i, line in enumerate(lines):
        line = _COMMA_SLIP.sub(".", line)  # "M54,50": a comma read for the dot (same length, offsets kept)
        for m in _TOKEN.finditer(line):
            raw = m.group(1).rstrip(".")
            if len(raw.replace(".", "")) < 3:
                continue
            if len(raw) == 3 and re.match(r"\.\s?[^\sA-Za-z(]", line[m.start(1) + 3:m.start(1) + 6]):
                continue  # "M54. \7": a code cut short by a misread, not the 3-character code
            if _ADDRESS_BEFORE.search(line[max(0, m.start() - 12):m.start()]):
                continue  # "Suite A01.1", "Bldg B12": part of an address
            if _PHONE_AFTER.match(line[m.end():]) or (line[m.end():m.end() + 1] == ")" and line[m.start() - 1:m.start()] != "("):
                continue  # "(541) 555-1540" read as "C541) 555-1540": a phone number, not a code
            before = line[max(0, m.start() - 2):m.start()]
            after = line[m.end():m.end() + 2]
            bracketed = bool(re.search(r"[\[(]\s*$", before)) and bool(re.match(r"\s*[\])]", after))
            in_ctx = i in ctx or bracketed
            candidates = _fixes(raw)
            as_written = candidates[0] if raw[0].isalpha() and raw[0] != "$" else None
            strict = bool(as_written and _STRICT.fullmatch(as_written)
                          and (_STRICT.fullmatch(raw.upper()) or _UNDOTTED.fullmatch(raw)))
            span = (offset + m.start(1), offset + m.end(1))
            pick: FoundCode | None = None
            if strict and (raw[0].isupper() or in_ctx):
                info = lookup(as_written)
                # outside a diagnosis line or block, a code must be written as one (with its dot) or
                # be recognisable by its description: "A080 Summit Ave" is a street number
                if info is not None and (in_ctx or ("." in raw and len(as_written) > 3)
                                         or _described(info, line[m.end():], line[:m.start()])):
                    pick = FoundCode(as_written, *span, True, False)
            digit_first = not raw[0].isalpha() or raw[0] == "$"
            if pick is None and not (digit_first and len(raw.replace(".", "")) < 5 and not _described(
                    lookup(candidates[-1]), line[m.end():])):
                for cand in candidates[1:] if as_written else candidates:
                    if not _STRICT.fullmatch(cand):
                        continue
                    info = lookup(cand)
                    if info is not None and (in_ctx or _described(info, line[m.end():])):
                        pick = FoundCode(cand, *span, True, True)
                        break
            if pick is None and as_written and raw[0] in _LETTER_FIX and lookup(as_written) is None:
                # "N54.2 Cervicalgia": a first letter misread as a look-alike letter, taken only when the
                # words beside it are the corrected code's description
                cand = _LETTER_FIX[raw[0]] + as_written[1:]
                info = lookup(cand) if _STRICT.fullmatch(cand) else None
                if info is not None and _described(info, line[m.end():], line[:m.start()]):
                    pick = FoundCode(cand, *span, True, True)
            if (pick is None and strict and in_ctx and raw[0].isupper() and lookup(as_written) is None
                    and (("." in raw) or (len(raw) >= 4 and (bracketed or _hyphen_or_desc(line, m))))):
                pick = FoundCode(as_written, *span, False, False)
            if pick and pick.known and _described(lookup(pick.code), line[m.end():], line[:m.start()]):
                pick = FoundCode(pick.code, pick.start, pick.end, True, pick.corrected, True)
            if pick and pick.code not in seen:
                seen.add(pick.code)
                found.append(pick)
        offset += len(line) + 1
    return found


def _hyphen_or_desc(line: str, m: re.Match) -> bool:
    """An undotted unknown token counts as a written code when a description sits beside it."""
    after = line[m.end():].strip()
    before = line[:m.start()].strip()
    return bool(re.match(r"[-–:]?\s*[A-Za-z]{4,}", after)) or bool(re.search(r"[A-Za-z]{4,}\s*[,:–-]?$", before))


def is_form(text: str) -> bool:
    """A form with boxes: "check all that apply", or a box drawn or ticked right before a CPT code."""
    if re.search(r"check (?:all|one|box)|tick (?:all|the)", text, re.I):
        return True
    return any(_CHECKED.search(text[:m.start()][-6:]) or _BOX.search(text[:m.start()][-6:])
               for m in CPT_RE.finditer(text))


def find_cpt(text: str, form: bool | None = None) -> list[str]:
    """CPT codes written; on a form, only those whose box is checked."""
    form = is_form(text) if form is None else form
    out: list[str] = []
    for line in text.split("\n"):
        for m in CPT_RE.finditer(line):
            if m.group(1) not in CPT_CODES or _STATE_BEFORE.search(line[:m.start()]):
                continue
            if form and not _CHECKED.search(line[:m.start()]):
                continue
            if m.group(1) not in out:
                out.append(m.group(1))
    return out


# a whole code as a second reader writes it, possibly glued to the words around it ("ICD-10:M62.831-Other")
_FULL_CODE = re.compile(r"(?<![A-Za-z0-9])([A-Z][0-9]{2}\.[0-9A-Z]{1,4})(?![0-9A-Za-z])|"
                        r"(?<=[:;,(\[])([A-Z][0-9]{2}\.[0-9A-Z]{1,4})(?![0-9])")
# a bare run of digits as tesseract leaves a code whose letter it lost ("62831", "62.831"), quotes and marks aside
_LETTERLESS = re.compile(r"(?<![\w.#/$-])[\"'“”‘’`]?(\d{2}\.?\d{1,4})(?![\w/]|[.-]\d)")


def letter_lost_codes(text: str, readings: list, lookup: Lookup, min_conf: float) -> list[str]:
    """Codes whose first letter tesseract lost ("62831": an index mark touching the M of M62.831) and
    that every other reading of the page (`readings`: `ConfText`s of the second reader) reads whole at
    `min_conf` or more. The letter cannot come from the code set (M62.831 and Z62.831 both exist): it is
    taken only when the other readings agree on all of it and their digits are the ones tesseract read."""
    if not readings:
        return []
    bare = {m.group(1).replace(".", "") for m in _LETTERLESS.finditer(text)}
    if not bare:
        return []

    def sure(ct) -> set[str]:
        out = set()
        for m in _FULL_CODE.finditer(ct.text):
            g = 1 if m.group(1) else 2
            conf = ct.conf(m.start(g), m.end(g))
            if conf is not None and conf >= min_conf:
                out.add(m.group(g))
        return out

    agreed = set.intersection(*(sure(ct) for ct in readings))
    found = []
    for code in sorted(agreed, key=lambda c: readings[0].text.find(c)):
        if code[1:].replace(".", "") in bare and lookup(code) is not None and not re.search(
                rf"(?<![A-Za-z0-9]){re.escape(code[0])}\s*{re.escape(code[1:3])}\.?{re.escape(code[4:])}", text):
            found.append(code)
    return found
