"""Is this text a prescription? Signals a prescription carries (codes, DOB, NPI, visits, the
words of an order), a titled referral form that OCR could barely read, and what to leave out:
undecoded binary and fax cover sheets.
"""

from __future__ import annotations

import re

from parsers.fields import labels as L
from parsers.fields.codes import find_icd10
from parsers.fields.frequency import parse_schedule
from parsers.fields.npi import find_npi_span
from parsers.fields.patient import find_patient


def _lookup(code: str):
    from parsers import icd10

    return icd10.lookup(code)


MIN_SCORE = 3  # signals a text must carry to be read as a prescription
# a page titled as a therapy referral or prescription is one even when OCR could read little else
_TITLE_WORDS = re.compile(r"(?=.*\b(?:massage|therapy|physiotherapy|rehab\w*)\b)(?=.*\b(?:referral|prescription|order)\b)", re.I)


_PAD = re.compile(r"prescription\s+pad|dispense\s+as\s+written|substitution\s+permitted", re.I)


def _titled(text: str) -> bool:
    """A heading line such as "PHYSICAL THERAPY / MASSAGE THERAPY REFERRAL" (short, no digits), ℞,
    or the print of a prescription pad ("Dispense As Written")."""
    if "℞" in text or _PAD.search(text):
        return True
    return any(len(line.split()) <= 7 and not re.search(r"\d", line) and _TITLE_WORDS.match(line)
               for line in text.split("\n"))


_RX_WORDS = re.compile(r"\b(?:referral|prescription|rx|order|refer|℞)\b|℞", re.I)
_THERAPY = re.compile(r"\b(?:massage|therap\w*|physiotherapy|rehab\w*|manual)\b", re.I)


def prescription_score(text: str) -> int:
    """How much of a prescription `text` carries: codes, DOB, NPI, visits, the words of an order."""
    if _binary(text):
        return 0
    codes = bool(find_icd10(text, _lookup))
    npi = bool(find_npi_span(text))
    sched = parse_schedule(text)
    planned = bool(sched.visits or sched.per_week or sched.weeks)
    score = 2 * codes + npi + planned
    score += 1 if L.dated_after(text, L.DOB) else 0
    score += 1 if _RX_WORDS.search(text) and _THERAPY.search(text) else 0
    score += 1 if find_patient(text) else 0
    if not (codes or npi or planned):
        # a name, a birth date and the word "referral" make a patient's own mail, not a prescription
        score = min(score, MIN_SCORE - 1)
    if score < MIN_SCORE and _titled(text) and (_LABELS.search(text) or score):
        score = MIN_SCORE  # a titled referral form, however little of it OCR could read
    return score


_LABELS = re.compile(r"\b(?:patient\s+name|date\s+of\s+birth|dob|diagnosis|icd-?10|npi|#\s*of\s+visits)\b", re.I)


_COVER = re.compile(r"fax\s+cover|cover\s+(?:sheet|page|letter)|transmittal", re.I)


def without_cover_sheets(pages: list) -> list:
    """A fax cover sheet's dates and numbers are the fax's, not the prescription's: leave it out."""
    kept = [p for p in pages if not (_COVER.search(p.text or "") and prescription_score(p.text or "") < MIN_SCORE)]
    return kept or pages


def _binary(text: str) -> bool:
    """Undecoded binary (an attachment mislabelled as text): random bytes look like codes and dates."""
    sample = text[:20000]
    odd = sum(1 for ch in sample if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\n\r\t\f"))
    return bool(sample) and odd / len(sample) > 0.05
