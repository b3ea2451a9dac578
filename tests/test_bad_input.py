"""Bad input, made on the spot as real files, through `rxintake extract`: each becomes an alert, exit 0.

Every file is extracted in one `rxintake extract` run (as a clinic's batch would be): the run must
exit 0 with no traceback and one JSON line per input, and each line must name the file and reason.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import DEV, ROOT

BODY_RX = (DEV / "dev006.eml")


def text_pdf(pages: int = 1, encrypt: str | None = None) -> bytes:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, encrypt=encrypt)
    for n in range(pages):
        c.drawString(72, 720, f"Referral to massage therapy, page {n + 1}. Patient: Jane Doe, DOB 04/12/1980")
        c.drawString(72, 700, "Dx: M54.2 Cervicalgia. 2x/week for 4 weeks. NPI 1234567893")
        c.showPage()
    c.save()
    return buf.getvalue()


def eml(path: Path, body: str, attachments: list[tuple[str, bytes, str]]) -> Path:
    msg = EmailMessage()
    msg["From"] = "dr.smith@clinic.example"
    msg["Subject"] = "Rx"
    msg["Date"] = "Mon, 02 Nov 2026 09:14:00 -0800"
    msg.set_content(body)
    for name, data, ctype in attachments:
        main, sub = ctype.split("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    path.write_bytes(msg.as_bytes())
    return path


def holiday_photo() -> bytes:
    """A picture with no text in it: sky, sea, a sun."""
    from PIL import ImageDraw

    img = Image.new("RGB", (1600, 1200), (120, 170, 230))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 700, 1600, 1200), fill=(30, 80, 140))
    draw.ellipse((1100, 150, 1350, 400), fill=(250, 220, 80))
    buf = io.BytesIO()
    img.save(buf, format="JPEG")
    return buf.getvalue()


def logo() -> bytes:
    from PIL import ImageDraw

    img = Image.new("RGB", (220, 80), "white")
    ImageDraw.Draw(img).text((10, 30), "Riverbend Clinic", fill="navy")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def extract(files: list[Path], **env: str) -> dict[str, dict]:
    proc = subprocess.run([str(ROOT / ".venv/bin/rxintake"), "extract", *map(str, files)],
                          capture_output=True, text=True, timeout=600, env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert len(lines) == len(files)
    return {Path(o["source"]["path"]).name: o for o in map(json.loads, lines)}


def unreadable(result: dict) -> list[str]:
    return [a["message"] for a in result["alerts"] if a["code"] == "unreadable_document"]


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> dict[str, dict]:
    d = tmp_path_factory.mktemp("bad")
    good = text_pdf()
    files = []
    (d / "random.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(4000))
    (d / "truncated.pdf").write_bytes(good[: len(good) // 2])
    files += [d / "random.pdf", d / "truncated.pdf"]
    (d / "locked.pdf").write_bytes(text_pdf(encrypt="s3cret"))
    files.append(d / "locked.pdf")
    files.append(eml(d / "zero.eml", "see attached", [("rx.pdf", b"", "application/pdf")]))
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000), 1).save(bomb, format="PNG")  # 144 Mpx in ~20 kB
    (d / "bomb.png").write_bytes(bomb.getvalue())
    files.append(eml(d / "bomb.eml", "see attached", [("scan.png", bomb.getvalue(), "image/png")]))
    files.append(d / "bomb.png")
    files.append(eml(d / "long.eml", "see attached", [("records.pdf", text_pdf(300), "application/pdf")]))
    docx = b"PK\x03\x04" + os.urandom(2000)
    files.append(eml(d / "docx_alone.eml", "Please see the attached referral.", [
        ("referral.docx", docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]))
    rx_body = EmailMessage()
    body_msg = __import__("email").message_from_bytes(BODY_RX.read_bytes(), policy=__import__("email").policy.default)
    rx_text = body_msg.get_body(("plain",)).get_content()
    files.append(eml(d / "docx_beside_body_rx.eml", rx_text, [("notes.zip", docx, "application/zip")]))
    files.append(eml(d / "body_rx_alone.eml", rx_text, []))
    files.append(eml(d / "photo_beside_body_rx.eml", rx_text, [("IMG_0001.JPG", holiday_photo(), "image/jpeg"),
                                                               ("logo.png", logo(), "image/png")]))
    del rx_body
    (d / "broken_mime.eml").write_bytes(
        b"From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"X\"\r\n\r\n"
        b"--X\r\nContent-Type: application/pdf; name=rx.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"JVBERi0xLjQKJeLjz9MK####\r\n")  # never closed, the PDF cut off
    files.append(d / "broken_mime.eml")
    (d / "binary.eml").write_bytes(os.urandom(3000))
    files.append(d / "binary.eml")
    (d / "empty.pdf").write_bytes(b"")
    files.append(d / "empty.pdf")
    jpg = io.BytesIO()
    Image.effect_noise((1200, 1600), 60).convert("RGB").save(jpg, format="JPEG")
    (d / "cut.jpg").write_bytes(jpg.getvalue()[: len(jpg.getvalue()) // 3])
    files.append(d / "cut.jpg")
    return extract(files)


def test_corrupt_and_truncated_pdf(bad):
    for name in ("random.pdf", "truncated.pdf"):
        [msg] = unreadable(bad[name])
        assert name in msg and "corrupt or truncated" in msg
        assert bad[name]["status"] == "needs_review"


def test_password_protected_pdf(bad):
    [msg] = unreadable(bad["locked.pdf"])
    assert "locked.pdf" in msg and "password-protected" in msg


def test_zero_byte_attachment(bad):
    [msg] = unreadable(bad["zero.eml"])
    assert "rx.pdf" in msg and "0 bytes" in msg
    assert bad["zero.eml"]["source"]["documents"][0]["sha256"] == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


def test_decompression_bomb(bad):
    for name, file in (("bomb.eml", "scan.png"), ("bomb.png", "bomb.png")):
        [msg] = unreadable(bad[name])
        assert file in msg and "pixels" in msg


def test_hundreds_of_pages_read_in_part_with_an_alert(bad):
    result = bad["long.eml"]
    [msg] = unreadable(result)
    assert "records.pdf" in msg and "300 pages" in msg and "first 30" in msg
    assert result["source"]["documents"][0]["pages"] == 300
    assert result["source"]["documents"][0]["text_source"] == "text_layer"


def test_unknown_type_alone_is_unreadable(bad):
    [msg] = unreadable(bad["docx_alone.eml"])
    assert "referral.docx" in msg and "unsupported type" in msg


def test_unknown_type_beside_a_body_prescription_does_not_block(bad):
    result = bad["docx_beside_body_rx.eml"]
    assert unreadable(result) == []
    warnings = [a for a in result["alerts"] if a["code"] == "unsupported_attachment"]
    assert len(warnings) == 1 and warnings[0]["severity"] == "warning" and "notes.zip" in warnings[0]["message"]
    assert result["prescription"]["diagnoses"], "the body prescription is still read"


def test_broken_mime_and_non_messages(bad):
    for name in ("broken_mime.eml", "binary.eml"):
        result = bad[name]
        assert result["status"] == "needs_review"
        codes = {a["code"] for a in result["alerts"]}
        assert codes & {"unreadable_document", "no_prescription"}, codes
    assert any("rx.pdf" in m for m in unreadable(bad["broken_mime.eml"]))


def test_empty_bare_file(bad):
    [msg] = unreadable(bad["empty.pdf"])
    assert "empty.pdf" in msg and "0 bytes" in msg


def test_ocr_time_limit_per_page(tmp_path):
    from rxintake.commands.bench import page_image

    page_image(dpi=200).save(tmp_path / "slow.png")
    result = extract([tmp_path / "slow.png"], RXINTAKE_OCR_PAGE_TIMEOUT="0.05")["slow.png"]
    [msg] = unreadable(result)
    assert "slow.png" in msg and "longer than 0.05 s" in msg


def test_limits_are_settings(tmp_path):
    (tmp_path / "four.pdf").write_bytes(text_pdf(4))
    Image.new("L", (1500, 1500), 255).save(tmp_path / "big.png")
    big_mail = eml(tmp_path / "big.eml", "see attached", [("rx.pdf", text_pdf(3) + b"\0" * 20000, "application/pdf")])
    heavy_doc = eml(tmp_path / "heavy.eml", "x", [("scan.pdf", text_pdf(1) + b"\0" * 5000, "application/pdf")])
    out = extract([tmp_path / "four.pdf", tmp_path / "big.png"], RXINTAKE_MAX_PAGES="2",
                  RXINTAKE_MAX_IMAGE_PIXELS="1000000")
    assert "only the first 2" in unreadable(out["four.pdf"])[0]
    assert "pixels" in unreadable(out["big.png"])[0]
    out = extract([big_mail, heavy_doc], RXINTAKE_MAX_MESSAGE_BYTES="15000", RXINTAKE_MAX_DOCUMENT_BYTES="4000")
    assert big_mail.stat().st_size > 15000 > heavy_doc.stat().st_size
    [msg] = unreadable(out["big.eml"])
    assert "big.eml" in msg and "over the limit of 15000" in msg
    [msg] = unreadable(out["heavy.eml"])
    assert "scan.pdf" in msg and "over the limit of 4000" in msg


def test_truncated_image(bad):
    [msg] = unreadable(bad["cut.jpg"])
    assert "cut.jpg" in msg and "could not be decoded" in msg


def test_picture_without_text_and_logo_change_nothing(bad):
    alone, beside = bad["body_rx_alone.eml"], bad["photo_beside_body_rx.eml"]
    assert alone["prescription"]["diagnoses"], "the body prescription is read"
    assert beside["prescription"] == alone["prescription"]
    assert [a["code"] for a in beside["alerts"]] == [a["code"] for a in alone["alerts"]]
    assert [d["filename"] for d in beside["source"]["documents"]] == ["IMG_0001.JPG"]  # the logo is not a document


def test_message_from_source_is_the_one_entry_for_bytes():
    from rxintake.pipeline import message_from_source
    from rxintake.settings import Settings

    settings = Settings(max_message_bytes=1000)
    bare = message_from_source(text_pdf(1)[:900], "inbox/scan.pdf", Settings())
    assert [(d.filename, d.content_type) for d in bare.documents] == [("scan.pdf", "application/pdf")]
    big = message_from_source(b"x" * 2000, "m.eml", settings)
    assert big.documents == [] and "over the limit of 1000" in big.error
    junk = message_from_source(os.urandom(500), "m.eml", settings)
    assert junk.documents == [] and junk.from_ is None
