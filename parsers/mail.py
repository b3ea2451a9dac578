"""RFC 5322 bytes -> `Message`: headers, a body text and the attached documents.

Walks nested multiparts and forwarded messages, converts HTML-only bodies to text and decides
each attachment's real type by its magic bytes, not by what the sender declared.
"""

from __future__ import annotations

import email
import email.utils
from email import policy
from email.message import EmailMessage

from parsers.documents import Document, Message, PageText
from parsers.sniff import sniff_type

DOCUMENT_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/tiff", "image/gif", "image/bmp", "image/webp"}


def html_to_text(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["style", "script", "head"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(["p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table"]):
        block.insert_after("\n")
    for cell in soup.find_all(["td", "th"]):
        cell.insert_after(" ")
    text = soup.get_text()
    lines = [" ".join(line.split()) for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _part_text(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except Exception:  # unknown charset or broken encoding: decode leniently
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _walk(msg: EmailMessage, plain: list[str], html: list[str], docs: list[Document]) -> None:
    for part in msg.iter_parts() if msg.is_multipart() else [msg]:
        ctype = part.get_content_type()
        if part.is_multipart():
            _walk(part, plain, html, docs)
            continue
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner_msgs = inner if isinstance(inner, list) else [inner]
            for m in inner_msgs:
                if isinstance(m, EmailMessage):
                    _walk(m, plain, html, docs)
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        if ctype in ("text/plain", "text/html") and not filename and disposition != "attachment":
            (plain if ctype == "text/plain" else html).append(_part_text(part))
            continue
        try:
            data = part.get_payload(decode=True) or b""
        except Exception:
            data = b""
        real = sniff_type(data, filename, ctype)
        docs.append(Document(filename=filename, content_type=real, data=data))


def parse_message(raw: bytes, path: str = "message.eml") -> Message:
    msg = email.message_from_bytes(raw, policy=policy.default)
    out = Message(path=path)

    def header(name: str) -> str | None:
        try:
            value = msg.get(name)
            return str(value).strip() if value is not None else None
        except Exception:
            return None

    out.message_id = header("Message-ID")
    out.subject = header("Subject")
    from_ = header("From")
    if from_:
        out.from_ = email.utils.parseaddr(from_)[1] or from_
    out.date_header = header("Date")
    if out.date_header:
        try:
            out.date = email.utils.parsedate_to_datetime(out.date_header)
        except Exception:
            out.date = None

    plain: list[str] = []
    html: list[str] = []
    docs: list[Document] = []
    try:
        _walk(msg, plain, html, docs)
    except Exception as exc:  # malformed MIME: keep what was read
        out.error = f"malformed MIME: {type(exc).__name__}"
    body = "\n\n".join(t for t in plain if t.strip()) or "\n\n".join(html_to_text(h) for h in html)
    out.body = Document(filename=None, content_type="text/plain", data=body.encode("utf-8"), is_body=True,
                        pages=[PageText(text=body, source="body")] if body.strip() else [])
    out.documents = docs
    return out
