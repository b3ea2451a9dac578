"""Pieces of the review page that need no server: typed fields, page images, the renewal letter."""

from __future__ import annotations

import io
from datetime import date

import pypdfium2 as pdfium
import pytest
from PIL import Image

from review import fields as F
from review.letters import Clinic, RenewalRequest, renewal_letter
from review.pages import count_pages, render_page
from review.security import LoginThrottle, check_password, hash_password, password_problem
from review.sessions import SessionCodec
from rxintake.errors import ActionRefused, UnreadableDocument
from tests.review_seed import pdf_bytes


def test_codes_are_checked_against_the_code_set():
    assert F.parse(F.BY_NAME["diagnoses"], ["m54.50", "M25.511", "M54.50"]) == [
        {"code": "M54.50", "description": "Low back pain, unspecified"},
        {"code": "M25.511", "description": "Pain in right shoulder"}]
    with pytest.raises(ActionRefused, match="M54.5 is not billable since Oct 2021: use M54.50, M54.51 or M54.59"):
        F.parse(F.BY_NAME["diagnoses"], ["M54.5"])
    with pytest.raises(ActionRefused, match="Z99.999"):
        F.parse(F.BY_NAME["diagnoses"], ["Z99.999"])
    assert F.parse(F.BY_NAME["diagnoses"], [""]) == []
    # outside the covered ranges is a note, not a refusal: staff decide
    problem, note, entry = F.code_check("J45.909")
    assert problem is None and "outside" in note and entry["code"] == "J45.909"


def test_other_fields_are_parsed_or_refused_with_the_reason():
    assert F.parse(F.BY_NAME["start_date"], "2026-11-02") == date(2026, 11, 2)
    assert F.parse(F.BY_NAME["start_date"], "") is None
    assert F.parse(F.BY_NAME["visits_used"], "") == 0
    assert F.parse(F.BY_NAME["procedures"], "97124, 97140 97124") == ["97124", "97140"]
    assert F.parse(F.BY_NAME["prescriber_npi"], "1234567893") == "1234567893"
    for name, raw, text in [("start_date", "02/11/2026", "not a date"), ("visits", "eight", "not a number"),
                            ("visits", "-1", "between 0 and 999"), ("prescriber_npi", "1234567890", "not a valid NPI"),
                            ("procedures", "9712", "CPT"), ("patient_name", "x" * 201, "200")]:
        with pytest.raises(ActionRefused, match=text):
            F.parse(F.BY_NAME[name], raw)
    assert F.show([{"code": "M54.2"}, {"code": "M25.511"}]) == "M54.2, M25.511"
    assert F.show(2.0) == "2" and F.show(None) == ""


def test_pdf_and_image_pages_render_as_png(tmp_path):
    pdf = pdf_bytes(["Page one"])
    assert count_pages(pdf, "application/pdf") == 1
    png = Image.open(io.BytesIO(render_page(pdf, "application/pdf", 0, dpi=72)))
    assert png.format == "PNG" and png.size == (612, 792)
    with pytest.raises(IndexError):
        render_page(pdf, "application/pdf", 1)
    # a two-page fax TIFF
    buf = io.BytesIO()
    frames = [Image.new("L", (850, 1100), 255), Image.new("L", (850, 1100), 0)]
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    tiff = buf.getvalue()
    assert count_pages(tiff, "image/tiff") == 2
    second = Image.open(io.BytesIO(render_page(tiff, "image/tiff", 1)))
    assert second.getpixel((10, 10)) == 0
    # a phone photo taken sideways: EXIF orientation is applied
    photo = Image.new("RGB", (400, 200), "white")
    exif = photo.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    buf = io.BytesIO()
    photo.save(buf, "JPEG", exif=exif)
    shown = Image.open(io.BytesIO(render_page(buf.getvalue(), "image/jpeg", 0)))
    assert shown.size == (200, 400)
    with pytest.raises(UnreadableDocument):
        render_page(b"%PDF-1.4 broken", "application/pdf", 0)


def test_renewal_letter_names_what_is_needed():
    req = RenewalRequest("Jane Roe", date(1980, 4, 12), "Alan Smith, MD", "1234567893",
                         [("M54.50", "Low back pain, unspecified")], ["97124"], 8, 7, date(2026, 11, 2),
                         date(2026, 11, 30), ["7 of 8 visits used"])
    pdf = pdfium.PdfDocument(renewal_letter(req, Clinic("Sunrise Massage", fax="555-0101"), date(2026, 11, 23)))
    text = pdf[0].get_textpage().get_text_range()
    for needed in ("Alan Smith, MD", "NPI 1234567893", "Jane Roe", "M54.50", "7 of 8", "new start and end dates",
                   "the number of visits", "diagnosis code", "November 30, 2026", "Fax 555-0101"):
        assert needed in text, needed


def test_passwords_sessions_and_throttle():
    h = hash_password("correct horse battery")
    assert h.startswith("$argon2id$")
    assert check_password(h, "correct horse battery")[0]
    assert not check_password(h, "wrong")[0]
    assert not check_password(None, "anything")[0]
    assert password_problem("short") and password_problem(" padded password ") and not password_problem("long enough pw")
    codec = SessionCodec("k" * 40, idle_seconds=60, max_seconds=3600)
    token = codec.dump({"u": "maria", "iat": 10**10, "c": "x"})
    assert codec.load(token)["u"] == "maria"
    assert codec.load(token[:-2] + "AA") == {}  # tampered
    assert SessionCodec("other" * 8, 60, 3600).load(token) == {}  # another secret
    import time
    old = codec.dump({"u": "maria", "iat": time.time() - 3601, "c": "x"})
    assert codec.load(old) == {}  # older than the absolute lifetime
    idle = SessionCodec("k" * 40, idle_seconds=1, max_seconds=3600)
    token = idle.dump({"u": "maria", "iat": time.time(), "c": "x"})
    time.sleep(2.1)
    assert idle.load(token) == {}  # unused for longer than the idle timeout
    throttle = LoginThrottle(3, 60)
    for _ in range(3):
        assert not throttle.locked("Maria")
        throttle.failed("maria")
    assert throttle.locked("MARIA")
    throttle.succeeded("maria")
    assert not throttle.locked("maria")


def test_signing_key_is_generated_once_and_kept_private(tmp_path):
    from review.security import secret_key

    key = secret_key(None, tmp_path)
    assert len(key) >= 40 and secret_key(None, tmp_path) == key
    assert (tmp_path / "review-secret.key").stat().st_mode & 0o777 == 0o600
    assert secret_key("configured", tmp_path) == "configured"


from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402


@hsettings(max_examples=60, deadline=None)
@given(name=st.sampled_from([f.name for f in F.FIELDS]), raw=st.text(max_size=40))
def test_anything_typed_is_either_stored_or_refused_with_a_reason(name, raw):
    field = F.BY_NAME[name]
    try:
        value = F.parse(field, [raw] if field.kind == "codes" else raw)
    except ActionRefused as exc:
        assert field.label in exc.message
    else:
        assert isinstance(F.show(value), str)
