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
from parsers.fields.codes import find_cpt, find_icd10, letter_lost_codes
from parsers.fields.columns import column_count, layout_columns, stacked_schedule
from parsers.fields.confidence import ConfText, join_pages
from parsers.fields.detect import MIN_SCORE, prescription_score, without_cover_sheets
from parsers.fields.frequency import parse_schedule
from parsers.fields.npi import find_npi_span, luhn_ok
from parsers.fields.patient import find_patient, odd_tokens, starts_right_of_column, without_inner_debris
from parsers.fields.prescriber import find_prescriber
from parsers.fields.unreadable import unlabelled_on_shaky_page, unreadable_labels, without_debris
from rxintake.models import Alert, Diagnosis, Frequency, Patient, Prescriber, Prescription

# a value a second check confirms (an NPI's check digit, a code whose description is written beside it)
# is taken from OCR words down to this share of the confidence threshold
VERIFIED_FACTOR = 0.5
# mean OCR confidence under which a page counts as poorly read (handwriting reads at 55-80, typed pages at 85-95):
# "no prescription" found on such a page says so
POORLY_READ = 75.0


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


def _first(hits: list[L.Hit], exclude: list[tuple[int, int]] = ()) -> L.Hit | None:
    for h in sorted(hits, key=lambda h: h.start):
        if not any(h.start < e and s < h.end for s, e in exclude):
            return h
    return None


def _plausible(d: date, message_date: date, written: bool) -> bool:
    """A prescription date near the message's: written no later than it arrived, none decades off."""
    if written and d > message_date + timedelta(days=1):
        return False
    return message_date.year - 5 <= d.year <= message_date.year + 2


# month names long enough that no OCR slip turns one into another ("June"/"July", "Mar"/"May" can)
_LONG_MONTHS = {"january", "february", "march", "april", "august", "september", "october", "november", "december"}


def _date_spans(r: _Reader, start: int, end: int) -> list[tuple[int, int]]:
    """The parts of a date whose OCR confidence must pass the gate. A month spelled out in full
    ("“February" read at 50 because of a stray mark before it) vouches for itself down to the
    verified share of the threshold; its digits are always checked."""
    if r.ct.source != "ocr":
        return [(start, end)]
    spans = []
    for m in re.finditer(r"\S+", r.ct.text[start:end]):
        s, e = start + m.start(), start + m.end()
        core = re.sub(r"[^A-Za-z]", "", m.group(0)).lower()
        conf = r.ct.conf(s, e)
        if (core in _LONG_MONTHS and not re.search(r"\d", m.group(0)) and conf is not None
                and conf >= r.min_conf * VERIFIED_FACTOR):
            continue
        spans.append((s, e))
    return spans or [(start, end)]


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
        if dob and a.start < dob.end and dob.start < b.end:
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
               or _first(L.signature_line_dates(text), taken)
               or _first(L.standalone_dates(text), taken))
    out: dict[str, date | None] = {}
    for name, hit, fld in (("dob", dob, "patient.dob"), ("start", start, "start_date"),
                           ("end", end, "end_date"), ("written", written, "written_date")):
        out[name] = hit.value if hit and r.trusted(fld, *_date_spans(r, hit.start, hit.end)) else None
        if out[name] and r.ct.source == "ocr" and header_date and name != "dob" and not _plausible(
                out[name], header_date, written=name == "written"):
            out[name] = None  # "10/12/2926": a misread digit, not a date anyone wrote
            r.flag(fld, f"the date read from the scan ({hit.value.isoformat()}) cannot be right; check the original")
    fuzzy = bool(dob and dob in dob_ocr and not L.dated_after(text, L.DOB))
    if out["dob"] and not L.plausible_dob(out["dob"], out["written"] or header_date, 1 if fuzzy else 0):
        out["dob"] = None
    if out["written"] is None and body and header_date and "written_date" not in r.flagged:
        out["written"] = header_date
    return out


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
        name = without_inner_debris(pt[0]) if ct.source == "ocr" and odd_tokens(pt[0]) else pt[0]
        if name is None:
            r.flag("patient.name", "a word of the name read from the scan looks like debris; check the original")
        elif ct.source == "ocr" and starts_right_of_column(ct, pt[1], pt[2]):
            r.flag("patient.name", "the name starts right of its column's edge on the scan: its first letters "
                                   "may be lost; check the original")
        else:
            rx.patient = Patient(name=name)
    d = _dates(r, body, header_date)
    rx.patient.dob = d["dob"]

    for code in find_icd10(text, _lookup):
        if r.trusted("diagnoses", (code.start, code.end), verified=code.described):
            info = _lookup(code.code)
            rx.diagnoses.append(Diagnosis(code=code.code, description=getattr(info, "description", None)))
    rx.procedures = find_cpt(text)

    sched = parse_schedule(without_debris(ct, min_conf) if ct.source == "ocr" else text)
    if not columns and not sched.phases:
        stacked = stacked_schedule(text)
        if stacked.get("per_week") and stacked.get("weeks") and r.trusted("visits", *stacked["spans"]):
            columns = stacked
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
        col = column_count(text)
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
        unreadable_labels(r, rx)
        unlabelled_on_shaky_page(r, rx)
    return rx, r.alerts


def parse_prescription(message: Message, settings=None) -> tuple[Prescription, list[Alert]]:
    """The message's prescription and the parse alerts (`no_prescription`, `low_confidence`, ...)."""
    from rxintake.settings import get_settings

    settings = settings or get_settings()
    candidates: list[tuple[int, int, ConfText, object]] = []
    for doc in message.documents:
        if not doc.error and doc.pages:
            ct = join_pages(without_cover_sheets(doc.pages))
            score = prescription_score(ct.text)
            if any(p.second for p in doc.pages):  # handwriting tesseract read as debris: the second reader's text
                score = max(score, prescription_score(_second_reading(doc, 0).text))
            if ct.text.strip():
                candidates.append((score, 1, ct, doc))
    if message.body and message.body.pages:
        ct = join_pages(message.body.pages)
        if ct.text.strip():
            candidates.append((prescription_score(ct.text), 0, ct, None))
    # an attached prescription wins over the covering mail, even when the mail says more (a poor scan)
    best = max(candidates, key=lambda c: (c[1] == 1 and c[0] >= MIN_SCORE, c[0], c[1]), default=None)
    if best is None or best[0] < MIN_SCORE:
        if any(doc.error for doc in message.documents):
            return Prescription(), []  # `unreadable_document` already says why nothing was read
        poor = [doc.filename or "an attachment" for doc in message.documents
                if any(p.source == "ocr" and (p.mean_conf or 0) < POORLY_READ for p in doc.pages)]
        why = (f"; {', '.join(poor)} could be read only poorly (handwriting or a poor copy): check whether it holds one"
               if poor else "")
        return Prescription(), [Alert(code="no_prescription", severity="error", field=None,
                                      message=f"The message carries no prescription{why}")]
    header_date = message.date.date() if message.date else None
    doc = best[3]
    columns = layout_columns(doc) if doc is not None and best[2].source == "text_layer" else {}
    rx, alerts = read_prescription(best[2], settings.ocr_min_confidence, body=doc is None, header_date=header_date,
                                   columns=columns)
    if doc is not None and any(p.second for p in doc.pages):
        rx, alerts = _second_opinion(rx, alerts, best[2], doc, header_date)
        weeks = rx.frequency.weeks if rx.frequency else None
        if rx.end_date is None and rx.start_date and weeks and not any(a.field == "end_date" for a in alerts):
            rx.end_date = rx.start_date + timedelta(days=round(7 * weeks))  # a start the second reader filled
    if doc is not None and best[2].source == "ocr":
        rx, alerts = _name_from_mail(rx, alerts, best[2], doc, message)
    return rx, alerts


def _name_from_mail(rx: Prescription, alerts: list[Alert], ct: ConfText, doc, message: Message):
    """The scan's patient name checked against the covering mail's subject and text (parsers.name_check)."""
    from parsers import name_check

    mail = "\n".join([message.subject or "", message.body.text if message.body else ""])
    if not mail.strip():
        return rx, alerts
    if rx.patient.name:
        names = [(rx.patient.name, True)]
    else:  # read unsurely, by tesseract or the second reader: the mail may confirm it
        texts = [ct.text] + [s.text for p in doc.pages for s in p.second]
        names = [(hit[0], False) for hit in map(find_patient, texts) if hit]
    for name, trusted in names:
        checked = name_check.confirm(name, mail, given_trusted=trusted)
        if checked:
            rx.patient.name = checked
            return rx, [a for a in alerts if not (a.code == "low_confidence" and a.field == "patient.name")]
    return rx, alerts


def _second_reading(doc, i: int) -> ConfText:
    """The document as the second reader's reading `i` gives it (tesseract's for pages it did not read)."""
    return join_pages(without_cover_sheets([p.second[i] if len(p.second) > i else p for p in doc.pages]))


def _second_opinion(rx: Prescription, alerts: list[Alert], ct: ConfText, doc, header_date: date | None):
    """Fields left empty in `ct`'s reading filled from the second reader's reading of the same pages,
    where checked."""
    from parsers import second_opinion

    main, small = _second_reading(doc, 0), _second_reading(doc, 1)
    strict, loose = ((read_prescription(main, gate, header_date=header_date)[0],
                      read_prescription(small, gate, header_date=header_date)[0])
                     for gate in (second_opinion.STRICT_CONF, second_opinion.AGREE_CONF))
    npis = [(ct, find_npi_span(ct.text)) for ct in (main, small)]
    values = second_opinion.confirmed(strict, loose, npi_confs=tuple(ct.conf(n[1], n[2]) if n else None
                                                                     for ct, n in npis))
    codes = [Diagnosis(code=c, description=getattr(_lookup(c), "description", None))
             for c in second_opinion.described_codes(main.text, _lookup)]
    rx, alerts = second_opinion.merge(rx, alerts, values, codes)
    for c in letter_lost_codes(ct.text, [main, small], _lookup, second_opinion.STRICT_CONF):
        if all(d.code != c for d in rx.diagnoses):  # in the order written: the first code is the primary one
            at = next((i for i, d in enumerate(rx.diagnoses) if main.text.find(d.code) > main.text.find(c)),
                      len(rx.diagnoses))
            rx.diagnoses.insert(at, Diagnosis(code=c, description=getattr(_lookup(c), "description", None)))
    return rx, alerts
