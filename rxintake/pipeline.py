"""The pipeline in one place: mail -> documents -> text -> prescription -> rules -> result.

Pure apart from the OCR and PDF readers it calls; no broker, mailbox or database here.
"""

from __future__ import annotations

from pathlib import Path

from parsers.documents import Document, Message
from parsers.mail import parse_message
from parsers.sniff import sniff_type
from rxintake.models import Alert, DocumentInfo, Extraction, Source
from rxintake.settings import Settings, get_settings


def read_document(doc: Document, settings: Settings) -> None:
    """Fill `doc.pages` from its bytes, or set `doc.error` saying why it cannot be read."""
    from parsers.images import read_image
    from parsers.pdf import read_pdf

    if not doc.data:
        doc.error = "empty file (0 bytes)"
    elif len(doc.data) > settings.max_document_bytes:
        doc.error = f"{len(doc.data)} bytes, over the limit of {settings.max_document_bytes}"
    elif doc.content_type == "application/pdf":
        read_pdf(doc, max_pages=settings.max_pages, dpi=settings.ocr_dpi, ocr_timeout=settings.ocr_page_timeout)
    elif doc.content_type.startswith("image/"):
        read_image(doc, max_pages=settings.max_pages, max_pixels=settings.max_image_pixels,
                   ocr_timeout=settings.ocr_page_timeout)
    else:
        doc.error = f"unsupported type {doc.content_type}"


def load_message(path: Path) -> Message:
    """An .eml file, or a bare document (PDF, image) as a scanner or fax server drops it."""
    raw = path.read_bytes()
    if path.suffix.lower() == ".eml":
        return parse_message(raw, path=str(path))
    ctype = sniff_type(raw, path.name)
    return Message(path=str(path), documents=[Document(filename=path.name, content_type=ctype, data=raw)])


def extract_message(message: Message, settings: Settings | None = None) -> Extraction:
    from parsers.prescription import parse_prescription
    from rules.engine import evaluate, load_rules

    settings = settings or get_settings()
    for doc in message.documents:
        read_document(doc, settings)
    source = Source(
        path=message.path, message_id=message.message_id, from_=message.from_, subject=message.subject,
        date=message.date.isoformat() if message.date else message.date_header,
        documents=[DocumentInfo(filename=d.filename, content_type=d.content_type, sha256=d.sha256,
                                pages=d.page_count, text_source=d.text_source) for d in message.documents],
    )
    alerts: list[Alert] = [
        Alert(code="unreadable_document", severity="error", field=None,
              message=f"{d.filename or 'attachment'} could not be read: {d.error}")
        for d in message.documents if d.error
    ]
    prescription, found = parse_prescription(message)
    alerts += found
    rules = load_rules(settings.rules_file)
    alerts += evaluate(prescription, rules, message_date=message.date.date() if message.date else None,
                       prior_alerts=list(alerts))
    status = "needs_review" if any(a.severity == "error" for a in alerts) else "filed"
    return Extraction(source=source, prescription=prescription, alerts=alerts, status=status)


def extract_path(path: Path, settings: Settings | None = None) -> Extraction:
    return extract_message(load_message(path), settings)
