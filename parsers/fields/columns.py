"""A form's schedule row read by column: under "FREQUENCY (x/week)  DURATION (weeks)  # OF VISITS
START DATE" a row "3   10" means 3 a week for 10 weeks, which only the columns can tell.

Works on text that keeps the page's horizontal layout (a PDF text layer laid out with spaces).
"""

from __future__ import annotations

import re

from parsers.fields.dates import find_dates
from parsers.fields.labels import line_spans

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


def column_count(text: str) -> tuple[int, int, int] | None:
    """A bare number under a form's "# OF VISITS" column (no unit beside it)."""
    lines = line_spans(text)
    for i, (_, _, line) in enumerate(lines):
        if not re.search(r"(?:#|no\.?|number)\s*(?:of\s*)?visits|visits\s*\(#\)|total\s+visits", line, re.I):
            continue
        if re.search(r"\d", re.split(r"visits", line, flags=re.I)[-1]):
            continue
        for ns, _, nxt in lines[i + 1:i + 2]:
            cleaned = re.sub(r"\d+(?:\.\d+)?\s*(?:-\s*\d+\s*)?(?:x|times?)?\s*(?:/|per)?\s*(?:wks?|weeks?)\b|\d+\s*x\b", " ", nxt, flags=re.I)
            for d in find_dates(cleaned):
                cleaned = cleaned[:d.start] + " " * (d.end - d.start) + cleaned[d.end:]
            nums = list(re.finditer(r"(?<![\w/.-])(\d{1,3})(?![\w/.-])", cleaned))
            if len(nums) == 1 and 0 < int(nums[0].group(1)) <= 200:
                return int(nums[0].group(1)), ns + nums[0].start(1), ns + nums[0].end(1)
    return None


def layout_columns(doc) -> dict:
    """A text-layer PDF's form row read with the page layout kept (columns by position)."""
    if doc.content_type != "application/pdf":
        return {}
    import io

    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(doc.data)) as pdf:
            for page in pdf.pages[:5]:
                row = form_row(page.extract_text(layout=True) or "")
                if row:
                    return row
    except Exception:  # a PDF that read once but not twice: the plain text is all there is
        return {}
    return {}


def stacked_schedule(text: str) -> dict[str, object]:
    """A form whose columns OCR read one under another: "FREQUENCY (x/week)" alone on a line with
    "3 x/week" below it, "DURATION (weeks)" elsewhere with "10 weeks" below. Values with their spans."""
    from parsers.fields.frequency import parse_schedule

    lines = line_spans(text)
    out: dict[str, object] = {}
    spans: list[tuple[int, int]] = []
    for key in ("per_week", "weeks"):
        for i, (_, _, line) in enumerate(lines):
            m = COLUMNS[key].search(line)
            if not m or any(rx.search(line) for k, rx in COLUMNS.items() if k != key):
                continue
            nxt = next(((s, e, t) for s, e, t in lines[i + 1:i + 3] if t.strip()), None)
            if nxt is None or any(rx.search(nxt[2]) for rx in COLUMNS.values()):
                continue
            sched = parse_schedule(nxt[2])
            value = sched.per_week if key == "per_week" else sched.weeks
            bare = re.fullmatch(r"[\s|_]*(\d{1,2}(?:\.5)?)[\s|_]*", nxt[2])
            if value is None and bare and re.search(r"week|wk", line[m.start():], re.I):
                # a bare number under a header that names its unit: "FREQUENCY (x/week)" over "2"
                n = float(bare.group(1))
                value = n if 0 < n <= (14 if key == "per_week" else 104) else None
            if value is not None and not (key == "weeks" and sched.per_week is not None):
                out[key] = value
                spans.append((nxt[0], nxt[1]))
                break
    if out:
        out["spans"] = spans
    return out
