"""Image -> `PageText` with word confidences, through one tesseract run per page."""

from __future__ import annotations

import os

from PIL import Image

from parsers.documents import PageText, Word

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def ocr_image(image: Image.Image, timeout: float = 60.0, psm: int = 3) -> PageText:
    import pytesseract

    data = pytesseract.image_to_data(
        image, config=f"--psm {psm}", output_type=pytesseract.Output.DICT, timeout=timeout
    )
    words: list[Word] = []
    lines: list[list[str]] = []
    last_key = None
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if not text:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if key != last_key:
            lines.append([])
            last_key = key
        lines[-1].append(text)
        words.append(Word(text=text, conf=float(data["conf"][i]), line=len(lines) - 1))
    return PageText(text="\n".join(" ".join(line) for line in lines), source="ocr", words=words)
