"""Image files (PNG, JPEG, multi-page fax TIFF, GIF, BMP, WebP) -> pages of OCR text."""

from __future__ import annotations

import io
import warnings
from contextlib import contextmanager

from PIL import Image, ImageOps

from parsers.documents import Document
from parsers.imaging import image_kind, prepare_page
from parsers.ocr import OcrError, ocr_pages

# An image this small is a logo, an icon or a signature snippet, never a prescription page.
MIN_PAGE_SIDE = 300


class ImageLimitError(Exception):
    pass


@contextmanager
def pixel_limit(max_pixels: int):
    """Refuse decompression bombs before decoding: Pillow's own check, and ours on every frame.

    Pillow's limit is process-wide; it is set (never restored) to the configured value, so that
    pages read in parallel threads all see the same one. Pillow raises over twice the limit and
    only warns over it: `check_size` makes the limit itself the refusal, without touching the
    (not thread-safe) warning filters.
    """
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        yield
    except Image.DecompressionBombError as exc:
        raise ImageLimitError(f"image over the limit of {max_pixels} pixels") from exc


def check_size(img: Image.Image, max_pixels: int) -> None:
    if img.width * img.height > max_pixels:
        raise ImageLimitError(f"{img.width}x{img.height} pixels, over the limit of {max_pixels}")


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    with pixel_limit(max_pixels), warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # check_size decides
        img = Image.open(io.BytesIO(data))
        check_size(img, max_pixels)
        return img


def is_decoration(data: bytes, max_pixels: int = 60_000_000) -> bool:
    """A logo, icon or signature image: too small to hold a page of text."""
    try:
        img = open_image(data, max_pixels)
    except Exception:
        return False
    return min(img.size) < MIN_PAGE_SIDE and getattr(img, "n_frames", 1) == 1


def read_image(doc: Document, max_pages: int = 30, max_pixels: int = 60_000_000, ocr_timeout: float = 60.0,
               workers: int = 1, reread_below: float = 60.0, reread_max: int = 40,
               second_below: float = 0.0) -> None:
    """OCR every frame (up to `max_pages`); over the limit, the first pages are read and `partial` says so."""
    try:
        img = open_image(doc.data, max_pixels)
        frames = getattr(img, "n_frames", 1)
    except ImageLimitError as exc:
        doc.error = str(exc)
        return
    except Exception as exc:
        doc.error = f"not a readable image ({type(exc).__name__})"
        return
    doc.page_count = frames
    if frames > max_pages:
        doc.partial = f"{frames} pages, only the first {max_pages} were read"

    def loader(i: int):
        def load() -> Image.Image:
            with pixel_limit(max_pixels):
                frame = Image.open(io.BytesIO(doc.data))
                frame.seek(i)
                check_size(frame, max_pixels)  # each frame of a TIFF has its own size
                frame.load()
                kind = image_kind(frame)
                if frame.format == "JPEG":  # phones store "rotate me" in EXIF instead of turning the pixels
                    frame = ImageOps.exif_transpose(frame)
            return prepare_page(frame, kind)
        return load

    try:
        pages = ocr_pages([loader(i) for i in range(min(frames, max_pages))], workers=workers, timeout=ocr_timeout,
                          reread_below=reread_below, reread_max=reread_max,
                          second_below=second_below)
    except ImageLimitError as exc:
        doc.error = str(exc)
        return
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # truncated or corrupt image data
        doc.error = f"not a readable image ({type(exc).__name__})"
        return
    add_ocr_pages(doc, pages)


def add_ocr_pages(doc: Document, pages: list) -> None:
    """Pages read go into `doc.pages`; a failed page makes the document partial, all failed unreadable."""
    failed = [f"page {n}: {p}" for n, p in enumerate(pages, 1) if isinstance(p, OcrError)]
    doc.pages.extend(p for p in pages if not isinstance(p, OcrError))
    if failed and len(failed) == len(pages):
        doc.error = "; ".join(failed)
    elif failed:
        doc.partial = "; ".join(([doc.partial] if doc.partial else []) + failed)
