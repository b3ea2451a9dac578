"""Second reading of weak OCR words (parsers/reread.py): real tesseract on drawn page images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from parsers.documents import PageText, Word
from parsers.ocr import ocr_image
from parsers.reread import agrees, drop_raised_marks, reread_weak_words, text_of, weak_words

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _font(size: int):
    if not FONT.exists():
        pytest.fail(f"test font missing: {FONT} (fonts-dejavu-core)")
    return ImageFont.truetype(str(FONT), size)


def _code_with_index_mark(code: str, mark: str = "2.") -> tuple[Image.Image, tuple[int, int, int, int]]:
    """A form cell as printed: a small grey index number raised before the code. Returns the image
    and the box (left, top, width, height) of mark and code together, as tesseract boxes the word."""
    img = Image.new("L", (700, 200), 255)
    draw = ImageDraw.Draw(img)
    draw.text((100, 60), mark, font=_font(18), fill=150)
    draw.text((122, 66), code, font=_font(48), fill=20)
    right, bottom = 122 + int(draw.textlength(code, font=_font(48))), 66 + 56
    return img, (100, 60, right - 100, bottom - 60)


@pytest.mark.parametrize(("first", "second", "same"), [
    ('"R519', "R51.9", True),  # a mark read as a quote, a dot lost: punctuation only
    ("‘644309", "G44309", True),  # look-alike in a word with a digit
    ("MS4.50", "M54.50", True),
    ("1943-10-29", "1949-10-29", False),  # another digit is another value
    ("HealthPlan", "HealthPian", False),  # look-alikes are not merged in plain words
    ("Patricia", "Patricia", True),
    ("[(X]", "x", False),  # too short to vouch: a ticked box keeps its first reading
    ("R51.9", "R51.9 M54.2", False),
])
def test_agreement_of_two_readings(first, second, same):
    assert agrees(first, second) is same


def test_raised_mark_whitened_period_kept():
    img, (left, top, width, height) = _code_with_index_mark("R51.9", mark="1")
    gray = np.asarray(img)[top - 5:top + height + 5, left - 5:left + width + 5]
    grey_out, black_out, _ = drop_raised_marks(gray)
    mark_cols = slice(0, 20)  # the index mark sits in the first ~15 columns of the crop
    assert (gray[:, mark_cols] < 200).any() and not (grey_out[:, mark_cols] < 200).any()
    assert not (black_out[:, mark_cols] == 0).any()
    assert (black_out == 0).sum() > 0.8 * (gray[:, 20:] < 128).sum()  # the code (with its dot) stays


def test_index_mark_touching_the_code_cut_off():
    """`²M79.605` with the 2 touching the M: one blob, so only the third image loses the mark."""
    img = Image.new("L", (400, 120), 255)
    draw = ImageDraw.Draw(img)
    draw.text((60, 30), "M79.605", font=_font(48), fill=20)
    draw.text((56, 24), "2", font=_font(20), fill=20)  # its lower right corner on the M's stem
    gray = np.asarray(img)[15:100, 40:300]
    _, black, cut = drop_raised_marks(gray)
    mark_cols = slice(17, 24)  # left of the M's stem (x=65..), where only the mark has ink
    assert (black[:, mark_cols] == 0).any() and not (cut[:, mark_cols] == 0).any()
    assert (black[:, mark_cols] == 0).sum() > 20  # the mark is one blob with the M: still there
    assert (cut[:, 25:] == black[:, 25:]).all()  # the code itself untouched


def test_weak_words_picks_digits_first_and_respects_the_limit():
    words = [Word("Smith", 10, 0, 1, 1, 10, 10), Word("G44.209", 40, 0, 1, 1, 10, 10),
             Word("Name", 95, 0, 1, 1, 10, 10), Word("ab", 5, 0, 1, 1, 10, 10), Word("R51.9", 20, 0)]
    assert weak_words(words, 60, 5) == [1, 0]  # no box, too short, already sure: skipped
    assert weak_words(words, 60, 1) == [1]
    more = words + [Word("Laura", 55, 0, 1, 1, 10, 10)]
    assert weak_words(more, 60, 3) == [1, 5, 0]  # of the plain words, the nearest the threshold first
    assert weak_words(words, 60, 0) == []


def test_reread_replaces_a_code_read_with_its_index_mark():
    img, box = _code_with_index_mark("G44.209")
    words = [Word("ICD-10", 96, 0, 100, 10, 150, 40), Word("‘G44.209", 33, 1, *box)]
    page = PageText(text=text_of(words), source="ocr", words=words)
    assert reread_weak_words(img, page, below=60, limit=10) == 1
    assert page.words[1].text == "G44.209" and page.words[1].conf >= 60
    assert page.text == "ICD-10\nG44.209"


def test_reread_never_changes_a_value_to_another():
    """The page shows 1943-10-29; a first reading of 1949 stays what it was (gated), never 'corrected'
    by a second reading that says something else."""
    img = Image.new("L", (700, 200), 255)
    ImageDraw.Draw(img).text((100, 66), "1943-10-29", font=_font(48), fill=20)
    words = [Word("1949-10-29", 50, 0, 100, 66, 300, 56)]
    page = PageText(text="1949-10-29", source="ocr", words=words)
    assert reread_weak_words(img, page, below=60, limit=10) == 0
    assert (page.words[0].text, page.words[0].conf) == ("1949-10-29", 50)


def test_whole_page_keeps_word_boxes_and_rereads_only_when_asked():
    img = Image.new("L", (1200, 400), 255)
    draw = ImageDraw.Draw(img)
    draw.text((80, 60), "Patient: Laura Ortiz", font=_font(40), fill=0)
    draw.text((80, 160), "ICD-10: M54.50", font=_font(40), fill=0)
    page = ocr_image(img, reread_max=0)
    code = next(w for w in page.words if "M54" in w.text)
    assert 60 <= code.left <= 600 and 140 <= code.top <= 200 and code.width > 50 and code.height > 20
    again = ocr_image(img, reread_max=40)
    assert again.text == page.text  # a clean page: nothing weak, nothing changed
