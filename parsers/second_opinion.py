"""Fields tesseract left empty on a poorly read page, filled from the second reader only when checked.

The second reader (`parsers.handreader`) reads handwriting far better than tesseract, yet it too
misreads now and then with high confidence ("M67.838" for a scrawled M62.838, "5/10" for 5/20).
So it never overrides what tesseract read, and it fills an empty field only on evidence:

- the prescriber's NPI: its check digit holds, which no single misread digit survives, and both
  of the second reader's readings (the page at two sizes) read it, each at `STRICT_CONF` or more
  (1631675786 for a handwritten 1631625286, two 2s read as 7s, passed the check digit at 0.93,
  and the reading of the smaller page made the same slip at 0.91);
- ICD-10-CM codes: the code exists and is billable (a category read from handwriting is likelier
  a code cut short), and the words written beside it echo its description (two of
  its words, each allowing for a slip or two: "Radiculopathy, Iumbosacral" echoes M54.17), and only
  one reading of its look-alike characters ("N54.4l": M54.41) passes both tests;
- the visit count: the same in both readings, each at `STRICT_CONF` or more (a handwritten "24"
  has come back as "74" at 0.93);
- dates and the date of birth: the same date in both readings, each at `AGREE_CONF` or more, and
  a date the rest of the script allows (checked as for tesseract's reading, which also refuses
  most misread digits: "7026", a 14th month). One reading alone is never enough, however sure:
  on handwriting the dev corpus never showed, one reading gave "3/4/1990" at 0.97 for a written
  3/14/1990 (the other read "3/14/990"), and "01/05/19 69" at 0.96 for 01/05/1969;
- names and procedures: never; nothing checks a name, and procedure boxes are ticked, not written.

A field filled this way loses the `low_confidence` alert tesseract's reading raised for it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import date
from difflib import SequenceMatcher

from rxintake.models import Alert, Diagnosis, Prescription

# confidence (0-100) every word of an NPI or a visit count must reach in both readings
STRICT_CONF = 95.0
# ... and of a date
AGREE_CONF = 80.0
ECHO_RATIO = 0.8  # how alike a written word and a word of the code's description must be

_CODE_LIKE = re.compile(r"(?<![A-Za-z0-9])([A-Z][0-9A-Za-z]{2}\.?[0-9A-Za-z]{0,4})(?![A-Za-z0-9])")
# characters handwriting is read as, and what they may stand for in a code
_FIRST_LOOKALIKE = {"N": "M"}
_LOOKALIKE = {"O": "0", "o": "0", "I": "1", "l": "1", "L": "1", "|": "1", "S": "5", "s": "5", "Z": "2",
              "B": "8", "G": "6", "q": "9"}
_GENERIC = {"unspecified", "other", "specified", "site", "part", "sites", "parts", "region", "with", "without"}

_DATES = (("dob", "patient.dob"), ("start_date", "start_date"), ("end_date", "end_date"),
          ("written_date", "written_date"))


def _get(rx: Prescription, name: str):
    return rx.patient.dob if name == "dob" else getattr(rx, name)


def _set(rx: Prescription, name: str, value) -> None:
    if name == "dob":
        rx.patient.dob = value
    else:
        setattr(rx, name, value)


def _echoes(description: str | None, beside: str) -> bool:
    want = set(re.findall(r"[a-z]{4,}", (description or "").lower())) - _GENERIC
    got = set(re.findall(r"[a-z]{4,}", beside.lower()))
    hits = sum(1 for w in want if any(SequenceMatcher(None, w, g).ratio() >= ECHO_RATIO for g in got))
    return bool(want) and hits >= min(2, len(want))


def _readings(token: str) -> set[str]:
    """The code a token may be: each look-alike character taken as itself or as what it stands for."""
    raw = token.replace(".", "")
    options = [{raw[0], _FIRST_LOOKALIKE.get(raw[0], raw[0])}]
    options += [{c.upper(), _LOOKALIKE.get(c, c.upper())} for c in raw[1:]]
    if len(raw) > 7 or 2 ** sum(len(o) > 1 for o in options) > 256:
        return set()
    return {"".join(p) for p in itertools.product(*options)}


def described_codes(text: str, lookup: Callable[[str], object | None]) -> list[str]:
    """Codes written in `text` whose description is written beside them, in order; see the module."""
    out: list[str] = []
    for line in text.split("\n"):
        for m in _CODE_LIKE.finditer(line):
            beside = line[m.end():][:80] + " " + line[:m.start()][-80:]
            passing = set()
            for raw in _readings(m.group(1)):
                code = raw[:3] + "." + raw[3:] if len(raw) > 3 else raw
                info = lookup(code)
                if info is not None and getattr(info, "billable", False) and _echoes(getattr(info, "description", None), beside):
                    passing.add(code)
            if len(passing) == 1 and (code := passing.pop()) not in out:
                out.append(code)
    return out


def confirmed(strict: tuple[Prescription, Prescription], loose: tuple[Prescription, Prescription],
              npi_confs: tuple[float | None, float | None] = (None, None)) -> Prescription:
    """The values both of the second reader's readings agree on (see the module): `strict` holds
    them parsed with the gate at `STRICT_CONF` (main page, smaller page), `loose` the same at
    `AGREE_CONF`; `npi_confs` the lowest confidence over the NPI's digits in each (an NPI passed
    its check digit when parsed)."""
    out = Prescription()
    for name, _ in _DATES:
        a, b = (_get(r, name) for r in loose)
        _set(out, name, a if a is not None and a == b else None)
    a, b = strict
    if a.visits is not None and a.visits == b.visits:
        out.visits, out.frequency = a.visits, a.frequency
    if a.prescriber.npi and a.prescriber.npi == b.prescriber.npi and min(c or 0 for c in npi_confs) >= STRICT_CONF:
        out.prescriber.npi = a.prescriber.npi
    return out


def merge(first: Prescription, alerts: list[Alert], second: Prescription, codes: list[Diagnosis],
          ) -> tuple[Prescription, list[Alert]]:
    """`first` with its empty fields filled from the second reader's `confirmed` values and its
    `described_codes` (as diagnoses); the `low_confidence` alerts of the filled fields dropped."""
    filled: set[str] = set()
    if first.prescriber.npi is None and second.prescriber.npi:
        first.prescriber.npi = second.prescriber.npi
        filled.add("prescriber.npi")
    if not first.diagnoses and codes:
        first.diagnoses = list(codes)
        filled.add("diagnoses")
    if first.visits is None and second.visits is not None:
        first.visits = second.visits
        if first.frequency is None and second.frequency is not None:
            first.frequency = second.frequency
        filled.add("visits")
    for name, fld in _DATES:
        value: date | None = _get(second, name)
        if _get(first, name) is None and value is not None:
            _set(first, name, value)
            filled.add(fld)
    kept = [a for a in alerts if not (a.code == "low_confidence" and a.field in filled)]
    return first, kept
