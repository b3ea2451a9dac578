"""The carriers between pipeline steps: a message, its documents and their text.

mail source -> `Message` (documents with bytes) -> `PageText` (words with confidences)
-> prescription fields.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image


@dataclass(slots=True)
class Word:
    """One word as read. `conf` is tesseract's 0-100 confidence; None for a text layer or body."""

    text: str
    conf: float | None = None
    line: int = 0  # index of the line within its page
    # Where tesseract found the word on the page image it read (pixels); 0 for a text layer or body.
    left: int = 0
    top: int = 0
    width: int = 0
    height: int = 0


@dataclass(slots=True)
class PageText:
    text: str
    source: str  # "text_layer" | "ocr" | "body"
    words: list[Word] = field(default_factory=list)
    rotation: int = 0  # degrees (counter-clockwise) the page image was turned to be read upright
    # the second reader's readings (the page at two sizes) of a page tesseract read poorly
    # (parsers.handreader); a second opinion only
    second: list[PageText] = field(default_factory=list)
    # a reduced copy of the page image, kept for the second reader until it has looked (or not)
    image: Image.Image | None = field(default=None, repr=False)
    image_scale: float = 1.0  # page-image pixels per kept-image pixel

    @property
    def mean_conf(self) -> float | None:
        confs = [w.conf for w in self.words if w.conf is not None and w.conf >= 0]
        return sum(confs) / len(confs) if confs else None


@dataclass(slots=True)
class Document:
    """An attachment (or the body) with what could be read of it."""

    filename: str | None
    content_type: str
    data: bytes
    pages: list[PageText] = field(default_factory=list)
    page_count: int | None = None
    error: str | None = None  # why it could not be read; becomes `unreadable_document`
    is_body: bool = False
    partial: str | None = None  # read in part only (page limit, a page failed): the text is kept, staff told why
    unsupported: bool = False  # a type rxintake does not read (office file, archive): `error` says which

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def text(self) -> str:
        return "\n\f\n".join(p.text for p in self.pages)

    @property
    def text_source(self) -> str:
        kinds = {p.source for p in self.pages if p.text.strip()}
        if not kinds:
            return "none"
        if "ocr" in kinds:
            return "ocr"
        return kinds.pop()


@dataclass(slots=True)
class Message:
    path: str
    message_id: str | None = None
    from_: str | None = None
    subject: str | None = None
    date: datetime | None = None
    date_header: str | None = None
    body: Document | None = None
    documents: list[Document] = field(default_factory=list)
    error: str | None = None  # the message itself could not be parsed
    # Parts that are not documents: logos and signature images, calendar invites, digital signatures.
    ignored: list[Document] = field(default_factory=list)
