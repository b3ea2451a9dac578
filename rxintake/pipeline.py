"""The pipeline in one place: mail -> documents -> text -> prescription -> rules -> result.

Pure apart from the OCR and PDF readers it calls; no broker, mailbox or database here.
"""

from __future__ import annotations

import logging
from pathlib import Path

from parsers.documents import Document, Message
from parsers.mail import parse_message
from parsers.sniff import sniff_type
from rxintake.models import Alert, DocumentInfo, Extraction, Source
from rxintake.settings import Settings, get_settings


def read_document(doc: Document, settings: Settings) -> None:
    """Fill `doc.pages` from its bytes, or set `doc.error` saying why it cannot be read.

    Never raises: whatever goes wrong inside a reader becomes the document's `error`.
    """
    from parsers.images import read_image
    from parsers.mail import read_text
    from parsers.pdf import read_pdf

    limits = dict(max_pages=settings.max_pages, ocr_timeout=settings.ocr_page_timeout,
                  max_pixels=settings.max_image_pixels, workers=settings.ocr_workers,
                  reread_below=settings.ocr_min_confidence, reread_max=settings.ocr_reread_max_words,
                  second_below=settings.ocr_second_reader_below)
    try:
        if not doc.data:
            doc.error = "empty file (0 bytes)"
        elif len(doc.data) > settings.max_document_bytes:
            doc.error = f"{len(doc.data)} bytes, over the limit of {settings.max_document_bytes}"
        elif doc.content_type == "application/pdf":
            read_pdf(doc, dpi=settings.ocr_dpi, **limits)
        elif doc.content_type.startswith("image/"):
            read_image(doc, **limits)
        elif doc.content_type in ("text/plain", "text/html"):
            read_text(doc)
        else:
            doc.error = f"unsupported type {doc.content_type}"
            doc.unsupported = True
    except Exception as exc:  # a reader's bug or a file no reader foresaw: never lose the message
        doc.pages = []
        doc.error = f"could not be read ({type(exc).__name__})"


def load_message(path: Path, settings: Settings | None = None) -> Message:
    """An .eml file, or a bare document (PDF, image) as a scanner or fax server drops it.

    Never raises on bad content: a message that cannot be parsed comes back with `error` set.
    """
    settings = settings or get_settings()
    size = path.stat().st_size
    if size > settings.max_message_bytes:
        return Message(path=str(path), error=f"{size} bytes, over the limit of {settings.max_message_bytes}")
    return message_from_source(path.read_bytes(), str(path), settings)


def message_from_source(raw: bytes, name: str, settings: Settings | None = None) -> Message:
    """The bytes of an .eml (by its name) or of a bare document as a `Message`; never raises.

    The one entry for `extract` and the worker alike: size limit, MIME parsing, type sniffing.
    """
    settings = settings or get_settings()
    if len(raw) > settings.max_message_bytes:
        return Message(path=name, error=f"{len(raw)} bytes, over the limit of {settings.max_message_bytes}")
    if name.lower().endswith(".eml"):
        try:
            return parse_message(raw, path=name)
        except Exception as exc:
            return Message(path=name, error=f"not a readable email message ({type(exc).__name__})")
    return Message(path=name, documents=[Document(filename=Path(name).name, content_type=sniff_type(raw, name),
                                                  data=raw)])


def extract_message(message: Message, settings: Settings | None = None) -> Extraction:
    from parsers.prescription import parse_prescription
    from rules.engine import evaluate, load_rules
    from rules.payer import payer_for

    settings = settings or get_settings()
    for doc in message.documents:
        read_document(doc, settings)
    source = Source(
        path=message.path, message_id=message.message_id, from_=message.from_, subject=message.subject,
        date=message.date.isoformat() if message.date else message.date_header,
        documents=[DocumentInfo(filename=d.filename, content_type=d.content_type, sha256=d.sha256,
                                pages=d.page_count, text_source=d.text_source) for d in message.documents],
    )
    prescription, found = parse_prescription(message)
    if _has_gaps(prescription, found) and second_look(message):
        prescription, found = parse_prescription(message)
    alerts: list[Alert] = document_alerts(message, prescription_found=_has_fields(prescription))
    alerts += found
    rules = load_rules(settings.rules_file)
    texts = [d.text for d in [*message.documents, message.body] if d is not None and d.pages]
    payer = payer_for(rules, texts)
    alerts += evaluate(prescription, rules, message_date=message.date.date() if message.date else None,
                       prior_alerts=list(alerts), payer=payer)
    status = "needs_review" if any(a.severity == "error" for a in alerts) else "filed"
    from parsers import icd10

    return Extraction(source=source, prescription=prescription, alerts=alerts, status=status,
                      code_set=icd10.release(), payer=payer)


def _has_gaps(p, alerts: list[Alert]) -> bool:
    """A field insurers need came out empty or unsure: worth the second reader's look."""
    return (any(a.code == "low_confidence" for a in alerts) or not p.diagnoses or p.visits is None
            or None in (p.patient.name, p.patient.dob, p.start_date, p.prescriber.npi))


def second_look(message: Message) -> bool:
    """The second reader (handwriting) on the pages kept for it; True when it read any."""
    from parsers.handreader import second_look as look

    return look([page for doc in message.documents for page in doc.pages])


def _has_fields(p) -> bool:
    """Something a prescription carries was read (not just the word "referral" in a cover note)."""
    return bool(p.diagnoses or p.patient.name or p.visits or p.prescriber.npi or p.procedures)


def document_alerts(message: Message, prescription_found: bool) -> list[Alert]:
    """`unreadable_document` for the message itself and each document that could not be read in full.

    A file of a type rxintake does not read (an office file, an archive) blocks filing only when no
    prescription was found elsewhere in the message; beside one, it is a `unsupported_attachment`
    warning, so a vCard or a .docx newsletter does not hold up a prescription typed in the body.
    """
    def alert(code: str, severity: str, text: str) -> Alert:
        return Alert(code=code, severity=severity, field=None, message=text)

    alerts = []
    if message.error:
        alerts.append(alert("unreadable_document", "error",
                            f"{Path(message.path).name}: the message could not be read in full: {message.error}"))
    for d in message.documents:
        name = d.filename or f"an unnamed {d.content_type} attachment"
        if d.error and d.unsupported and prescription_found:
            alerts.append(alert("unsupported_attachment", "warning", f"{name} was not read: {d.error}"))
        elif d.error:
            alerts.append(alert("unreadable_document", "error", f"{name} could not be read: {d.error}"))
        elif d.partial:
            alerts.append(alert("unreadable_document", "error", f"{name} was read only in part: {d.partial}"))
    return alerts


def extract_path(path: Path, settings: Settings | None = None) -> Extraction:
    """Never raises on bad content: an unforeseen failure becomes an `unreadable_document` result."""
    try:
        return extract_message(load_message(path, settings), settings)
    except Exception as exc:
        from rxintake.logs import log_event

        log_event(logging.getLogger(__name__), "extract.failed", level=logging.WARNING,
                  file=path.name, error=type(exc).__name__)
        return Extraction(source=Source(path=str(path)), alerts=[Alert(
            code="unreadable_document", severity="error", field=None,
            message=f"{path.name} could not be read: unexpected {type(exc).__name__}")], status="needs_review")
