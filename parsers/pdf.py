"""PDF -> pages of text: pdfplumber's text layer where usable, OCR of the rendered page where not."""

from __future__ import annotations

import io

from parsers.documents import Document, PageText, Word
from parsers.ocr import ocr_image

MIN_TEXT_CHARS = 20


def read_pdf(doc: Document, max_pages: int = 30, dpi: int = 300, ocr_timeout: float = 60.0) -> None:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(doc.data))
    except Exception as exc:
        doc.error = f"not a readable PDF ({type(exc).__name__})"
        return
    with pdf:
        doc.page_count = len(pdf.pages)
        if doc.page_count > max_pages:
            doc.error = f"{doc.page_count} pages, over the limit of {max_pages}"
            return
        for page in pdf.pages:
            text = page.extract_text() or ""
            if len(text.strip()) >= MIN_TEXT_CHARS:
                words = [Word(text=w) for w in text.split()]
                doc.pages.append(PageText(text=text, source="text_layer", words=words))
            else:
                image = page.to_image(resolution=dpi).original
                doc.pages.append(ocr_image(image, timeout=ocr_timeout))
