"""Documents -> text with real tesseract, PDFs and images made on the spot.

Rotation, skew, fax resolution and speckle, phone-photo perspective, mixed PDFs page by page,
multi-page TIFFs, word confidences. Pages are 200 dpi to keep the OCR quick.
"""

from __future__ import annotations

import io
import random
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from parsers import imaging
from parsers.documents import Document
from parsers.images import is_decoration, read_image
from parsers.ocr import ocr_image
from parsers.pdf import read_pdf
from rxintake.commands.bench import page_image

DPI = 200


@pytest.fixture(scope="module")
def page() -> Image.Image:
    return page_image(dpi=DPI)


def tiff(frames: list[Image.Image], dpi=(DPI, DPI), compression="tiff_lzw") -> bytes:
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:], dpi=dpi, compression=compression)
    return buf.getvalue()


def assert_reads_prescription(text: str, slips: bool = False) -> None:
    """The name, code and NPI read; with `slips`, the usual S/5 and ./, confusions of a fax allowed."""
    assert "Olivia Harris" in text
    assert re.search(r"M[5S]4[.,] ?50" if slips else r"M54\.50", text), text
    assert "1234567893" in text


@pytest.mark.slow
@pytest.mark.parametrize("angle", [0, 90, 180, 270])
def test_rotated_pages_are_read_upright(page, angle):
    img = page.rotate(angle, expand=True)
    result = ocr_image(imaging.prepare_page(img, imaging.SCAN))
    assert_reads_prescription(result.text)
    assert result.rotation == (360 - angle) % 360
    assert result.mean_conf > 80


def test_skew_is_measured_and_removed(page):
    gray = np.asarray(page.rotate(2.5, expand=False, fillcolor=255))
    angle = imaging.estimate_skew(gray)
    assert angle == pytest.approx(-2.5, abs=0.3)
    assert abs(imaging.estimate_skew(imaging.deskew(gray))) <= 0.3


def fax(page: Image.Image, standard: bool) -> bytes:
    """The page as a fax machine sends it: bilevel, 204 dpi across, 196 (fine) or 98 (standard) down."""
    w, h = int(8.5 * 204), int(11 * 196)
    bw = page.resize((w, h), Image.LANCZOS).point(lambda v: 255 if v > 150 else 0).convert("1")
    if standard:
        bw = bw.resize((w, h // 2), Image.NEAREST)
    rng = random.Random(7)
    draw = ImageDraw.Draw(bw)
    for _ in range(4000):  # speckle
        x, y = rng.randrange(bw.width), rng.randrange(bw.height)
        draw.point((x, y), fill=0)
    return tiff([bw], dpi=(204, 98 if standard else 196), compression="group4")


@pytest.mark.slow
@pytest.mark.parametrize("standard", [False, True], ids=["fine_204x196", "standard_204x98"])
def test_fax_tiff(page, standard):
    data = fax(page, standard)
    img = Image.open(io.BytesIO(data))
    assert imaging.image_kind(img) == imaging.FAX
    gray = imaging.fax_to_gray(img)
    assert gray.shape[0] / gray.shape[1] == pytest.approx(11 / 8.5 * 196 / 204, rel=0.02)  # square pixels
    doc = Document("fax.tif", "image/tiff", data)
    read_image(doc)
    assert doc.error is None and doc.text_source == "ocr"
    assert_reads_prescription(doc.text, slips=standard)


def photo(page: Image.Image) -> tuple[bytes, np.ndarray]:
    """The page photographed on a dark table: perspective, a shadow across it, JPEG."""
    import cv2

    src = np.asarray(page.convert("L"))
    h, w = src.shape
    W, H = 1800, 2300
    corners = np.array([[260, 180], [1560, 240], [1640, 2080], [140, 2010]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32), corners)
    table = np.full((H, W), 60, np.uint8)
    warped = cv2.warpPerspective(src, m, (W, H), borderValue=0)
    mask = cv2.warpPerspective(np.full_like(src, 255), m, (W, H))
    out = np.where(mask > 0, warped, table).astype(np.float32)
    out *= np.linspace(1.0, 0.65, W)[None, :]  # light falling off across the sheet
    rgb = Image.fromarray(out.clip(0, 255).astype(np.uint8)).convert("RGB").filter(ImageFilter.GaussianBlur(0.6))
    buf = io.BytesIO()
    rgb.save(buf, format="JPEG", quality=85)
    return buf.getvalue(), corners


@pytest.mark.slow
def test_phone_photo_page_found_flattened_and_read(page):
    data, corners = photo(page)
    img = Image.open(io.BytesIO(data))
    assert imaging.image_kind(img) == imaging.PHOTO
    quad = imaging.find_page(np.asarray(img.convert("L")))
    assert quad is not None
    found = imaging._order(quad)
    assert np.abs(found - corners).max() < 25
    doc = Document("IMG_0001.JPG", "image/jpeg", data)
    read_image(doc)
    assert_reads_prescription(doc.text)


def pdf_with_pages(*pages) -> bytes:
    """A PDF whose pages are typed text (str) or a scanned image (PIL image) with no text layer."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    for p in pages:
        if isinstance(p, str):
            for n, line in enumerate(p.splitlines()):
                c.drawString(72, 720 - 16 * n, line)
        else:
            c.drawImage(ImageReader(p), 0, 0, width=letter[0], height=letter[1])
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.slow
def test_mixed_pdf_is_read_page_by_page_with_word_confidences(page):
    typed = "Cover letter from Riverbend Internal Medicine\nPlease find the referral for our patient enclosed."
    doc = Document("mixed.pdf", "application/pdf", pdf_with_pages(typed, page, "   "))
    read_pdf(doc, workers=2)
    assert doc.error is None and doc.page_count == 3
    assert [p.source for p in doc.pages] == ["text_layer", "ocr", "ocr"]
    assert doc.text_source == "ocr"
    assert "Cover letter" in doc.pages[0].text and doc.pages[0].words[0].conf is None
    assert_reads_prescription(doc.pages[1].text)
    words = doc.pages[1].words
    assert all(w.conf is not None and 0 <= w.conf <= 100 for w in words)
    assert len({w.line for w in words}) >= 10  # lines kept for the field parser
    npi = next(w for w in words if w.text == "1234567893")
    assert npi.conf > 50
    assert doc.pages[2].text.strip() == ""


def test_text_pdf_reports_text_layer():
    doc = Document("rx.pdf", "application/pdf", pdf_with_pages("Referral to massage therapy\nDx: M54.2 Cervicalgia"))
    read_pdf(doc)
    assert doc.text_source == "text_layer" and "M54.2" in doc.text
    assert [w.line for w in doc.pages[0].words][-1] == 1


@pytest.mark.slow
def test_multipage_tiff_every_page_read_in_parallel():
    frames = [page_image(dpi=DPI, variant=n) for n in (1, 2)]
    doc = Document("scan.tif", "image/tiff", tiff(frames))
    read_image(doc, workers=2)
    assert doc.page_count == 2 and len(doc.pages) == 2
    assert doc.pages[0].text.count("1 ") >= 10 and doc.pages[1].text.count("2 ") >= 10


def test_tesseract_slips_are_kept_raw(page):
    """`S13.4XXA` may come back as `$13.4XXA`: the text keeps what tesseract read for the field parser."""
    result = ocr_image(imaging.prepare_page(page, imaging.SCAN))
    assert any(w.text.endswith("13.4XXA") for w in result.words)


def test_logos_are_decorations_and_pages_are_not():
    def png(size):
        buf = io.BytesIO()
        Image.new("RGB", size, "white").save(buf, format="PNG")
        return buf.getvalue()

    assert is_decoration(png((213, 80)))
    assert not is_decoration(png((1200, 1600)))
    assert not is_decoration(b"not an image")


def test_blank_page_gives_no_text():
    doc = Document("blank.png", "image/png", _png(Image.new("L", (1700, 2200), 255)))
    read_image(doc)
    assert doc.error is None and doc.text_source == "none"


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
