"""The second OCR reader for handwriting (parsers/handreader.py) and what may be taken from it
(parsers/second_opinion.py): pure checks on text, and the real engine on a handwritten fax."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from parsers import icd10
from parsers.handreader import page_from_boxes, read_page
from parsers.second_opinion import confirmed, described_codes, merge
from rxintake.models import Alert, Diagnosis, Prescriber, Prescription
from rxintake.settings import Settings
from tests.conftest import DEV


def _box(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def test_boxes_on_one_row_become_one_line_left_to_right():
    page = page_from_boxes([
        (_box(600, 102, 900, 140), "5/20/1958", 0.91),
        (_box(100, 100, 400, 138), "PATIENT NAME", 0.99),
        (_box(100, 200, 300, 238), "M54.17 Radiculopathy", 0.88),
    ])
    assert page.text.split("\n") == ["PATIENT NAME 5/20/1958", "M54.17 Radiculopathy"]
    assert [w.conf for w in page.words] == [99.0, 99.0, 91.0, 88.0, 88.0]
    assert page.words[2].line == 0 and page.words[3].line == 1
    name, dob = page.words[0], page.words[2]
    assert name.left == 100 and dob.left == 600 and 0 < name.width < 300


@pytest.mark.parametrize(("line", "codes"), [
    ("N54.4l Lombago with Sciatica", ["M54.41"]),  # N for M, l for 1; the description echoed with slips
    ("'M54.17 Radiculopathy, Iumbosacral ow", ["M54.17"]),
    ("Dx: Mescle spasn, M67.838", []),  # a code that exists, but the words beside it describe another
    ("M75.42", []),  # nothing beside it to confirm the reading
    ("M54.5 Low back pain", []),  # a category: from handwriting, likelier a code cut short than one written so
    ("Inpingerent, L sheulder, M75.47", []),  # no such code, and no look-alike reading of it exists
    ("Cervicalgia M54.2 and Cervicalgia again M54.2", ["M54.2"]),
])
def test_codes_are_taken_only_when_their_description_is_written_beside_them(line, codes):
    assert described_codes(line, icd10.lookup) == codes


def test_a_reading_two_codes_could_pass_is_refused():
    # "M5O.I2" could be read several ways; only one code of them may be echoed by the words
    assert described_codes("M54.5O Low back pain, unspecified", icd10.lookup) == ["M54.50"]


def _low(field):
    return Alert(code="low_confidence", severity="error", field=field, message=f"{field} could not be read")


def test_merge_fills_only_empty_fields_and_clears_their_alerts():
    first = Prescription(visits=None, start_date=date(2026, 8, 9))
    first.patient.dob = None
    alerts = [_low("patient.dob"), _low("prescriber.npi"), _low("patient.name")]
    second = Prescription(visits=None, start_date=date(2026, 8, 10), prescriber=Prescriber(npi="1758587426"))
    second.patient.dob = date(1967, 3, 2)
    rx, kept = merge(first, alerts, second, [Diagnosis(code="M54.17", description="x")])
    assert rx.start_date == date(2026, 8, 9)  # tesseract's reading stands
    assert rx.patient.dob == date(1967, 3, 2)
    assert rx.prescriber.npi == "1758587426"
    assert [d.code for d in rx.diagnoses] == ["M54.17"]
    assert rx.visits is None
    assert [a.field for a in kept] == ["patient.name"]


def _npi(npi):
    return Prescription(prescriber=Prescriber(npi=npi))


def test_an_npi_is_taken_only_when_both_readings_read_it_with_near_certainty():
    # handwritten 2s read as 7s twice over: 1631675786 for 1631625286 passes the check digit, and
    # both readings of the page made the same slip at 0.93 and 0.91
    wrong = _npi("1631675786")
    assert confirmed((wrong, wrong), (wrong, wrong), npi_confs=(93.4, 90.7)).prescriber.npi is None
    right = _npi("1355066816")
    assert confirmed((right, right), (right, right), npi_confs=(96.0, 97.5)).prescriber.npi == "1355066816"
    assert confirmed((right, _npi(None)), (right, _npi(None)), npi_confs=(99.0, None)).prescriber.npi is None


def test_values_are_taken_only_when_both_readings_agree():
    main = Prescription(start_date=date(2026, 10, 12), visits=24)
    main.patient.dob = date(1990, 3, 4)  # one reading, sure of it (0.97), and wrong
    small = Prescription(start_date=date(2026, 10, 12), visits=74)
    out = confirmed((main, small), (main, small))
    assert out.start_date == date(2026, 10, 12)  # both readings agree
    assert out.patient.dob is None  # the other reading had none: one reading is not enough
    assert out.visits is None  # the readings disagree: 24 / 74


def test_merge_never_replaces_codes_tesseract_read():
    first = Prescription(diagnoses=[Diagnosis(code="M54.2")])
    rx, _ = merge(first, [], Prescription(), [Diagnosis(code="M54.17")])
    assert [d.code for d in rx.diagnoses] == ["M54.2"]


def _fax(case: str) -> Path:
    path = DEV / f"{case}.eml"
    if not path.exists():
        pytest.fail(f"dev corpus case missing: {path}")
    return path


def test_real_engine_reads_a_handwritten_fax_and_fills_checked_fields(monkeypatch):
    """dev053: a referral form filled in by hand and faxed; tesseract reads the writing as debris."""
    from rxintake.pipeline import extract_path

    monkeypatch.setenv("RXINTAKE_OCR_SECOND_READER_BELOW", "0")
    alone = extract_path(_fax("dev053"), Settings())
    monkeypatch.setenv("RXINTAKE_OCR_SECOND_READER_BELOW", "82")
    helped = extract_path(_fax("dev053"), Settings())
    assert alone.prescription.prescriber.npi is None
    assert helped.prescription.prescriber.npi == "1758587426"
    assert [d.code for d in helped.prescription.diagnoses] == ["M54.17", "M54.41"]
    assert not any(a.field in ("prescriber.npi", "diagnoses") for a in helped.alerts if a.code == "low_confidence")
    assert helped.prescription.patient.name is None  # nothing checks a name: it is never taken from it


def test_read_page_on_a_drawn_page():
    from PIL import Image, ImageDraw, ImageFont

    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    img = Image.new("L", (1200, 400), 255)
    draw = ImageDraw.Draw(img)
    draw.text((60, 60), "NPI 1758587426", font=ImageFont.truetype(str(font), 48), fill=0)
    draw.text((60, 220), "Frequency 2x/week", font=ImageFont.truetype(str(font), 48), fill=0)
    page = read_page(img)
    assert "1758587426" in page.text
    assert len(page.text.split("\n")) == 2
    assert all(50 <= w.conf <= 100 for w in page.words)
