"""What a scan shows of a field OCR could not read: debris between values, a label with shaky words
after it, a garbled date or NPI under its column, a page read partly as debris.

These turn a field that would otherwise look missing into `low_confidence` (the physician may well
have written it; staff must look at the original), and keep OCR debris out of the values read.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from parsers.fields import labels as L
from parsers.fields.confidence import ConfText
from parsers.fields.npi import NPI_LABEL
from parsers.fields.patient import CREDENTIALS
from rxintake.models import Prescription

if TYPE_CHECKING:  # the reader of parsers.prescription: ct, min_conf, flagged and flag(field, why)
    from parsers.prescription import _Reader


_SCHEDULE_WORDS = {"x", "×", "a", "per", "wk", "wks", "for", "to", "or", "and", "of", "@", "/", "-", "then"}


def without_debris(ct: ConfText, min_conf: float) -> str:
    """The text with OCR debris blanked out (same offsets): a short word without digits read below the
    confidence threshold between two values ("3 x/week iz 2 weeks": a table rule read as letters)."""
    text = ct.text
    out = list(text)
    for m in re.finditer(r"\S+", text):
        tok = m.group(0)
        if len(tok) > 3 or re.search(r"\d", tok) or tok.lower() in _SCHEDULE_WORDS:
            continue
        conf = ct.conf(m.start(), m.end())
        if conf is not None and conf < min_conf:
            out[m.start():m.end()] = " " * len(tok)
    return "".join(out)


# labels as OCR reads them ("DiagyeSis", "visit S:", "pop" for DOB, "pate" for Date)
_FIELD_LABELS = {
    "patient.name": re.compile(r"patient(?:'s)?\s+name|\bname\b", re.I),
    "patient.dob": re.compile(f"{L.DOB.pattern}|{L.DOB_OCR.pattern}", re.I),
    "diagnoses": re.compile(r"\b(?:diag\w*|dx|icd\S*)", re.I),
    "visits": re.compile(r"#\s*of\s+visits|number\s+of\s+visits|visit|session|frequency|\bw(?:ee)?ks?\b", re.I),
    "start_date": re.compile(r"start\s+date", re.I),
    "written_date": re.compile(f"{L.DATE_OCR.pattern}|{L.DATE_WORD.pattern}", re.I),
    "prescriber.npi": re.compile(r"\bNP[I1lL]\b"),
}


# "G/18/14", "5/VU/I95¢": shaped like a date, readable as none
_GARBLED_DATE = re.compile(r"[\s:|.]*(?=[^\n]*\d[^\n]*\d)[\w¢|]{1,4}\s?[/-]\s?[\w¢|]{1,4}\s?[/-]\s?[\w¢|]{2,4}")


def _garbled_row_date(row: str) -> bool:
    """A form row holding something date-shaped ("W4/1A4A", "1947-O%-0l") but no readable date."""
    if L.find_dates(row):
        return False
    row = re.sub(r"\(?\d{3}\)?[\s.-]*\d{3}[\s.-]\d{4}", " ", row)  # phone numbers
    return any(sum(ch.isdigit() for ch in tok) >= 2 and re.search(r"\w[/-]\w", tok) for tok in row.split())


def _garbled_npi(r: "_Reader", start: int, end: int) -> bool:
    """A shaky NPI-sized token ("IG3IGV5V8G") after an NPI label or in the row below it: a number is
    written there that OCR could not read. A DEA number ("BP5893183") is no NPI."""
    for m in re.finditer(r"(?<![\w#])([A-Za-z0-9|]{9,12})(?![\w])", r.ct.text[start:end]):
        tok = m.group(1)
        conf = r.ct.conf(start + m.start(1), start + m.end(1))
        if (sum(ch.isdigit() for ch in tok) >= 3 and conf is not None and conf < r.min_conf
                and not re.fullmatch(r"[A-Z]{2}\d{7}", tok)
                and not re.search(r"DEA\W*$", r.ct.text[max(start, start + m.start() - 8):start + m.start()])):
            return True
    return False


def unreadable_labels(r: "_Reader", rx: Prescription) -> None:
    """A labelled field left empty on a scan with shaky words after its label: something is written
    there that OCR could not read, so say so (`low_confidence`) rather than call it missing."""
    values = {"patient.name": rx.patient.name, "patient.dob": rx.patient.dob, "diagnoses": rx.diagnoses,
              "visits": rx.visits, "start_date": rx.start_date, "written_date": rx.start_date or rx.written_date,
              "prescriber.npi": rx.prescriber.npi}
    text = r.ct.text
    for fld, label in _FIELD_LABELS.items():
        if values[fld] or fld in r.flagged or (fld == "start_date" and "written_date" in r.flagged):
            continue
        for m in label.finditer(text):
            nl = text.find("\n", m.end())
            nl = nl if nl >= 0 else len(text)
            ls = text.rfind("\n", 0, m.start()) + 1
            confs = [c for c in (r.ct.conf(m.end(), min(nl, m.end() + 25)),  # beside the label
                                 r.ct.conf(max(ls, m.start() - 8), m.start())) if c is not None]  # "UF sessions"
            conf = min(confs) if confs else None
            header = text[ls:nl]
            if (conf is None or conf >= r.min_conf) and not any(
                    other.search(header) for f2, other in _FIELD_LABELS.items() if f2 != fld):
                # under a header of its own: only a value row that OCR could barely read at all (a
                # row under several column headers may be shaky in another column, this one empty)
                nl2 = text.find("\n", nl + 1)
                conf = r.ct.mean(nl + 1, nl2 if nl2 >= 0 else len(text)) if nl < len(text) else None
            if conf is not None and conf < r.min_conf:
                r.flag(fld, f"something is written after its label but OCR could not read it "
                            f"(confidence {conf:.0f} < {r.min_conf:.0f}); check the original")
                break
            if fld in ("patient.dob", "written_date") and _GARBLED_DATE.match(text[m.end():min(nl, m.end() + 20)]):
                r.flag(fld, "a date is written after its label but OCR read it as no valid date; check the original")
                break
            row_end = text.find("\n", nl + 1)
            if fld == "patient.dob" and nl < len(text) and _garbled_row_date(text[nl + 1:row_end if row_end >= 0 else None]):
                r.flag(fld, "the row under the date-of-birth column holds a date OCR could not read; check the original")
                break
            if fld == "prescriber.npi" and _garbled_npi(r, m.end(), row_end if row_end >= 0 else len(text)):
                r.flag(fld, "a number is written by the NPI label but OCR could not read it; check the original")
                break


# where a required field's label would be, in any wording or OCR slip the parser knows
_LABEL_SEEN = {
    "patient.name": re.compile(r"\b(?:name|patient|client|regarding)\b|\b(?:pt|re)\b\s*[.:]", re.I),
    "patient.dob": re.compile(rf"{L.DOB.pattern}|(?<![A-Za-z])(?-i:[DP][O0][BPS8]|[dp][o0][bps8e])(?![A-Za-z])"
                              r"|date\W+of\W+\w?\w?rth|\w?irth", re.I),
    "diagnoses": re.compile(r"\b(?:diag\w*|dx|icd\S*|impression|assessment)", re.I),
    "start_date": re.compile(rf"{L.DATE_OCR.pattern}|{L.START.pattern}|\b(?:dated?|signed|written|effective)\b", re.I),
    "prescriber": re.compile(rf"{NPI_LABEL.pattern}|\b(?:physician|provider|prescriber|doctor|signature|signed)\b"
                             rf"|\bDr\b|\b{CREDENTIALS}\b"),
}
SHAKY_WORD_CONF = 30.0  # a word read below this is debris, not a reading
SHAKY_PAGE_WORDS = 5    # this many debris words of 3+ characters: parts of the page could not be read


def unlabelled_on_shaky_page(r: "_Reader", rx: Prescription) -> None:
    """A required field of which not even the label was found, on a scan where OCR read parts of the
    page as debris: whether the prescription holds it cannot be told, so `low_confidence`, not a
    `missing_*` that says the physician left it out. On a page read cleanly the field is missing."""
    text = r.ct.text
    debris = sum(1 for m in re.finditer(r"\S{3,}", text)
                 if (c := r.ct.conf(m.start(), m.end())) is not None and c < SHAKY_WORD_CONF)
    if debris < SHAKY_PAGE_WORDS:
        return
    values = {"patient.name": rx.patient.name, "patient.dob": rx.patient.dob, "diagnoses": rx.diagnoses,
              "start_date": rx.start_date or rx.written_date, "prescriber": rx.prescriber.name or rx.prescriber.npi}
    related = {"start_date": {"written_date"}, "prescriber": {"prescriber.npi", "prescriber.name"}}
    for fld, label in _LABEL_SEEN.items():
        if values[fld] or fld in r.flagged or related.get(fld, set()) & r.flagged:
            continue
        if not label.search(text):
            r.flag(fld, f"its label was not found on a page OCR read only in part ({debris} words unreadable); "
                        "check the original")
