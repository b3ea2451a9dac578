"""National Provider Identifiers: 10 digits, Luhn check digit over the number prefixed with 80840.

A number labelled NPI is reported even when its check digit fails (the rules engine then says
`invalid_npi`); an unlabelled number is taken only when it passes the check and nothing marks
it as a phone, fax, member, claim or order number.
"""

from __future__ import annotations

import re

NPI_LABEL = re.compile(r"(?<![A-Za-z])N\.?\s?P\.?\s?[I1lL|](?![A-Za-z])\.?")
_TEN = re.compile(r"(?<![\d-])(\d{10})(?![\d-])")
_NOT_NPI = re.compile(r"\b(?:ph(?:one)?|tel|fax|f|p|cell|mobile|call|member|mbr|id|mrn|claim|account|acct|order|"
                      r"policy|group|auth(?:orization)?|ref(?:erral)?|dea|tax|ein|license|lic|pad|#)\W*$", re.I)


_GROUP = re.compile(r"\b(?:group|organi[sz]ation(?:al)?|org|practice|facility|billing|clinic|type\s*2)\b[\s:#-]*$", re.I)


def luhn_ok(npi: str) -> bool:
    """The NPI check digit: Luhn over "80840" + the 10 digits."""
    if not (isinstance(npi, str) and len(npi) == 10 and npi.isdigit()):
        return False
    digits = [int(c) for c in "80840" + npi]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def check_digit(first9: str) -> str:
    """The 10th digit that makes `first9` a valid NPI (for samples and tests)."""
    for d in "0123456789":
        if luhn_ok(first9 + d):
            return d
    raise ValueError(first9)


_LOOKALIKE = str.maketrans({"l": "1", "I": "1", "|": "1", "O": "0", "o": "0", "B": "8", "S": "5"})


def _digits_after(text: str) -> re.Match | None:
    m = re.match(r"[\s:#.=\-–()]*((?:\d[ \-]?){9}\d)(?!\d)", text)
    if m:
        return m
    # "l234567893": a look-alike letter for a digit, taken only when the check digit then holds
    slip = re.match(r"[\s:#.=\-–()]*([0-9lIO|oBS]{10})(?![\w])", text)
    if slip and sum(ch.isdigit() for ch in slip.group(1)) >= 7 and luhn_ok(slip.group(1).translate(_LOOKALIKE)):
        fixed = text[:slip.start(1)] + slip.group(1).translate(_LOOKALIKE) + text[slip.end(1):]
        return re.match(r"[\s:#.=\-–()]*((?:\d[ \-]?){9}\d)(?!\d)", fixed)
    return None


def find_npi_span(text: str) -> tuple[str, int, int] | None:
    """The prescriber's NPI and where it was read: a labelled number first (valid or not),
    else a lone number that passes the check digit and no other label claims."""
    text = text or ""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    group: tuple[str, int, int] | None = None
    for i, line in enumerate(lines):
        for m in NPI_LABEL.finditer(line):
            if _GROUP.search(line[:m.start()][-30:]):
                # a practice's (type 2) NPI: the prescriber's own wins when written too
                d = _digits_after(line[m.end():])
                if d and group is None:
                    group = re.sub(r"\D", "", d.group(1)), starts[i] + m.end() + d.start(1), starts[i] + m.end() + d.end(1)
                continue
            d = _digits_after(line[m.end():])
            if d:
                return re.sub(r"\D", "", d.group(1)), starts[i] + m.end() + d.start(1), starts[i] + m.end() + d.end(1)
            # a form: the label heads a column, the number sits on a following line
            if not re.search(r"\d", line[m.end():]):
                for j in range(i + 1, min(i + 3, len(lines))):
                    tens = list(_TEN.finditer(lines[j]))
                    if len(tens) == 1:
                        return tens[0].group(1), starts[j] + tens[0].start(1), starts[j] + tens[0].end(1)
    if group:
        return group
    for i, line in enumerate(lines):
        for m in _TEN.finditer(line):
            value = m.group(1)
            if value[0] in "12" and luhn_ok(value) and not _NOT_NPI.search(line[:m.start()]) \
                    and not re.search(r"fax|phone|tel\b|call", line, re.I):
                return value, starts[i] + m.start(1), starts[i] + m.end(1)
    return None


def find_npi(text: str) -> str | None:
    found = find_npi_span(text)
    return found[0] if found else None
