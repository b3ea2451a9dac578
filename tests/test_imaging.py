"""Page clean-up steps that exist to save time: they must leave a clean page as it is and still
find what they look for."""

import cv2
import numpy as np
import pytest
from PIL import Image

from parsers import imaging
from rxintake.commands.bench import page_image


@pytest.fixture(scope="module")
def level_page() -> np.ndarray:
    return np.asarray(page_image(dpi=200))


def test_level_page_is_not_resampled(level_page):
    assert abs(imaging.estimate_skew(level_page)) < imaging.MIN_SKEW_DEG
    assert imaging.deskew(level_page) is level_page


def test_skewed_page_is_still_turned(level_page):
    gray = np.asarray(Image.fromarray(level_page).rotate(1.0, fillcolor=255))
    out = imaging.deskew(gray)
    assert out is not gray
    assert abs(imaging.estimate_skew(out)) < imaging.MIN_SKEW_DEG


def test_clean_page_reaches_tesseract_with_its_own_pixels(level_page):
    """A level, ruled-line-free 300-dpi grey page is handed on unchanged, as bare tesseract would read it."""
    img = Image.fromarray(level_page)
    img.format = "PNG"
    out = imaging.prepare_page(img)
    assert out.info["rotation"] == 0
    assert np.array_equal(np.asarray(out), level_page)


def test_shrink_averages_like_inter_area(level_page):
    scale = 600 / level_page.shape[1]
    ours = imaging.shrink(level_page, scale)
    direct = cv2.resize(level_page, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    assert abs(ours.shape[0] - direct.shape[0]) <= 1 and abs(ours.shape[1] - direct.shape[1]) <= 1
    h, w = min(ours.shape[0], direct.shape[0]), min(ours.shape[1], direct.shape[1])
    assert np.abs(ours[:h, :w].astype(int) - direct[:h, :w].astype(int)).mean() < 3
    assert imaging.shrink(level_page, 1.0) is level_page


def test_sideways_check_on_the_shrunk_mask(level_page):
    assert not imaging.lines_vertical(level_page)
    assert imaging.lines_vertical(np.ascontiguousarray(np.rot90(level_page)))
