"""Image -> `PageText` with word confidences: one tesseract run per upright page.

Orientation is handled without tesseract's OSD, which costs as much CPU as reading the page
(measured: `--psm 1` +50% over `--psm 3`): sideways pages are turned by `imaging.lines_vertical`
before OCR, and a page read upside down shows itself by its word confidences (upright dev pages
read at a mean of 73-90, the same pages upside down at 33-39), so only such a page is read a
second time, turned 180 degrees. Pages of a multi-page scan are read in parallel, each tesseract
process limited to one thread: with its default OpenMP threads tesseract runs several times
slower when the cores are busy.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

from parsers.documents import PageText, Word
from parsers.handreader import keep_for_second_reader
from parsers.reread import reread_weak_words

os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by every tesseract process started from here

# Tesseract's own default layout analysis; no OSD (see above).
TESSERACT_CONFIG = "--psm 3"
UPSIDE_DOWN_CONF = 55.0  # mean word confidence under which a page is tried turned 180 degrees
MIN_WORDS_TO_JUDGE = 10


class OcrError(Exception):
    """Tesseract failed or ran out of time on a page; the reason is meant for staff."""


def ocr_image(image: Image.Image, timeout: float = 60.0, config: str = TESSERACT_CONFIG,
              reread_below: float = 60.0, reread_max: int = 40, second_below: float = 0.0) -> PageText:
    """Read one prepared page image. Raises `OcrError` on a timeout or a tesseract failure.

    Up to `reread_max` words read under `reread_below` get a second look (`parsers.reread`); a page
    read at a mean confidence under `second_below` keeps a copy of its image for the second reader
    (`parsers.handreader`).
    """
    turned = int(image.info.get("rotation", 0))
    page = _read(image, timeout, config)
    if _looks_upside_down(page):
        flipped_image = image.rotate(180)
        flipped = _read(flipped_image, timeout, config)
        if (flipped.mean_conf or 0) > (page.mean_conf or 0):
            page, turned, image = flipped, turned + 180, flipped_image
    page.rotation = turned % 360
    if reread_max > 0:
        reread_weak_words(image, page, reread_below, reread_max, timeout)
    keep_for_second_reader(image, page, second_below)
    return page


def _looks_upside_down(page: PageText) -> bool:
    scored = [w for w in page.words if w.conf is not None and w.conf >= 0]
    return len(scored) >= MIN_WORDS_TO_JUDGE and (page.mean_conf or 0) < UPSIDE_DOWN_CONF


def _read(image: Image.Image, timeout: float, config: str) -> PageText:
    import pytesseract

    image = image if image.mode in ("L", "RGB", "1") else image.convert("L")
    # Handed over as uncompressed TIFF: PNG encoding costs ~0.1 s a page, and leptonica reads a
    # PGM/PPM byte by byte (~0.1 s more tesseract CPU on a 300-dpi page than the same pixels as TIFF).
    image.format = "TIFF"
    try:
        data = pytesseract.image_to_data(image, config=config, output_type=pytesseract.Output.DICT,
                                         timeout=timeout or 0)
    except RuntimeError as exc:  # pytesseract's timeout
        raise OcrError(f"OCR took longer than {timeout:g} s") from exc
    except pytesseract.TesseractError as exc:
        raise OcrError(f"tesseract failed ({exc.status})") from exc
    return page_from_data(data)


def page_from_data(data: dict) -> PageText:
    """Words in reading order, grouped into lines as tesseract found them."""
    words: list[Word] = []
    lines: list[list[str]] = []
    last_key = None
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if not text:
            continue
        key = (data["page_num"][i], data["block_num"][i], data["par_num"][i], data["line_num"][i])
        if key != last_key:
            lines.append([])
            last_key = key
        lines[-1].append(text)
        box = {k: int(data[k][i]) if k in data else 0 for k in ("left", "top", "width", "height")}
        words.append(Word(text=text, conf=float(data["conf"][i]), line=len(lines) - 1, **box))
    return PageText(text="\n".join(" ".join(line) for line in lines), source="ocr", words=words)


def ocr_pages(
    loaders: Sequence[Callable[[], Image.Image]], workers: int = 1, timeout: float = 60.0,
    reread_below: float = 60.0, reread_max: int = 40, second_below: float = 0.0,
) -> list[PageText | OcrError]:
    """Each page loaded, cleaned up and read; pages run in parallel over `workers` threads.

    Threads suffice: tesseract is its own process and the clean-up runs in OpenCV/numpy, which
    release the GIL. A page that fails comes back as its `OcrError`, the others still read.
    """

    def one(loader: Callable[[], Image.Image]) -> PageText | OcrError:
        try:
            return ocr_image(loader(), timeout=timeout, reread_below=reread_below, reread_max=reread_max,
                             second_below=second_below)
        except OcrError as exc:
            return exc
        except Exception as exc:  # a page that cannot be decoded or rendered: the others still count
            limit = type(exc).__name__ == "ImageLimitError"
            return OcrError(str(exc) if limit else f"could not be decoded ({type(exc).__name__})")

    if workers <= 1 or len(loaders) <= 1:
        return [one(loader) for loader in loaders]
    with ThreadPoolExecutor(max_workers=min(workers, len(loaders))) as pool:
        return list(pool.map(one, loaders))
