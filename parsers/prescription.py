"""Text -> `Prescription`: the fields insurers need, each read through its label, with parse alerts.

The message's documents (and its body) are scored for what a prescription carries; the best one
is read. A value read from OCR words below `settings.ocr_min_confidence` is dropped with a
`low_confidence` alert naming the field: a null with an alert beats a plausible wrong value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from parsers.documents import Message
from parsers.fields import labels as L
from parsers.fields.codes import find_cpt, find_icd10
from parsers.fields.columns import form_row
from parsers.fields.confidence import ConfText, join_pages
from parsers.fields.frequency import parse_schedule
from parsers.fields.npi import find_npi_span, luhn_ok
from parsers.fields.patient import find_patient, odd_tokens
from parsers.fields.prescriber import find_prescriber
from rxintake.models import Alert, Diagnosis, Frequency, Patient, Prescriber, Prescription

# a value a second check confirms (an NPI's check digit, a code whose description is written beside it)
# is taken from OCR words down to this share of the confidence threshold
VERIFIED_FACTOR = 0.5
MIN_SCORE = 3  # signals a text must carry to be read as a prescription
# a page titled as a therapy referral or prescription is one even when OCR could read little else
_TITLE_WORDS = re.compile(r"(?=.*\b(?:massage|therapy|physiotherapy|rehab\w*)\b)(?=.*\b(?:referral|prescription|order)\b)", re.I)


def _titled(text: str) -> bool:
    """A heading line such as "PHYSICAL THERAPY / MASSAGE THERAPY REFERRAL" (short, no digits), or ℞."""
    if "℞" in text:
        return True
    return any(len(line.split()) <= 7 and not re.search(r"\d", line) and _TITLE_WORDS.match(line)
               for line in text.split("\n"))
_RX_WORDS = re.compile(r"\b(?:referral|prescription|rx|order|refer|℞)\b|℞", re.I)
_THERAPY = re.compile(r"\b(?:massage|therap\w*|physiotherapy|rehab\w*|manual)\b", re.I)


def _lookup(code: str):
    from parsers import icd10

    return icd10.lookup(code)


@dataclass(slots=True)
class _Reader:
    """One text being read, the alerts raised while reading it, and the confidence gate."""

    ct: ConfText
    min_conf: float
    alerts: list[Alert] = field(default_factory=list)
    flagged: set[str] = field(default_factory=set)

    def flag(self, field_name: str, why: str) -> None:
        if field_name not in self.flagged:
            self.flagged.add(field_name)
            self.alerts.append(Alert(code="low_confidence", severity="error", field=field_name,
                                     message=f"{field_name} could not be read with confidence: {why}"))

    def trusted(self, field_name: str, *spans: tuple[int, int], verified: bool = False) -> bool:
        confs = [c for s, e in spans if (c := self.ct.conf(s, e)) is not None]
        if confs and min(confs) < self.min_conf * (VERIFIED_FACTOR if verified else 1.0):
            self.flag(field_name, f"OCR confidence {min(confs):.0f} < {self.min_conf:.0f} on the scanned page; "
                                  "check the original")
            return False
        return True


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


def _without_cover_sheets(pages: list) -> list:
    """A fax cover sheet's dates and numbers are the fax's, not the prescription's: leave it out."""
    kept = [p for p in pages if not (_COVER.search(p.text or "") and prescription_score(p.text or "") < MIN_SCORE)]
    return kept or pages


def _binary(text: str) -> bool:
    """Undecoded binary (an attachment mislabelled as text): random bytes look like codes and dates."""
    sample = text[:20000]
    odd = sum(1 for ch in sample if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\n\r\t\f"))
    return bool(sample) and odd / len(sample) > 0.05


def _first(hits: list[L.Hit], exclude: list[tuple[int, int]] = ()) -> L.Hit | None:
    for h in sorted(hits, key=lambda h: h.start):
        if not any(h.start < e and s < h.end for s, e in exclude):
            return h
    return None


def _dates(r: _Reader, body: bool, header_date: date | None) -> dict[str, date | None]:
    text = r.ct.text
    dob_ocr = (L.dated_after(text, L.DOB_OCR, window=16) + L.column_values(text, L.DOB_OCR, "date")
               if r.ct.source == "ocr" else [])
    dob = _first(L.dated_after(text, L.DOB) + L.column_values(text, L.DOB, "date") + dob_ocr)
    taken = [(dob.start, dob.end)] if dob else []
    start = _first(L.dated_after(text, L.START, exclude=taken)
                   + L.column_values(text, re.compile(r"start\s+date", re.I), "date"), taken)
    taken += [(start.start, start.end)] if start else []
    end = _first(L.dated_after(text, L.END, exclude=taken), taken)
    taken += [(end.start, end.end)] if end else []
    for a, b in L.date_ranges(text):
        if any(a.start < e and s < b.end for s, e in taken if (s, e) != ((start.start, start.end) if start else None)):
            continue
        start = start or a
        end = end or b
        taken += [(a.start, a.end), (b.start, b.end)]
        break
    written = (_first(L.dated_after(text, L.WRITTEN, exclude=taken), taken)
               or _first(L.dated_after(text, L.SIGNED, exclude=taken), taken)
               or _first(L.dated_after(text, L.DATE_WORD, exclude=taken, guard=L.date_word_guard, gap_letters=0), taken)
               or (_first(L.dated_after(text, L.DATE_OCR, exclude=taken, gap_letters=0), taken)
                   if r.ct.source == "ocr" else None)
               or _first(L.standalone_dates(text), taken))
    out: dict[str, date | None] = {}
    for name, hit, fld in (("dob", dob, "patient.dob"), ("start", start, "start_date"),
                           ("end", end, "end_date"), ("written", written, "written_date")):
        out[name] = hit.value if hit and r.trusted(fld, (hit.start, hit.end)) else None
    fuzzy = bool(dob and dob in dob_ocr and not L.dated_after(text, L.DOB))
    if out["dob"] and not L.plausible_dob(out["dob"], out["written"] or header_date, 1 if fuzzy else 0):
        out["dob"] = None
    if out["written"] is None and body and header_date and "written_date" not in r.flagged:
        out["written"] = header_date
    return out


def _column_count(text: str) -> tuple[int, int, int] | None:
    """A bare number under a form's "# OF VISITS" column (no unit beside it)."""
    lines = L.line_spans(text)
    for i, (_, _, line) in enumerate(lines):
        if not re.search(r"(?:#|no\.?|number)\s*(?:of\s*)?visits|visits\s*\(#\)|total\s+visits", line, re.I):
            continue
        if re.search(r"\d", re.split(r"visits", line, flags=re.I)[-1]):
            continue
        for ns, _, nxt in lines[i + 1:i + 2]:
            cleaned = re.sub(r"\d+(?:\.\d+)?\s*(?:-\s*\d+\s*)?(?:x|times?)?\s*(?:/|per)?\s*(?:wks?|weeks?)\b|\d+\s*x\b", " ", nxt, flags=re.I)
            for d in L.find_dates(cleaned):
                cleaned = cleaned[:d.start] + " " * (d.end - d.start) + cleaned[d.end:]
            nums = list(re.finditer(r"(?<![\w/.-])(\d{1,3})(?![\w/.-])", cleaned))
            if len(nums) == 1 and 0 < int(nums[0].group(1)) <= 200:
                return int(nums[0].group(1)), ns + nums[0].start(1), ns + nums[0].end(1)
    return None


def read_prescription(ct: ConfText, min_conf: float, body: bool = False, header_date: date | None = None,
                      columns: dict | None = None) -> tuple[Prescription, list[Alert]]:
    """Every field of one prescription text; OCR values below `min_conf` become null + alert.
    `columns`: a form's schedule row read by column position (see parsers.fields.columns)."""
    r = _Reader(ct, min_conf)
    columns = columns or {}
    text = ct.text
    rx = Prescription()
    pt = find_patient(text)
    if pt and r.trusted("patient.name", (pt[1], pt[2])):
        if ct.source == "ocr" and odd_tokens(pt[0]):
            r.flag("patient.name", "a word of the name read from the scan looks like debris; check the original")
        else:
            rx.patient = Patient(name=pt[0])
    d = _dates(r, body, header_date)
    rx.patient.dob = d["dob"]

    for code in find_icd10(text, _lookup):
        if r.trusted("diagnoses", (code.start, code.end), verified=code.described):
            info = _lookup(code.code)
            rx.diagnoses.append(Diagnosis(code=code.code, description=getattr(info, "description", None)))
    rx.procedures = find_cpt(text)

    sched = parse_schedule(text)
    if not sched.phases and (columns.get("per_week") or columns.get("weeks")):
        sched.per_week = columns.get("per_week", sched.per_week)
        sched.weeks = columns.get("weeks", sched.weeks)
        if sched.per_week and sched.weeks:
            sched.phases = [(sched.per_week, sched.weeks)]
            if sched.stated_visits is None and sched.per_week * sched.weeks == int(sched.per_week * sched.weeks):
                sched.visits = int(sched.per_week * sched.weeks)
    if sched.stated_visits is None and columns.get("visits"):
        sched.visits = sched.stated_visits = columns["visits"]
    visits = sched.visits
    spans = sched.spans
    if sched.stated_visits is None:
        col = _column_count(text)
        if col:
            visits, spans = col[0], [(col[1], col[2])]
    if visits is not None and not r.trusted("visits", *spans):
        visits = None
        sched.weeks = None if not r.trusted("visits", *spans) else sched.weeks
    rx.visits = visits
    if sched.per_week is not None or sched.weeks is not None:
        rx.frequency = Frequency(per_week=sched.per_week, weeks=sched.weeks)
    for what in sched.ranged:
        r.alerts.append(Alert(code="frequency_range", severity="warning", field="visits",
                              message=f"A range was written ({what.split(' ', 1)[1]}); its upper bound was taken"))

    rx.written_date = d["written"]
    rx.start_date = d["start"] or columns.get("start") or d["written"]
    end = d["end"]
    if end is None and rx.start_date and "end_date" not in r.flagged:
        if sched.weeks:
            end = rx.start_date + timedelta(days=round(7 * sched.weeks))
        elif sched.valid_days:
            end = rx.start_date + timedelta(days=sched.valid_days)
        elif sched.valid_months:
            from dateutil.relativedelta import relativedelta

            end = rx.start_date + relativedelta(months=sched.valid_months)
    rx.end_date = end

    npi = find_npi_span(text)
    if npi and r.trusted("prescriber.npi", (npi[1], npi[2]), verified=luhn_ok(npi[0])):
        if ct.source == "ocr" and not luhn_ok(npi[0]):
            # on a scan a failed check digit is far likelier a misread digit than a wrong NPI
            r.flag("prescriber.npi", "the NPI read from the scan fails its check digit; check the original")
        else:
            rx.prescriber.npi = npi[0]
    rx.prescriber = Prescriber(name=find_prescriber(text), npi=rx.prescriber.npi)
    if ct.source == "ocr":
        _unreadable_labels(r, rx)
    return rx, r.alerts


_FIELD_LABELS = {
    "patient.name": re.compile(r"patient(?:'s)?\s+name|\bname\b", re.I),
    "patient.dob": L.DOB,
    "diagnoses": re.compile(r"\b(?:diagnos[ie]s|dx|icd-?10)\b", re.I),
    "visits": re.compile(r"#\s*of\s+visits|number\s+of\s+visits|\bvisits\b|frequency", re.I),
    "start_date": re.compile(r"start\s+date", re.I),
    "prescriber.npi": re.compile(r"\bNP[I1lL]\b"),
}


def _unreadable_labels(r: _Reader, rx: Prescription) -> None:
    """A labelled field left empty on a scan with shaky words after its label: something is written
    there that OCR could not read, so say so (`low_confidence`) rather than call it missing."""
    values = {"patient.name": rx.patient.name, "patient.dob": rx.patient.dob, "diagnoses": rx.diagnoses,
              "visits": rx.visits, "start_date": rx.start_date, "prescriber.npi": rx.prescriber.npi}
    text = r.ct.text
    for fld, label in _FIELD_LABELS.items():
        if values[fld] or fld in r.flagged or (fld == "start_date" and "written_date" in r.flagged):
            continue
        for m in label.finditer(text):
            nl = text.find("\n", m.end())
            nl = nl if nl >= 0 else len(text)
            conf = r.ct.conf(m.end(), min(nl, m.end() + 25))  # beside the label
            if conf is None or conf >= r.min_conf:
                # under a column header: only a value row that OCR could barely read at all
                nl2 = text.find("\n", nl + 1)
                conf = r.ct.mean(nl + 1, nl2 if nl2 >= 0 else len(text)) if nl < len(text) else None
            if conf is not None and conf < r.min_conf:
                r.flag(fld, f"something is written after its label but OCR could not read it "
                            f"(confidence {conf:.0f} < {r.min_conf:.0f}); check the original")
                break


def parse_prescription(message: Message, settings=None) -> tuple[Prescription, list[Alert]]:
    """The message's prescription and the parse alerts (`no_prescription`, `low_confidence`, ...)."""
    from rxintake.settings import get_settings

    settings = settings or get_settings()
    candidates: list[tuple[int, int, ConfText, object]] = []
    for i, doc in enumerate(message.documents):
        if not doc.error and doc.pages:
            ct = join_pages(_without_cover_sheets(doc.pages))
            if ct.text.strip():
                candidates.append((prescription_score(ct.text), 1, ct, doc))
    if message.body and message.body.pages:
        ct = join_pages(message.body.pages)
        if ct.text.strip():
            candidates.append((prescription_score(ct.text), 0, ct, None))
    # an attached prescription wins over the covering mail, even when the mail says more (a poor scan)
    best = max(candidates, key=lambda c: (c[1] == 1 and c[0] >= MIN_SCORE, c[0], c[1]), default=None)
    if best is None or best[0] < MIN_SCORE:
        if any(doc.error for doc in message.documents):
            return Prescription(), []  # `unreadable_document` already says why nothing was read
        return Prescription(), [Alert(code="no_prescription", severity="error", field=None,
                                      message="The message carries no prescription")]
    header_date = message.date.date() if message.date else None
    doc = best[3]
    columns = _layout_columns(doc) if doc is not None and best[2].source == "text_layer" else {}
    return read_prescription(best[2], settings.ocr_min_confidence, body=doc is None, header_date=header_date,
                             columns=columns)


def _layout_columns(doc) -> dict:
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
