"""A second look at words the page read left under the confidence threshold.

Why: on forms, a small index mark printed before a value ("¹R51.9", "²G44.209") is read glued to
it as a quote (`"R519` at 16, `‘G44.209` at 33), and the whole value falls under the threshold.
Each weak word is cropped out of the page image (a margin of a third of its height), the small
marks that sit wholly above the middle of its letters are whitened, and the crop is read again as
one line (`--psm 7`): dev057 then reads `R51.9` at 91 and `G44.209` at 79. A re-read replaces the
word only when it is one word, more confident than the first reading and itself over the threshold;
otherwise the first reading stands (and stays gated). All crops of a page go to one tesseract
process through a list file, so a page costs one extra process start however many words it has.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import tempfile
from collections.abc import Sequence

import numpy as np
from PIL import Image

from parsers.documents import PageText, Word

_ALNUM = re.compile(r"[0-9A-Za-z]")
MARGIN = 0.3  # of the word's height, around its box
PAD = 10  # white pixels around the crop: tesseract misreads letters that touch the edge


def weak_words(words: Sequence[Word], below: float, limit: int) -> list[int]:
    """Indexes of the words worth a second look: under `below`, with a box, 3+ letters or digits
    (`agrees` asks no less). Words with a digit (codes, dates, NPIs) first, then the surest: over the
    limit, the words read at 0 (mostly debris of handwriting) are the ones left out."""
    picked = [
        i for i, w in enumerate(words)
        if w.conf is not None and 0 <= w.conf < below and w.width > 0 and w.height > 0
        and len(skeleton(w.text)) >= 3
    ]
    picked.sort(key=lambda i: (not any(c.isdigit() for c in words[i].text), -(words[i].conf or 0)))
    return picked[:max(limit, 0)]


def crop_word(image: Image.Image, word: Word) -> list[Image.Image]:
    """The word with a margin, its raised marks whitened, twice its size on white padding: as grey,
    as black on white and with a touching mark cut off (each reads some words the others miss)."""
    import cv2

    m = int(word.height * MARGIN) + 4
    box = (max(0, word.left - m), max(0, word.top - m),
           min(image.width, word.left + word.width + m), min(image.height, word.top + word.height + m))
    gray = np.asarray(image.crop(box).convert("L"))
    out = []
    for variant in drop_raised_marks(gray):
        big = cv2.resize(variant, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC) if variant.size else variant
        padded = np.full((big.shape[0] + 2 * PAD, big.shape[1] + 2 * PAD), 255, dtype=np.uint8)
        padded[PAD:PAD + big.shape[0], PAD:PAD + big.shape[1]] = big
        out.append(Image.fromarray(padded))
    return out


def drop_raised_marks(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(grey, black on white, black cut) with the raised marks whitened: ink blobs under 60% of the
    tallest letter's height lying wholly above the middle of the letters (superscript index numbers,
    quote-like specks). A period or a comma sits low and a hyphen in the middle, so they stay. Blobs
    are found on a lenient threshold (halfway from Otsu's to white): index marks are often printed
    grey. An index mark that touches its code's first letter (`²M79.605`) is no blob of its own: the
    third image also whitens the leading columns whose ink lies wholly above the middle. That cuts
    the left arm of a `T` too; the reading must still agree with the first one (`agrees`)."""
    import cv2

    if gray.size == 0:
        return gray, gray, gray
    otsu, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    faint = (gray < (otsu + 255) / 2).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(faint, connectivity=8)
    black = np.where(ink > 0, 0, 255).astype(np.uint8)
    if n <= 1:
        return gray, black, black
    tops, heights = stats[1:, cv2.CC_STAT_TOP], stats[1:, cv2.CC_STAT_HEIGHT]
    tall = heights >= 0.6 * heights.max()
    band_top, band_bottom = tops[tall].min(), (tops + heights)[tall].max()
    middle = band_top + 0.5 * (band_bottom - band_top)
    raised = np.isin(labels, [i + 1 for i in range(n - 1) if not tall[i] and tops[i] + heights[i] <= middle])
    gray = gray.copy()
    gray[raised] = 255
    black[raised] = 255
    low_ink = (black[int(middle):band_bottom] == 0).any(axis=0)
    cut = black.copy()
    if low_ink.any():
        cut[:, :int(np.argmax(low_ink))] = 255
    return gray, black, cut


# Characters OCR confuses, mapped to one of each group, so that two readings can be compared.
_LOOK_ALIKE = str.maketrans("oODQlIi|!sSGbBzZgq", "000011111556882299")


def skeleton(text: str, look_alikes: bool = True) -> str:
    """Letters and digits only, case folded; with `look_alikes`, look-alike characters merged."""
    text = text.translate(_LOOK_ALIKE).lower() if look_alikes else text.lower()
    return "".join(c for c in text if c.isalnum())


def agrees(first: str, second: str) -> bool:
    """The second reading says the same as the first but for punctuation (`"R519` / `R51.9`) and, in
    a word with a digit (a code, a date, an NPI: shapes the field parsers check), look-alike
    characters (`‘644309` / `G44309`). A different digit (`1943` / `1949`) is no agreement; neither
    is a letter swapped in a plain word (`HealthPlan` / `HealthPian`), nor a word of under three
    letters and digits (a ticked box `[X]` stays as the first reading had it)."""
    look_alikes = any(c.isdigit() for c in first + second)
    a, b = skeleton(first, look_alikes), skeleton(second, look_alikes)
    return len(b) >= 3 and a == b


def read_crops(crops: Sequence[Image.Image], timeout: float) -> list[list[tuple[str, float]]]:
    """Each crop read as one line by a single tesseract process: (word, confidence) per crop."""
    import pytesseract

    results: list[list[tuple[str, float]]] = [[] for _ in crops]
    with tempfile.TemporaryDirectory(prefix="rxintake-reread-") as tmp:
        paths = []
        for n, crop in enumerate(crops):
            path = os.path.join(tmp, f"{n}.tif")  # uncompressed; leptonica reads a PGM byte by byte
            crop.save(path)
            paths.append(path)
        listing = os.path.join(tmp, "crops.txt")
        with open(listing, "w") as fh:
            fh.write("\n".join(paths) + "\n")
        cmd = [pytesseract.pytesseract.tesseract_cmd, listing, "stdout", "--psm", "7", "tsv"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout or None, check=True).stdout
    for row in csv.DictReader(out.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") == "5" and text:
            page = int(row["page_num"]) - 1
            if 0 <= page < len(results):
                results[page].append((text, float(row["conf"])))
    return results


def reread_weak_words(image: Image.Image, page: PageText, below: float, limit: int, timeout: float = 30.0) -> int:
    """Replace weak words of `page` (read from `image`) by a surer second reading; rebuild its text.

    The grey crops are read first; the words with a digit that found no agreeing reading there get
    their black-on-white crop read, then the one with a touching mark cut off (smaller batches). Returns how many words were
    replaced. A re-read that fails or runs out of time changes nothing.
    """
    pending = weak_words(page.words, below, limit)
    crops = {i: crop_word(image, page.words[i]) for i in pending}
    replaced = 0
    for variant in (0, 1, 2):
        if not pending:
            break
        try:
            readings = read_crops([crops[i][variant] for i in pending], timeout)
        except (OSError, subprocess.SubprocessError, ValueError):
            break
        left = []
        for i, reading in zip(pending, readings):
            word = page.words[i]
            tokens = [(t, c) for t, c in reading if _ALNUM.search(t)]  # a box edge read as '|' is no word
            text, conf = tokens[0] if len(tokens) == 1 else ("", 0.0)
            if agrees(word.text, text) and conf >= below and conf > (word.conf or 0):
                word.text, word.conf = text, conf
                replaced += 1
            elif any(c.isdigit() for c in word.text):
                left.append(i)
        pending = left
    if replaced:
        page.text = text_of(page.words)
    return replaced


def text_of(words: Sequence[Word]) -> str:
    """The page text as `ocr.page_from_data` joins it: the words of a line by spaces, lines by newlines."""
    lines: dict[int, list[str]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w.text)
    return "\n".join(" ".join(lines[k]) for k in sorted(lines))
