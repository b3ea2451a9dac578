"""A second OCR reader for pages tesseract reads poorly: handwriting and hand-lettered forms.

Tesseract's standard English model reads typed text well and handwriting badly (filled-in forms
and prescription pads come out as debris at confidence 0-40). RapidOCR (PP-OCRv4 detection and
recognition models, run by onnxruntime, shipped in its wheel) reads such writing far better, but
it too misreads, with high confidence, now and then. So its reading is only ever a second
opinion: it reads each page twice (two sizes), and `parsers.second_opinion` takes from it only
values both readings agree on and a check confirms, and only where tesseract left a field empty.

It runs only where it may help: the OCR step keeps a reduced copy of each page tesseract read
poorly (`keep_for_second_reader`), and the pipeline asks for a `second_look` only when the fields
read from tesseract's text leave gaps. One thin wrapper around the engine: it is loaded once per
process, on the first page that needs it, and runs one page at a time with one thread.
"""

from __future__ import annotations

import logging
import threading

from PIL import Image

from parsers.documents import PageText, Word

log = logging.getLogger(__name__)

_engine = None
_engine_failed = False
_lock = threading.Lock()
_run_lock = threading.Lock()


class HandReaderError(Exception):
    """The second reader could not run (not installed, or failed on a page); tesseract's reading stands."""


def _get_engine():
    global _engine, _engine_failed
    with _lock:
        if _engine is None and not _engine_failed:
            try:
                from rapidocr_onnxruntime import RapidOCR

                _engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
            except Exception as exc:  # missing package or model: say so once, keep tesseract's reading
                _engine_failed = True
                log.warning("second OCR reader unavailable: %s", type(exc).__name__)
        if _engine is None:
            raise HandReaderError("the second OCR reader is not available")
        return _engine


KEEP_SIDE = 2000  # the longer side of a page image kept for the second reader (the engine reads no larger)
SMALL_SIDE = 1500  # the same for its second, smaller reading


def read_page(image: Image.Image) -> PageText:
    """The page as the second reader sees it, as a `PageText` shaped like tesseract's.

    Its text boxes are joined into lines (boxes side by side on one row form a line, left to
    right) so the field parsers see a layout like tesseract's; each word carries its box's
    confidence (0-100) and a box cut from the text box in proportion to its characters.
    """
    import numpy as np

    engine = _get_engine()
    rgb = image.convert("RGB") if image.mode != "RGB" else image
    try:
        with _run_lock:  # one page at a time per process: the engine's thread-safety is not documented
            result, _ = engine(np.asarray(rgb), use_cls=False)  # pages arrive upright: no line-angle model
    except Exception as exc:
        raise HandReaderError(f"second OCR reader failed ({type(exc).__name__})") from exc
    return page_from_boxes([(box, text, float(score)) for box, text, score in (result or [])])


def page_from_boxes(results: list[tuple[list, str, float]]) -> PageText:
    """Text boxes (four corner points, text, score 0-1) -> lines of words in reading order."""
    boxes = []
    for corners, text, score in results:
        xs = [p[0] for p in corners]
        ys = [p[1] for p in corners]
        if text.strip():
            boxes.append((min(xs), min(ys), max(xs), max(ys), text, score))
    boxes.sort(key=lambda b: (b[1] + b[3]) / 2)
    rows: list[dict] = []
    for b in boxes:
        middle, height = (b[1] + b[3]) / 2, b[3] - b[1]
        if rows and abs(middle - rows[-1]["middle"]) < 0.5 * min(height, rows[-1]["height"]):
            rows[-1]["boxes"].append(b)
        else:
            rows.append({"middle": middle, "height": height, "boxes": [b]})
    words: list[Word] = []
    lines: list[str] = []
    for n, row in enumerate(rows):
        parts = []
        for x0, y0, x1, y1, text, score in sorted(row["boxes"]):
            pos = 0
            for token in text.split():
                at = text.find(token, pos)
                pos = at + len(token)
                left = x0 + (x1 - x0) * at / len(text)
                right = x0 + (x1 - x0) * pos / len(text)
                words.append(Word(text=token, conf=round(score * 100, 1), line=n, left=int(left), top=int(y0),
                                  width=max(1, int(right - left)), height=max(1, int(y1 - y0))))
                parts.append(token)
        lines.append(" ".join(parts))
    return PageText(text="\n".join(lines), source="ocr", words=words)


def keep_for_second_reader(image: Image.Image, page: PageText, below: float) -> None:
    """Keep a reduced copy of the page image when tesseract read it at a mean confidence under
    `below` (0: never), so that `second_look` can read it should its fields come out with gaps.

    Reduced to `KEEP_SIDE` (the engine reads no larger) so that a long fax costs little memory.
    """
    mean = page.mean_conf
    if below <= 0 or mean is None or mean >= below:
        return
    kept = image.convert("L") if image.mode not in ("L", "RGB") else image.copy()
    kept.thumbnail((KEEP_SIDE, KEEP_SIDE))
    page.image, page.image_scale = kept, image.width / kept.width


def second_look(pages: list[PageText]) -> bool:
    """Read every kept page image with the second reader, at two sizes; True when any was read.

    The images are dropped afterwards. A failure leaves the page as tesseract read it.
    """
    read = False
    for page in pages:
        image, page.image = page.image, None
        if image is None or page.second:
            continue
        small = image.copy()
        small.thumbnail((SMALL_SIDE, SMALL_SIDE))
        try:
            page.second = [_scaled(read_page(image), page.image_scale),
                           _scaled(read_page(small), page.image_scale * image.width / small.width)]
            read = True
        except HandReaderError as exc:
            log.info("second OCR reading skipped: %s", exc)
    return read


def _scaled(page: PageText, factor: float) -> PageText:
    """A reading of a reduced image with its word boxes in the coordinates of the full page."""
    for w in page.words:
        w.left, w.top = int(w.left * factor), int(w.top * factor)
        w.width, w.height = max(1, int(w.width * factor)), max(1, int(w.height * factor))
    return page
