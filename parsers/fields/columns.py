"""A form's schedule row read by column: under "FREQUENCY (x/week)  DURATION (weeks)  # OF VISITS
START DATE" a row "3   10" means 3 a week for 10 weeks, which only the columns can tell.

Works on text that keeps the page's horizontal layout (a PDF text layer laid out with spaces).
"""

from __future__ import annotations

import re

from parsers.fields.dates import find_dates

COLUMNS = {
    "per_week": re.compile(r"FREQUENCY(?:\s*\([^)]*\))?|(?:TIMES|VISITS)\s*(?:PER|/)\s*WEEK", re.I),
    "weeks": re.compile(r"DURATION(?:\s*\([^)]*\))?|(?:NUMBER OF|#\s*OF)\s*WEEKS", re.I),
    "visits": re.compile(r"(?:#|NO\.?|NUMBER|TOTAL)\s*(?:OF\s*)?VISITS|VISITS\s*\(#\)", re.I),
    "start": re.compile(r"START\s+DATE|BEGIN\s+DATE", re.I),
    "end": re.compile(r"END\s+DATE|EXPIRATION\s+DATE|VALID\s+THROUGH", re.I),
}


def _cells(line: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(0)) for m in re.finditer(r"\S+(?: \S+)*", line)]


def form_row(layout_text: str) -> dict[str, object]:
    """Schedule values found under a column header row; {} when there is none."""
    lines = (layout_text or "").split("\n")
    for i, line in enumerate(lines):
        heads = sorted((m.start(), key) for key, rx in COLUMNS.items() for m in [rx.search(line)] if m)
        if len(heads) < 2:
            continue
        row = next((nxt for nxt in lines[i + 1:i + 3] if nxt.strip()), "")
        if any(rx.search(row) for rx in COLUMNS.values()):
            continue
        out: dict[str, object] = {}
        for pos, cell in _cells(row):
            owner = [key for start, key in heads if start <= pos + 2]
            if not owner:
                continue
            key = owner[-1]
            if key in ("start", "end"):
                dates = find_dates(cell)
                if len(dates) == 1:
                    out[key] = dates[0].value
                continue
            m = re.fullmatch(r"(\d{1,3}(?:\.5)?)\s*(?:x|times)?\s*(?:/|per)?\s*(?:wks?|weeks?|visits?|sessions?)?\.?", cell, re.I)
            if m:
                value = float(m.group(1))
                if key == "visits" and value == int(value) and 0 < value <= 200:
                    out[key] = int(value)
                elif key == "per_week" and 0 < value <= 14:
                    out[key] = value
                elif key == "weeks" and 0 < value <= 104:
                    out[key] = value
        if out:
            return out
    return {}
