"""Mail as real clients and fax services send it -> body text and documents (no OCR here)."""

from __future__ import annotations

import io
from email.message import EmailMessage

from PIL import Image

from parsers.mail import decode_lenient, html_to_text, parse_message

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def png(size=(1200, 1600)) -> bytes:
    buf = io.BytesIO()
    Image.new("L", size, 255).save(buf, format="PNG")
    return buf.getvalue()


def base(subject="Rx") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Dr. Alan Smith <dr.smith@clinic.example>"
    msg["To"] = "intake@massage.example"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 02 Nov 2026 09:14:00 -0800"
    msg["Message-ID"] = "<abc@clinic.example>"
    return msg


def parse(msg: EmailMessage):
    return parse_message(msg.as_bytes(), path="m.eml")


def test_headers_and_plain_body():
    msg = base()
    msg.set_content("Patient: Jane Doe\nDx: M54.2\n8 visits")
    m = parse(msg)
    assert m.from_ == "dr.smith@clinic.example"
    assert m.subject == "Rx" and m.message_id == "<abc@clinic.example>"
    assert m.date.isoformat() == "2026-11-02T09:14:00-08:00"
    assert "M54.2" in m.body.text and m.body.text_source == "body"
    assert m.documents == [] and m.error is None


def test_alternative_prefers_plain_and_html_only_is_converted():
    msg = base()
    msg.set_content("Dx: M54.2, 8 visits for the patient Jane Doe, twice a week, four weeks long.")
    msg.add_alternative("<p>Dx: <b>M54.2</b></p>", subtype="html")
    assert parse(msg).body.text.startswith("Dx: M54.2, 8 visits")

    html_only = base()
    html_only.set_content("<html><head><style>p{color:red}</style></head><body><p>Patient: Jane Doe</p>"
                          "<table><tr><td>Dx</td><td>M54.2</td></tr></table><br>12 visits</body></html>",
                          subtype="html")
    text = parse(html_only).body.text
    assert "Patient: Jane Doe" in text and "Dx M54.2" in text and "12 visits" in text
    assert "color" not in text


def test_html_stub_plain_part_falls_back_to_html():
    msg = base()
    msg.set_content("Your client does not show HTML.")
    msg.add_alternative("<p>Patient: Jane Doe</p><p>" + "Diagnosis M54.2 low back pain. " * 5 + "</p>",
                        subtype="html")
    assert "Diagnosis M54.2" in parse(msg).body.text


def test_related_inline_scan_is_a_document_and_logo_is_ignored():
    msg = base()
    msg.set_content("see below")
    msg.add_alternative("<p>see below <img src='cid:scan'><img src='cid:logo'></p>", subtype="html")
    html = msg.get_payload()[1]
    html.add_related(png(), "image", "png", cid="<scan>", filename="scan.png")
    html.add_related(png((213, 80)), "image", "png", cid="<logo>", filename="image002.png")
    m = parse(msg)
    assert [d.filename for d in m.documents] == ["scan.png"]
    assert [d.filename for d in m.ignored] == ["image002.png"]


def test_forwarded_messages_recursively():
    inner = base("Rx inner")
    inner.set_content("Patient: Jane Doe\nDx: M54.2")
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="rx.pdf")
    middle = base("Fwd: Rx")
    middle.set_content("FYI")
    middle.add_attachment(inner)
    outer = base("Fwd: Fwd: Rx")
    outer.set_content("Please see below")
    outer.add_attachment(middle)
    m = parse(outer)
    assert [d.filename for d in m.documents] == ["rx.pdf"]
    assert "Dx: M54.2" in m.body.text and "Please see below" in m.body.text


def test_octet_stream_pdf_is_sniffed_and_rfc2231_filename_decoded():
    msg = base()
    msg.set_content("attached")
    msg.add_attachment(PDF, maintype="application", subtype="octet-stream", filename="Überweisung Müller.pdf")
    raw = msg.as_bytes()
    assert b"filename*=" in raw  # written the RFC 2231 way
    m = parse_message(raw)
    assert m.documents[0].filename == "Überweisung Müller.pdf"
    assert m.documents[0].content_type == "application/pdf"


def test_fax_service_tiff_declared_wrong_is_sniffed():
    buf = io.BytesIO()
    Image.new("1", (1728, 2200), 1).save(buf, format="TIFF", compression="group4", dpi=(204, 196))
    msg = base()
    msg.set_content("You have received a 1 page fax.")
    msg.add_attachment(buf.getvalue(), maintype="application", subtype="octet-stream", filename="fax0001")
    assert parse(msg).documents[0].content_type == "image/tiff"


def test_charsets_and_transfer_encodings():
    for charset, cte in (("iso-8859-1", "quoted-printable"), ("gb2312", "base64"), ("utf-8", "8bit"),
                         ("windows-1252", "quoted-printable")):
        text = "Patient: Renée Lefèvre, Dx M54.2" if charset != "gb2312" else "处方 Dx M54.2"
        msg = base()
        msg.set_content(text, charset=charset, cte=cte)
        assert parse(msg).body.text.strip() == text, charset


def test_unknown_charset_and_broken_base64_are_decoded_leniently():
    raw = (b"From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nDx M54.2 caf\xe9\r\n")
    assert "Dx M54.2 caf" in parse_message(raw).body.text
    raw = (b"From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
           b"--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX\r\nContent-Type: application/pdf\r\n"
           b"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=rx.pdf\r\n\r\n"
           b"JVBERi0xLjQK!!!not base64***\r\n--XX--\r\n")
    m = parse_message(raw)
    assert m.body.text.strip() == "hello"
    assert [d.filename for d in m.documents] == ["rx.pdf"]
    assert decode_lenient("Müller".encode("cp1252"), "utf-8") == "Müller"


def test_signatures_and_calendar_invites_are_not_documents():
    msg = base()
    msg.set_content("Dx M54.2")
    msg.add_attachment(b"BEGIN:VCARD\r\nEND:VCARD\r\n", maintype="text", subtype="vcard", filename="dr.vcf")
    msg.add_attachment(b"0\x82", maintype="application", subtype="pkcs7-signature", filename="smime.p7s")
    msg.add_attachment(b"PK\x03\x04rest", maintype="application", subtype="zip", filename="files.zip")
    m = parse(msg)
    assert [d.filename for d in m.ignored] == ["dr.vcf", "smime.p7s"]
    assert [(d.filename, d.content_type) for d in m.documents] == [("files.zip", "application/zip")]


def test_broken_mime_keeps_what_was_read():
    raw = (b"From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n"
           b"no boundary parameter at all\r\n")
    m = parse_message(raw)
    assert m.error is None or "MIME" in m.error
    assert m.documents == []
    garbage = parse_message(b"\x00\xff\xfe binary junk, not a message at all")
    assert garbage.documents == [] and garbage.from_ is None


def test_too_deeply_nested_message_is_an_error_not_a_crash():
    msg = base()
    msg.set_content("bottom")
    for _ in range(40):
        outer = base()
        outer.set_content("level")
        outer.add_attachment(msg)
        msg = outer
    m = parse(msg)
    assert m.error and "nested" in m.error


def test_html_to_text_keeps_rows_and_drops_scripts():
    text = html_to_text("<script>x=1</script><div>A</div><div>B <span>C</span></div>")
    assert text.splitlines() == ["A", "B C"]


def test_same_file_forwarded_and_attached_again_is_one_document():
    inner = base("Rx")
    inner.set_content("see attached")
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="rx.pdf")
    outer = base("Fwd: Rx")
    outer.set_content("forwarding, and attaching again")
    outer.add_attachment(inner)
    outer.add_attachment(PDF, maintype="application", subtype="pdf", filename="rx copy.pdf")
    m = parse(outer)
    assert [d.filename for d in m.documents] == ["rx.pdf"]
    assert [d.filename for d in m.ignored] == ["rx copy.pdf"]
