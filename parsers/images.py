"""Image files (PNG, JPEG, multi-page TIFF) -> pages of OCR text."""

from __future__ import annotations

import io

from PIL import Image, ImageSequence

from parsers.documents import Document
from parsers.ocr import ocr_image


def read_image(doc: Document, max_pages: int = 30, max_pixels: int = 60_000_000, ocr_timeout: float = 60.0) -> None:
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        img = Image.open(io.BytesIO(doc.data))
        frames = [f.copy() for f in ImageSequence.Iterator(img)]
    except Exception as exc:
        doc.error = f"not a readable image ({type(exc).__name__})"
        return
    doc.page_count = len(frames)
    if len(frames) > max_pages:
        doc.error = f"{len(frames)} pages, over the limit of {max_pages}"
        return
    for frame in frames:
        doc.pages.append(ocr_image(frame.convert("L"), timeout=ocr_timeout))
