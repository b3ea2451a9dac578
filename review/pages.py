"""Document pages as PNG images for the review page: PDFs with pypdfium2, TIFF/JPEG/PNG with Pillow.

Pure functions on bytes; the view caches the results by sha256. Limits (pages, pixels) come from
settings so a hostile file cannot make the page server render forever.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, ImageSequence

from rxintake.errors import UnreadableDocument

IMAGE_TYPES = {"image/png", "image/jpeg", "image/jpg", "image/tiff", "image/tif", "image/gif", "image/bmp"}
MAX_WIDTH = 1400


def renderable(content_type: str | None) -> bool:
    return (content_type or "").lower() in IMAGE_TYPES | {"application/pdf"}


def count_pages(data: bytes, content_type: str) -> int:
    ct = content_type.lower()
    try:
        if ct == "application/pdf":
            import pypdfium2 as pdfium

            pdf = pdfium.PdfDocument(data)
            try:
                return len(pdf)
            finally:
                pdf.close()
        with Image.open(io.BytesIO(data)) as im:
            return getattr(im, "n_frames", 1)
    except Exception as exc:  # a corrupt file: say so instead of a server error
        raise UnreadableDocument(None, f"cannot be shown ({exc.__class__.__name__})") from exc


def _png(image: Image.Image) -> bytes:
    if image.mode not in ("RGB", "L", "1"):
        image = image.convert("RGB")
    if image.width > MAX_WIDTH:
        image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False, compress_level=3)
    return out.getvalue()


def render_page(data: bytes, content_type: str, page: int, dpi: int = 110,
                max_pixels: int = 60_000_000) -> bytes:
    """Page `page` (0-based) of a PDF or image as PNG bytes."""
    ct = content_type.lower()
    try:
        if ct == "application/pdf":
            import pypdfium2 as pdfium

            pdf = pdfium.PdfDocument(data)
            try:
                if not 0 <= page < len(pdf):
                    raise IndexError(page)
                pg = pdf[page]
                w, h = pg.get_size()
                scale = dpi / 72
                if w * h * scale * scale > max_pixels:
                    scale = (max_pixels / (w * h)) ** 0.5
                return _png(pg.render(scale=scale).to_pil())
            finally:
                pdf.close()
        Image.MAX_IMAGE_PIXELS = max_pixels
        with Image.open(io.BytesIO(data)) as im:
            for i, frame in enumerate(ImageSequence.Iterator(im)):
                if i == page:
                    return _png(ImageOps.exif_transpose(frame.copy()))
        raise IndexError(page)
    except IndexError:
        raise
    except Exception as exc:
        raise UnreadableDocument(None, f"page {page + 1} cannot be shown ({exc.__class__.__name__})") from exc
