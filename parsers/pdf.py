"""PDF -> pages of text: pdfplumber's text layer where usable, OCR of the rendered page where not.

Decided page by page, so a PDF that mixes typed pages with scanned ones reads each the right way.
Pages are rendered with pdfium (several times faster than pdfplumber's renderer), under a lock:
pdfium is not thread-safe, while the OCR of rendered pages runs in parallel.
"""

from __future__ import annotations

import io
import threading

from PIL import Image

from parsers.documents import Document, PageText, Word
from parsers.images import add_ocr_pages
from parsers.imaging import SCAN, prepare_page
from parsers.ocr import ocr_pages

MIN_TEXT_CHARS = 20
# A page mostly covered by an image, with only a line or two of text (a fax server's header,
# a scanner's stamp), is a scan: its text layer would hide the prescription in the picture.
SCAN_IMAGE_COVER = 0.6
SCAN_MAX_HEADER_CHARS = 200

_PDFIUM_LOCK = threading.Lock()


def usable_text(text: str, image_cover: float) -> bool:
    stripped = text.strip()
    if len(stripped) < MIN_TEXT_CHARS:
        return False
    if stripped.count("(cid:") * 6 > len(stripped) / 4:  # glyphs without a Unicode map: unreadable
        return False
    return not (image_cover >= SCAN_IMAGE_COVER and len(stripped) < SCAN_MAX_HEADER_CHARS)


def _image_cover(page) -> float:
    area = float(page.width * page.height) or 1.0
    covered = 0.0
    for im in page.images:
        w = max(0.0, min(im["x1"], page.width) - max(im["x0"], 0))
        h = max(0.0, min(im["bottom"], page.height) - max(im["top"], 0))
        covered += w * h
    return min(1.0, covered / area)


def text_page(text: str) -> PageText:
    words = [Word(text=w, line=n) for n, line in enumerate(text.splitlines()) for w in line.split()]
    return PageText(text=text, source="text_layer", words=words)


def open_reason(exc: Exception) -> str:
    """A staff-readable reason why pdfplumber/pdfminer refused the file."""
    names = {type(exc).__name__, type(exc.__cause__).__name__ if exc.__cause__ else ""}
    names |= {type(a).__name__ for a in getattr(exc, "args", ()) if isinstance(a, Exception)}
    if any("Password" in n or "Encrypt" in n for n in names) or "password" in str(exc).lower():
        return "password-protected PDF"
    return f"not a readable PDF, corrupt or truncated ({type(exc).__name__})"


def read_pdf(doc: Document, max_pages: int = 30, dpi: int = 300, ocr_timeout: float = 60.0,
             max_pixels: int = 60_000_000, workers: int = 1, reread_below: float = 60.0,
             reread_max: int = 40, second_below: float = 0.0) -> None:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(doc.data))
        page_count = len(pdf.pages)
    except Exception as exc:
        doc.error = open_reason(exc)
        return
    with pdf:
        doc.page_count = page_count
        if page_count == 0:
            doc.error = "PDF with no pages"
            return
        if page_count > max_pages:
            doc.partial = f"{page_count} pages, only the first {max_pages} were read"
        slots: list[PageText | int] = []
        for n, page in enumerate(pdf.pages[:max_pages]):
            try:
                text = page.extract_text() or ""
                cover = _image_cover(page)
            except Exception:  # a broken content stream: the rendered page may still be readable
                text, cover = "", 1.0
            slots.append(text_page(text) if usable_text(text, cover) else n)
    to_ocr = [s for s in slots if isinstance(s, int)]
    if to_ocr:
        pdfium_doc = _open_pdfium(doc.data)
        if pdfium_doc is None:
            doc.error = "not a readable PDF, its pages cannot be rendered"
            return
        try:
            results = ocr_pages([_loader(pdfium_doc, n, dpi, max_pixels) for n in to_ocr], workers=workers,
                                timeout=ocr_timeout, reread_below=reread_below, reread_max=reread_max,
                                second_below=second_below)
        finally:
            with _PDFIUM_LOCK:
                pdfium_doc.close()
        by_page = dict(zip(to_ocr, results))
        slots = [by_page[s] if isinstance(s, int) else s for s in slots]
    add_ocr_pages(doc, slots)


def _open_pdfium(data: bytes):
    import pypdfium2 as pdfium

    try:
        with _PDFIUM_LOCK:
            return pdfium.PdfDocument(data)
    except Exception:
        return None


def _loader(pdfium_doc, index: int, dpi: int, max_pixels: int):
    def load() -> Image.Image:
        with _PDFIUM_LOCK:
            page = pdfium_doc[index]
            w, h = page.get_size()  # points
            scale = dpi / 72
            if w * h * scale * scale > max_pixels:  # a poster-sized page: render it smaller, never a bomb
                scale = (max_pixels / max(w * h, 1.0)) ** 0.5
            image = page.render(scale=scale, grayscale=True).to_pil()
            page.close()
        return prepare_page(image, SCAN)
    return load
