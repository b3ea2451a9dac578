"""RFC 5322 bytes -> `Message`: headers, a body text and the attached documents.

Walks nested multiparts and forwarded messages, converts HTML-only bodies to text and decides
each attachment's real type by its magic bytes, not by what the sender declared.
"""

from __future__ import annotations

import email
import email.utils
from email import policy
from email.message import EmailMessage

from parsers.documents import Document, Message, PageText, Word
from parsers.images import is_decoration
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


# Parts that are never a prescription document: signatures, contact cards, invites, bounce reports.
NOT_DOCUMENTS = {
    "application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature",
    "application/pgp-keys", "application/pgp-encrypted", "text/vcard", "text/x-vcard", "text/calendar",
    "application/ics", "message/delivery-status", "message/disposition-notification",
    "text/rfc822-headers", "message/rfc822-headers", "message/feedback-report",
}
MAX_DEPTH = 20  # nested multiparts / forwarded messages deeper than this are not walked


def _part_text(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except Exception:  # unknown charset or broken encoding: decode leniently
        return decode_lenient(_payload(part), part.get_content_charset())


def decode_lenient(data: bytes, charset: str | None) -> str:
    """Bytes as text under the declared charset if Python knows it, else UTF-8, else Windows-1252."""
    import codecs

    for name in (charset, "utf-8"):
        if not name:
            continue
        try:
            codecs.lookup(name)
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", errors="replace")


def _payload(part: EmailMessage) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding: keep the raw bytes
        data = None
    if data is None:
        raw = part.get_payload()
        data = raw.encode("utf-8", "replace") if isinstance(raw, str) else b""
    return data


def _filename(part: EmailMessage) -> str | None:
    try:
        name = part.get_filename()  # RFC 2231 and encoded words are decoded here
    except Exception:
        name = part.get_param("name") or None
        name = str(name) if name else None
    return name.strip() if isinstance(name, str) and name.strip() else None


def _walk(msg: EmailMessage, plain: list[str], html: list[str], docs: list[Document], ignored: list[Document],
          depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ValueError("parts nested too deep")
    if msg.get_content_maintype() == "multipart":
        parts = msg.get_payload()
        parts = parts if isinstance(parts, list) else []
    else:
        parts = [msg]
    for part in parts:
        if not isinstance(part, EmailMessage):
            continue
        ctype = part.get_content_type()
        if part.get_content_maintype() == "multipart":
            _walk(part, plain, html, docs, ignored, depth + 1)
            continue
        if ctype == "message/rfc822":  # a forwarded message: its body and attachments count too
            inner = part.get_payload()
            for m in inner if isinstance(inner, list) else [inner]:
                if isinstance(m, EmailMessage):
                    _walk(m, plain, html, docs, ignored, depth + 1)
            continue
        filename = _filename(part)
        disposition = part.get_content_disposition()
        if ctype in ("text/plain", "text/html") and disposition != "attachment":
            (plain if ctype == "text/plain" else html).append(_part_text(part))
            continue
        data = _payload(part)
        real = sniff_type(data, filename, ctype)
        doc = Document(filename=filename, content_type=real, data=data)
        if real in NOT_DOCUMENTS or ctype in NOT_DOCUMENTS or (real.startswith("image/") and is_decoration(data)):
            ignored.append(doc)
        else:
            docs.append(doc)


def read_text(doc: Document) -> None:
    """A text or HTML file attached to the message: its text, as if it were a text layer."""
    text = decode_lenient(doc.data, None)
    if doc.content_type == "text/html":
        text = html_to_text(text)
    doc.page_count = 1
    doc.pages = [PageText(text=text, source="text_layer",
                          words=[Word(text=w, line=n) for n, line in enumerate(text.splitlines()) for w in line.split()])]


def body_text(plain: list[str], html: list[str]) -> str:
    """The plain-text body, or the HTML converted when there is no plain part or it is only a stub."""
    text = "\n\n".join(t.strip() for t in plain if t.strip())
    if html and len(text) < 80:
        converted = "\n\n".join(c for c in (html_to_text(h) for h in html) if c)
        if len(converted) > 2 * len(text):
            return converted
    return text


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
        _walk(msg, plain, html, docs, out.ignored)
    except Exception as exc:  # malformed MIME: keep what was read
        out.error = f"malformed MIME ({exc if isinstance(exc, ValueError) else type(exc).__name__})"
    try:
        body = body_text(plain, html)
    except Exception:
        body = "\n\n".join(plain)
    out.body = Document(filename=None, content_type="text/plain", data=body.encode("utf-8"), is_body=True,
                        pages=[PageText(text=body, source="body")] if body.strip() else [])
    seen: set[str] = set()
    for doc in docs:  # the same file attached twice (forwarded and attached again) is one document
        (out.ignored if doc.sha256 in seen else out.documents).append(doc)
        seen.add(doc.sha256)
    return out
