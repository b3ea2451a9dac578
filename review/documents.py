"""The originals behind a prescription, as staff see them: page images, body text, downloads."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from records.models import DocumentRecord, Prescription
from review import pages
from rxintake.errors import NotFound


@dataclass
class Shown:
    doc: DocumentRecord
    pages: int          # page images to show (0: not renderable)
    text: str | None    # for text parts
    problem: str | None  # why it cannot be shown


def raw(store, sha256: str) -> bytes:  # noqa: ANN001 - worker.store.RawStore
    try:
        return store.get(sha256)
    except FileNotFoundError:
        raise NotFound("The original is missing from the data directory.") from None


def shown(rx: Prescription, store) -> list[Shown]:  # noqa: ANN001
    out = []
    for doc in rx.message.documents if rx.message else []:
        if pages.renderable(doc.content_type):
            n = doc.pages
            problem = None
            if not n:
                try:
                    n = pages.count_pages(raw(store, doc.sha256), doc.content_type)
                except Exception as exc:  # missing or corrupt: tell staff, still offer the download
                    n, problem = 0, getattr(exc, "message", str(exc))
            out.append(Shown(doc, n or 0, None, problem))
        elif doc.content_type.startswith("text/"):
            try:
                text = raw(store, doc.sha256).decode("utf-8", "replace")
            except NotFound as exc:
                out.append(Shown(doc, 0, None, exc.message))
                continue
            out.append(Shown(doc, 0, text, None))
        else:
            out.append(Shown(doc, 0, None, f"{doc.content_type} cannot be shown here; download the original."))
    return out


def body_text(rx: Prescription, store) -> str | None:  # noqa: ANN001
    """The mail's own text (prescriptions are often typed in the body)."""
    msg = rx.message
    if msg is None or not (msg.message_id or msg.from_addr or msg.source_path.lower().endswith(".eml")):
        return None
    try:
        from parsers.mail import parse_message

        parsed = parse_message(raw(store, msg.raw_sha256))
    except Exception:
        return None
    text = parsed.body.data.decode("utf-8", "replace").strip() if parsed.body else ""
    return text or None


def find(s: Session, rx_id: int, doc_id: int) -> DocumentRecord:
    """The document, only if it belongs to this prescription's message."""
    doc = s.scalar(select(DocumentRecord).join(Prescription, Prescription.message_pk == DocumentRecord.message_pk)
                   .where(Prescription.id == rx_id, DocumentRecord.id == doc_id))
    if doc is None:
        raise NotFound(f"Prescription #{rx_id} has no document #{doc_id}.")
    return doc


def page_png(store, settings, doc: DocumentRecord, page: int) -> bytes:  # noqa: ANN001
    """The page as PNG, rendered once and cached (0600) beside the originals."""
    dpi = settings.review_page_dpi
    cache = Path(settings.data_dir) / "cache" / "pages" / f"{doc.sha256}-{page}-{dpi}.png"
    if cache.exists():
        return cache.read_bytes()
    png = pages.render_page(raw(store, doc.sha256), doc.content_type, page, dpi, settings.max_image_pixels)
    cache.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = cache.with_suffix(f".tmp{os.getpid()}-{threading.get_ident()}")
    tmp.write_bytes(png)
    tmp.chmod(0o600)
    tmp.replace(cache)
    return png


def download(data: bytes, content_type: str, filename: str) -> Response:
    safe = "".join(c for c in filename if c.isalnum() or c in "._- ") or "download"
    return Response(data, media_type=content_type, headers={
        "Content-Disposition": f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "private, no-store"})
