"""Writes the synthetic sample messages in samples/ (and their truth files), deterministically.

    python samples/make_samples.py

Layouts and wordings the development corpus does not carry: prose letters, "Dx:" lines with
undotted codes, phases, ranges, visits in words, DD Month YYYY dates, phone/fax/claim numbers
beside the NPI and the visit count, checkbox forms, a scanned image and mail that is no
prescription. Everyone in them is invented; phone numbers are in the 555 range.
"""

from __future__ import annotations

import io
import json
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLINIC = "intake@riverside-massage.example"

# (case, family, render, headers date, from, subject, body, attachment lines or None, expect, meta)
SAMPLES: list[dict] = []


def sample(case, family, render, date, sender, subject, body, expect, lines=None, tags=(), meta=None, html=False):
    SAMPLES.append(dict(case=case, family=family, render=render, date=date, sender=sender, subject=subject,
                        body=body, lines=lines, expect=expect, tags=list(tags), meta=meta or {}, html=html))


def expect(name, dob, dx, proc, visits, start, end, npi, alerts=(), tolerated=(), status=None):
    errors = {"expired", "invalid_npi", "invalid_diagnosis", "nonbillable_diagnosis", "missing_diagnosis",
              "missing_patient_dob", "no_prescription", "missing_visit_count", "uncovered_diagnosis"}
    return {"patient": {"name": name, "dob": dob}, "diagnoses": list(dx), "procedures": list(proc), "visits": visits,
            "start_date": start, "end_date": end, "prescriber_npi": npi, "alerts": list(alerts),
            "alerts_tolerated": list(tolerated),
            "status": status or ("needs_review" if set(alerts) & errors else "filed")}


NO_RX_TOLERATED = ["missing_diagnosis", "missing_end_date", "missing_patient_dob", "missing_patient_name",
                   "missing_prescriber", "missing_start_date", "missing_visit_count"]

sample("sample01", "email_body", "body_only", "Tue, 03 Nov 2026 09:12:00 -0800", "dr.okafor@cascade-fm.example",
       "Massage order for Hollis", """Hi team,

Please see order below.

Pt: HOLLIS, MARGARET A
D.O.B. 02/17/1961
Date: 3 November 2026
Dx: m542, M6283O   M25.511
Massage therapy twice weekly for six weeks.

Chidi Okafor, MD
Cascade Family Medicine
Tel 503-555-0142 | Fax 503-555-0143
NPI 1234567893
""", expect("Margaret A. Hollis", "1961-02-17", ["M54.2", "M62.830", "M25.511"], [], 12, "2026-11-03",
            "2026-12-15", "1234567893"))

sample("sample02", "ehr_order", "text_pdf", "Mon, 09 Nov 2026 14:03:10 -0500", "noreply@lakeside-ehr.example",
       "Referral order 44120", "A referral order is attached.\n", lines=[
           "LAKESIDE HEALTH - OUTPATIENT ORDER", "Printed 11/09/2026 13:58",
           "Patient: Dana K. Whitfield        Sex: F        MRN: LK-882014",
           "Birth date: 1975-07-30     Home phone: (614) 555-0199",
           "Insurance: Buckeye Mutual   Member #: 88412007   Claim #: 20261109",
           "Ordered: 11/06/2026", "Ordering provider: Samuel Ortega, DO",
           "NPI: 1902847361     Office fax: 6145550123",
           "Dx codes:", "  1) S16.1XXA  Strain of muscle, fascia and tendon at neck level, initial encounter",
           "  2) M62.838  Other muscle spasm",
           "Procedures: 97140 Manual therapy; 97124 Massage",
           "Frequency: 3x/week   Duration: 2 weeks", "Valid through: 12/31/2026",
       ], expect=expect("Dana K. Whitfield", "1975-07-30", ["S16.1XXA", "M62.838"], ["97140", "97124"], 6,
                        "2026-11-06", "2026-12-31", "1902847361"))

sample("sample03", "referral_letter", "text_pdf", "Thu, 12 Nov 2026 10:40:00 -0600", "office@prairie-spine.example",
       "Letter of referral", "Please find the referral letter attached.\n", lines=[
           "Prairie Spine & Joint", "1180 Meridian Ave, Omaha, NE 68102", "Phone 402-555-0110  Fax 402-555-0111",
           "", "10 November 2026", "", "Dear colleague,", "",
           "Thank you for seeing my patient, Tomás Núñez (born 4 March 1983), who has cervicalgia",
           "[M54.2] with associated tension-type headache [G44.209]. I would like him to receive",
           "six (6) sessions of therapeutic massage, starting 16 November 2026. This referral is",
           "valid for 90 days.", "", "Kind regards,", "", "Renata Alvarez, MD", "NPI 1679576722",
       ], expect=expect("Tomás Núñez", "1983-03-04", ["M54.2", "G44.209"], [], 6, "2026-11-16", "2027-02-14",
                        "1679576722"), tags=["nonascii_name"])

sample("sample04", "email_body", "body_only", "Fri, 13 Nov 2026 16:20:45 -0500", "frontdesk@harbor-ortho.example",
       "Rx", """Good afternoon,

Patient name: Luis Ferreira
Date of birth: Sept 9, 1990
Claim #: 5531207
Written: 11/13/2026
Diagnosis codes: M7912 (myalgia of auxiliary muscles), M5412 (radiculopathy, cervical region)
Massage therapy 1 time per week, duration 6 weeks.
Prescription expires 12/31/2026.

Dr. Hannah Brooks
Harbor Orthopedics
Phone 617-555-0170, fax 617-555-0171
NPI: 1518960939
""", expect("Luis Ferreira", "1990-09-09", ["M79.12", "M54.12"], [], 6, "2026-11-13", "2026-12-31", "1518960939"))

sample("sample05", "rx_pad", "text_pdf", "Wed, 04 Nov 2026 08:05:00 -0700", "clinic@desert-sports.example",
       "Prescription", "Prescription attached.\n", lines=[
           "DESERT SPORTS MEDICINE", "Priya Raman, MD  -  NPI 1285907337", "Tel (480) 555-0133",
           "Patient: Ana Lucía Beltrán      DOB 12/02/1988", "Date 11-3-26",
           "Rx: Therapeutic massage (97124)", "3x/week for 4 weeks, then 2x/week for 4 weeks",
           "Start: 11-9-26", "ICD-10: M79.7; M79.18",
       ], expect=expect("Ana Lucía Beltrán", "1988-12-02", ["M79.7", "M79.18"], ["97124"], 20, "2026-11-09",
                        "2027-01-04", "1285907337"), tags=["nonascii_name", "phases"])

sample("sample06", "email_body", "body_only", "Mon, 16 Nov 2026 11:00:00 -0800", "mgarcia@valley-pcp.example",
       "referral - José Peña", """Hello,

José Peña (DOB 1/5/1979) - please see for massage 1-2x/week x 4 weeks.
Dx: low back pain M54.50
Start 11/18/2026

Thank you,
Maria Garcia, FNP-C
NPI 1336145465
Valley Primary Care, ph 559-555-0188
""", expect("José Peña", "1979-01-05", ["M54.50"], [], 8, "2026-11-18", "2026-12-16", "1336145465"),
       tags=["range", "nonascii_name"])

sample("sample07", "referral_form", "text_pdf", "Tue, 17 Nov 2026 13:30:00 -0500", "referrals@northgate-pt.example",
       "Therapy referral form", "Form attached.\n", lines=[
           "NORTHGATE ORTHOPAEDICS - THERAPY REFERRAL", "Patient: Keller, Bruno      DOB: 08/08/1958",
           "Diagnosis (ICD-10): M75.41 Impingement syndrome of right shoulder", "Services (check all that apply):",
           "[X] 97124 Massage   [ ] 97110 Therapeutic exercise   [X] 97140 Manual therapy",
           "[ ] 97010 Hot/cold packs", "# of visits: 10", "Physician: Ingrid Solberg, MD   NPI: 1952431884",
           "Date signed: 11/16/2026",
       ], expect=expect("Bruno Keller", "1958-08-08", ["M75.41"], ["97124", "97140"], 10, "2026-11-16", None,
                        "1952431884", alerts=["missing_end_date"]))

sample("sample08", "non_rx", "body_only", "Wed, 18 Nov 2026 07:00:00 +0000", "news@massage-trade.example",
       "November newsletter: 5 stretches for desk workers", """This month in the newsletter

- Five stretches for desk workers (takes 10 minutes, 2x per day)
- Our spring conference on 14 March 2027 in Portland
- Billing corner: ICD-10-CM FY2027 updates are in effect since October 1

Unsubscribe: https://massage-trade.example/unsubscribe
""", expect(None, None, [], [], None, None, None, None, alerts=["no_prescription"], tolerated=NO_RX_TOLERATED),
       tags=["edge:no_prescription"])

sample("sample09", "non_rx", "body_only", "Thu, 19 Nov 2026 18:45:00 -0800", "bookings@riverside-massage.example",
       "Appointment confirmed: Fri Nov 27 at 2:00 PM", """Hi Nora,

Your 90-minute therapeutic massage is confirmed for Friday, November 27, 2026 at 2:00 PM.
Please arrive 10 minutes early. Call 541-555-0100 to reschedule.

Riverside Therapeutic Massage
""", expect(None, None, [], [], None, None, None, None, alerts=["no_prescription"], tolerated=NO_RX_TOLERATED),
       tags=["edge:no_prescription"])

sample("sample10", "rx_pad", "text_pdf", "Fri, 20 Nov 2026 09:30:00 -0500", "dr.ng@seaside-im.example",
       "Rx for massage", "Attached.\n", lines=[
           "SEASIDE INTERNAL MEDICINE", "Kevin Ng, MD", "NPI: 1234567890   Fax: 207-555-0150",
           "Name: Ruth Abernathy   DOB: 06/14/1949   Date: 11/19/2026",
           "Dx: m54.2 cervicalgia", "Massage therapy 2x/wk x 3 wks",
       ], expect=expect("Ruth Abernathy", "1949-06-14", ["M54.2"], [], 6, "2026-11-19", "2026-12-10", "1234567890",
                        alerts=["invalid_npi"]), tags=["edge:invalid_npi"])

sample("sample11", "email_body", "body_only", "Sat, 21 Nov 2026 22:15:00 -1000", "kahale@island-health.example",
       "massage order", """Aloha,

Please schedule Keanu Kahale, DOB: 03/30/1992, for massage therapy.
Dx M54.5 (low back pain)
# of visits: 8

Leilani Kahale, PA-C
NPI 1750384921
Cell 808-555-0111
""", expect("Keanu Kahale", "1992-03-30", ["M54.5"], [], 8, "2026-11-21", None, "1750384921",
            alerts=["nonbillable_diagnosis", "missing_end_date"]), tags=["date_from_header", "edge:nonbillable"])

sample("sample12", "rx_pad", "png", "Mon, 23 Nov 2026 08:00:00 -0500", "scanner@pinecrest-fp.example",
       "Scanned document", "Scanned document attached.\n", lines=[
           "PINECREST FAMILY PRACTICE", "Patient: Walter Lindqvist", "DOB: 05/21/1955", "Date: 11/20/2026",
           "Dx: M54.16", "Massage therapy", "8 visits", "Valid through: 01/31/2027", "NPI: 1669473328",
       ], expect=expect("Walter Lindqvist", "1955-05-21", ["M54.16"], [], 8, "2026-11-20", "2027-01-31", "1669473328",
                        tolerated=["low_confidence"]), tags=["ocr"])

sample("sample13", "ehr_order", "text_pdf", "Tue, 24 Nov 2026 12:00:00 -0600", "orders@plains-clinic.example",
       "Order", "Order attached.\n", lines=[
           "PLAINS CLINIC  |  Referral", "Patient Name: Olsen, Greta", "DOB: 1968-12-01", "Order date: 2026-11-23",
           "Diagnoses: M79.642 Pain in left hand; M79.645 Pain in left finger(s)",
           "Frequency: 2x/week", "Total visits: 12", "This order is valid for 60 days.",
           "Referring physician: Arvid Dahl, MD (NPI 1487651022)", "Phone 605-555-0119",
       ], expect=expect("Greta Olsen", "1968-12-01", ["M79.642", "M79.645"], [], 12, "2026-11-23", "2027-01-22",
                        "1487651022"))

sample("sample14", "email_body", "body_only", "Wed, 25 Nov 2026 10:10:00 -0500", "ppatel@metro-ortho.example",
       "massage referral", """Hello,

Referral for Priya Nair (DOB 10/10/2001).
Diagnosis: sprained wrist, no code on file yet.
Visits: 6, starting 11/30/2026.

Prakash Patel, MD
NPI # 1871092254
""", expect("Priya Nair", "2001-10-10", [], [], 6, "2026-11-30", None, "1871092254",
            alerts=["missing_diagnosis", "missing_end_date"]), tags=["edge:missing_code"])

sample("sample15", "email_body", "body_only", "Thu, 26 Nov 2026 08:30:00 -0700", "referrals@summit-ehr.example",
       "Authorization and referral", """<html><body>
<p>Referral for massage therapy. Please schedule.</p>
<table>
<tr><td>Patient</td><td>MONTOYA, ELENA R</td></tr>
<tr><td>Date of birth</td><td>07/04/1966</td></tr>
<tr><td>Diagnosis codes</td><td>M25.561, M25.562</td></tr>
<tr><td>Visits authorized</td><td>10</td></tr>
<tr><td>Authorization period</td><td>12/01/2026 to 02/28/2027</td></tr>
<tr><td>Group NPI</td><td>1922334457</td></tr>
<tr><td>Rendering provider</td><td>Oscar Lindgren, DO &ndash; NPI 1316057391</td></tr>
</table>
<p>Questions: call 303-555-0164 (fax 303-555-0165).</p>
</body></html>""", expect("Elena R. Montoya", "1966-07-04", ["M25.561", "M25.562"], [], 10, "2026-12-01", "2027-02-28",
                           "1316057391"), tags=["html_only", "date_range", "group_npi"], html=True)

sample("sample16", "email_body", "body_only", "Fri, 27 Nov 2026 12:00:00 -0500", "assistant@lakeview-neuro.example",
       "Fwd: massage referral", """Forwarding the referral Dr. Petrov sent this morning.

---------- Forwarded message ---------
From: Ivan Petrov <ipetrov@lakeview-neuro.example>
Subject: massage referral

I am referring Mrs. Agnes Whitcombe (DOB: 09/30/1948) for therapeutic massage, a total of 8 visits,
for tension-type headache (G44.209) and cervicalgia (M54.2). Please begin on or after December 1, 2026.

Signed: Ivan Petrov, MD 11/27/2026
NPI 1457394629
""", expect("Agnes Whitcombe", "1948-09-30", ["G44.209", "M54.2"], [], 8, "2026-12-01", None, "1457394629",
            alerts=["missing_end_date"]), tags=["forwarded"])

sample("sample17", "rx_pad", "text_pdf", "Sat, 28 Nov 2026 09:45:00 -0800", "fax@coastal-fm.example",
       "Fax from 5415550190 (2 pages)", "You have received a 2 page fax.\n", lines=[
           "FAX COVER SHEET", "To: Riverside Therapeutic Massage   Fax: 541-555-0100",
           "From: Coastal Family Medicine   Fax: 541-555-0190   Phone: 541-555-0191", "Pages: 2 (including cover)",
           "Date: 11/28/2026", "CONFIDENTIAL: protected health information follows.", "\f",
           "COASTAL FAMILY MEDICINE", "Meera Iyer, MD      NPI 1588102933", "Patient: Ferguson, Dale   DOB 3 May 1957",
           "Date: 11/25/2026", "Rx: medical massage 97124, 97140", "Dx: M62.830 Muscle spasm of back; M54.6",
           "Frequency: 2 days a week  Duration: 3 weeks",
       ], expect=expect("Dale Ferguson", "1957-05-03", ["M62.830", "M54.6"], ["97124", "97140"], 6, "2026-11-25",
                        "2026-12-16", "1588102933"), tags=["fax_cover", "multi_page"])

sample("sample18", "non_rx", "body_only", "Sun, 29 Nov 2026 19:02:00 -0800", "jane.q.patient@mail.example",
       "question about my massage referral", """Hi there,

My doctor gave me a massage referral last week and I will bring it to my first appointment.
My name is Harriet Olsen, DOB 4/18/1972, phone 541-555-0133. Do you take Summit HealthPlan?

Thanks,
Harriet
""", expect(None, None, [], [], None, None, None, None, alerts=["no_prescription"], tolerated=NO_RX_TOLERATED),
       tags=["edge:no_prescription", "non_rx:patient_question"])


def _pdf(lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, invariant=1)
    c.setFont("Helvetica", 10.5)
    y = 740
    for line in lines:
        if line == "\f":  # a new page
            c.showPage()
            c.setFont("Helvetica", 10.5)
            y = 740
            continue
        c.drawString(54, y, line)
        y -= 16
    c.showPage()
    c.save()
    return buf.getvalue()


def _png(lines: list[str]) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (1700, 1200), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=38)
    y = 80
    for line in lines:
        draw.text((90, y), line, fill=0, font=font)
        y += 70
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _envelope(s: dict) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = s["sender"]
    msg["To"] = CLINIC
    msg["Subject"] = s["subject"]
    msg["Date"] = s["date"]
    msg["Message-ID"] = f"<{s['case']}@samples.rxintake.example>"
    return msg


def build(s: dict) -> tuple[bytes, dict]:
    msg = _envelope(s)
    if s.get("html"):
        msg.set_content(s["body"], subtype="html")
    else:
        msg.set_content(s["body"])
    attachments = []
    if s["lines"] is not None:
        if s["render"] == "png":
            data, ctype, name = _png(s["lines"]), ("image", "png"), f"{s['case']}.png"
        else:
            data, ctype, name = _pdf(s["lines"]), ("application", "pdf"), f"{s['case']}.pdf"
        msg.add_attachment(data, maintype=ctype[0], subtype=ctype[1], filename=name)
        attachments.append({"filename": name, "content_type": "/".join(ctype), "bytes": len(data)})
    msg.set_boundary(f"==sample-{s['case']}==")
    raw = msg.as_bytes(policy=SMTP)
    truth = {"case": s["case"], "set": "samples", "family": s["family"], "render": s["render"], "tags": s["tags"],
             "expect": s["expect"], "meta": {"message_date": s["date"], "attachments": attachments, **s["meta"]}}
    return raw, truth


def main() -> None:
    for s in SAMPLES:
        raw, truth = build(s)
        (HERE / f"{s['case']}.eml").write_bytes(raw)
        (HERE / f"{s['case']}.truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {len(SAMPLES)} samples to {HERE}")


if __name__ == "__main__":
    main()


# ------------------------------------------------------------------ handwritten samples
# Handwritten prescriptions in handwriting fonts the development corpus does not use, in layouts it does
# not carry (a pad with values written after printed labels, a note written on a blank sheet, a form
# with boxes filled in by hand), rendered as a 300 dpi grey scan (slight skew, noise) or as a
# 204x196 dpi bilevel fax. They go to samples/handwritten/: what may fairly come out of them is null
# plus an alert, never a wrong value (tests/test_samples_handwritten.py), so they are kept apart from
# the samples above, which must come out right field by field. Regenerating them needs the Debian
# packages fonts-dkg-handwriting, fonts-breip, fonts-femkeklaver, fonts-rufscript and fonts-sjfonts;
# the committed .eml files carry the rendered pages, so the tests do not.

HAND_DIR = HERE / "handwritten"
HAND_SAMPLES: list[dict] = []
_FONTS = "/usr/share/fonts/truetype"
HAND_FONTS = {
    "dkg": f"{_FONTS}/fifthhorseman/dkg.ttf",
    "dkg_bold": f"{_FONTS}/fifthhorseman/dkgBd.ttf",
    "breip": f"{_FONTS}/breip/Breip.ttf",
    "femke": f"{_FONTS}/femkeklaver/femkeklaver.ttf",
    "rufscript": f"{_FONTS}/rufscript/Rufscript010.ttf",
    "steve": f"{_FONTS}/sjfonts/SteveHand.ttf",
}
PRINT_FONTS = {
    "sans": f"{_FONTS}/dejavu/DejaVuSans.ttf",
    "sans_bold": f"{_FONTS}/dejavu/DejaVuSans-Bold.ttf",
    "serif": f"{_FONTS}/dejavu/DejaVuSerif.ttf",
    "serif_bold": f"{_FONTS}/dejavu/DejaVuSerif-Bold.ttf",
}
HAND_TOLERATED = ["low_confidence", "missing_diagnosis", "missing_end_date", "missing_patient_dob",
                  "missing_patient_name", "missing_prescriber", "missing_start_date", "missing_visit_count"]


def npi_check_digit(first9: str) -> str:
    """The NPI check digit: Luhn over 80840 + the first nine digits."""
    digits = [int(c) for c in "80840" + first9]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return str((10 - total % 10) % 10)


def npi(first9: str) -> str:
    return first9 + npi_check_digit(first9)


def hand_sample(case, layout, render, font, size, date, sender, subject, body, page, expect, tags=(), seed=None):
    """page: what is on the sheet, read by the layout (printed header lines, labelled values, written lines)."""
    HAND_SAMPLES.append(dict(case=case, family="rx_pad" if layout != "box_form" else "referral_form",
                             layout=layout, render=render, font=font, size=size, date=date, sender=sender,
                             subject=subject, body=body, page=page, expect=expect,
                             tags=["handwritten", f"layout:{layout}", f"font:{font}", *tags],
                             **({"seed": seed} if seed else {})))


# page coordinates are in inches from the top left corner of a letter sheet; drawn at 300 dpi
_DPI = 300


def _font(path: str, px: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, px)


def _printed(draw, x, y, text, pt=11, face="sans"):
    draw.text((int(x * _DPI), int(y * _DPI)), text, fill=0, font=_font(PRINT_FONTS[face], int(pt * _DPI / 72)),
              anchor="ls")


def _written(img, rnd, x, y, text, font, px):
    """One line of handwriting: word by word, each a little off the line, the line a little aslant."""
    from PIL import Image, ImageDraw

    f = _font(HAND_FONTS[font], px)
    width = int(f.getlength(text) * 1.25) + px * 2
    line = Image.new("L", (width, px * 3), 255)
    draw = ImageDraw.Draw(line)
    cx = px // 2
    ink = rnd.randint(20, 60)
    space = f.getlength(" ")
    for word in text.split(" "):
        dy = rnd.randint(-px // 14, px // 14)
        draw.text((cx, int(px * 1.8) + dy), word, fill=ink, font=f, anchor="ls")
        cx += int(f.getlength(word) + space * rnd.uniform(0.9, 1.4))
    line = line.rotate(rnd.uniform(-1.2, 1.2), resample=Image.BICUBIC, fillcolor=255)
    px0, py0 = int(x * _DPI) - px // 2, int(y * _DPI) - int(px * 1.8)
    region = img.crop((px0, py0, px0 + line.width, py0 + line.height))
    from PIL import ImageChops

    img.paste(ImageChops.darker(region, line), (px0, py0))


def _hand_page(s: dict):
    """The sheet at 300 dpi, grey, before scanning or faxing."""
    import random

    from PIL import Image, ImageDraw

    rnd = random.Random(s.get("seed", s["case"]))
    img = Image.new("L", (int(8.5 * _DPI), 11 * _DPI), 255)
    draw = ImageDraw.Draw(img)
    p, font, px = s["page"], s["font"], s["size"]
    lw = 3
    if s["layout"] == "pad":
        # printed letterhead, then labels with a rule after each, the values written on the rules
        y = 0.9
        for i, line in enumerate(p["header"]):
            _printed(draw, 1.0, y, line, pt=16 if i == 0 else 10.5, face="serif_bold" if i == 0 else "serif")
            y += 0.32 if i == 0 else 0.22
        draw.line([(int(1.0 * _DPI), int((y + 0.05) * _DPI)), (int(7.5 * _DPI), int((y + 0.05) * _DPI))], fill=0,
                  width=lw)
        y += 0.55
        for label, value in p["fields"]:
            _printed(draw, 1.0, y, label, pt=11, face="sans_bold")
            x0 = 1.0 + len(label) * 0.11 + 0.15
            draw.line([(int(x0 * _DPI), int((y + 0.04) * _DPI)), (int(7.5 * _DPI), int((y + 0.04) * _DPI))],
                      fill=110, width=2)
            if value:
                _written(img, rnd, x0 + 0.12 + rnd.uniform(0, 0.2), y - 0.02, value, font, px)
            y += 0.6
        y += 0.2
        for line in p.get("lines", []):
            _written(img, rnd, 1.1 + rnd.uniform(0, 0.15), y, line, font, px)
            y += 0.55
        for line in p.get("footer", []):
            _printed(draw, 1.0, 10.2, line, pt=8)
    elif s["layout"] == "note":
        # a blank sheet, everything written by hand
        y = 1.1
        for line in p["lines"]:
            if line:
                _written(img, rnd, 1.0 + rnd.uniform(0, 0.25), y, line, font, px)
            y += px / _DPI * 1.7
    elif s["layout"] == "box_form":
        # a printed form: a title, boxes with a small label in the top corner, values written in the boxes
        y = 0.9
        for i, line in enumerate(p["header"]):
            _printed(draw, 1.0, y, line, pt=15 if i == 0 else 10, face="sans_bold" if i == 0 else "sans")
            y += 0.3 if i == 0 else 0.2
        y += 0.3
        for row in p["boxes"]:
            x = 1.0
            total = sum(w for _, w, _ in row)
            for label, w, value in row:
                wi = w / total * 6.5
                draw.rectangle([int(x * _DPI), int(y * _DPI), int((x + wi) * _DPI), int((y + 0.75) * _DPI)],
                               outline=0, width=lw)
                _printed(draw, x + 0.06, y + 0.16, label, pt=7.5)
                if value:
                    _written(img, rnd, x + 0.15 + rnd.uniform(0, 0.1), y + 0.6, value, font, px)
                x += wi
            y += 0.75
        y += 0.45
        for line in p.get("lines", []):
            _written(img, rnd, 1.1, y, line, font, px)
            y += 0.55
        for line in p.get("footer", []):
            _printed(draw, 1.0, 10.2, line, pt=8)
    else:
        raise ValueError(s["layout"])
    return img, rnd


def _scan_pdf(img, rnd) -> bytes:
    """A 300 dpi grey scan: the sheet a little askew, paper tone, grain, specks; JPEG in a PDF."""
    from PIL import Image, ImageFilter
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    page = img.rotate(rnd.uniform(-1.4, 1.4), resample=Image.BICUBIC, fillcolor=255)
    page = page.filter(ImageFilter.GaussianBlur(0.7))
    from PIL import ImageChops

    page = Image.eval(page, lambda v: int(v * 0.93 + 6))  # paper tone
    small = (page.width // 6, page.height // 6)
    grain = Image.frombytes("L", small, rnd.randbytes(small[0] * small[1])).point(lambda v: 128 + (v - 128) // 14)
    grain = grain.resize(page.size, Image.BILINEAR)
    page = ImageChops.add(page, grain, offset=-128)
    for _ in range(120):
        x, y = rnd.randrange(page.width), rnd.randrange(page.height)
        r = rnd.choice((1, 1, 2, 3))
        page.paste(rnd.randint(60, 160), (x, y, x + r, y + r))
    jpg = io.BytesIO()
    page.save(jpg, format="JPEG", quality=50)
    jpg.seek(0)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, invariant=1)
    c.drawImage(ImageReader(jpg), 0, 0, width=letter[0], height=letter[1])
    c.showPage()
    c.save()
    return buf.getvalue()


def _fax_tiff(img, rnd) -> bytes:
    """A fax: 204x196 dpi, bilevel, a little askew, a few dropped and stray pixels, a header line."""
    from PIL import Image, ImageDraw

    page = img.rotate(rnd.uniform(-0.8, 0.8), resample=Image.BICUBIC, fillcolor=255)
    page = page.resize((1728, 2156), Image.BILINEAR)
    page = page.point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.Dither.NONE)
    draw = ImageDraw.Draw(page)
    for _ in range(400):
        draw.point((rnd.randrange(page.width), rnd.randrange(page.height)), fill=rnd.choice((0, 1)))
    buf = io.BytesIO()
    page.save(buf, format="TIFF", compression="group4", dpi=(204, 196))
    return buf.getvalue()


def build_hand(s: dict) -> tuple[bytes, dict]:
    msg = _envelope(s)
    msg.set_content(s["body"])
    img, rnd = _hand_page(s)
    if s["render"] == "fax_tiff":
        data, ctype, name = _fax_tiff(img, rnd), ("image", "tiff"), f"fax_{s['case']}.tif"
    else:
        data, ctype, name = _scan_pdf(img, rnd), ("application", "pdf"), f"scan_{s['case']}.pdf"
    msg.add_attachment(data, maintype=ctype[0], subtype=ctype[1], filename=name)
    msg.set_boundary(f"==sample-{s['case']}==")
    raw = msg.as_bytes(policy=SMTP)
    truth = {"case": s["case"], "set": "samples", "family": s["family"], "render": s["render"], "tags": s["tags"],
             "expect": s["expect"],
             "meta": {"message_date": s["date"],
                      "attachments": [{"filename": name, "content_type": "/".join(ctype), "bytes": len(data)}],
                      "render_info": {"resolution": "204x196" if s["render"] == "fax_tiff" else "300x300",
                                      "handwriting_font": s["font"], "handwriting_px": s["size"]}}}
    return raw, truth


def main_handwritten(only: set[str] | None = None) -> None:
    HAND_DIR.mkdir(exist_ok=True)
    for s in HAND_SAMPLES:
        if only and s["case"] not in only:
            continue
        raw, truth = build_hand(s)
        (HAND_DIR / f"{s['case']}.eml").write_bytes(raw)
        (HAND_DIR / f"{s['case']}.truth.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {len(HAND_SAMPLES)} handwritten samples to {HAND_DIR}")


def hand_expect(name, dob, dx, proc, visits, start, end, npi_, alerts=()):
    return expect(name, dob, dx, proc, visits, start, end, npi_, alerts=alerts, tolerated=HAND_TOLERATED)


hand_sample("hand01", "pad", "scan_pdf", "dkg", 70, "Wed, 04 Nov 2026 10:15:00 -0800", "frontdesk@mapleridge-im.example",
            "Scan from office copier", "Scanned prescription attached.\n", page=dict(
                header=["MAPLE RIDGE INTERNAL MEDICINE", "Lorenzo Vidal, MD",
                        "2210 Alder St, Eugene, OR 97401   Tel 541-555-0162", "NPI 1003842915"],
                fields=[("Patient:", "Marisol Quintero"), ("DOB:", "4/11/1971"), ("Date:", "11/2/2026"),
                        ("Rx:", "Massage therapy 97124"), ("Dx:", "Cervicalgia M54.2"),
                        ("Frequency:", "2x / week x 4 weeks")]),
            expect=hand_expect("Marisol Quintero", "1971-04-11", ["M54.2"], ["97124"], 8, "2026-11-02", "2026-11-30",
                               "1003842915"))

hand_sample("hand02", "note", "fax_tiff", "rufscript", 64, "Fri, 06 Nov 2026 16:40:00 -0500", "fax@calloway-md.example",
            "Fax from 6175550139 (1 page)", "You have received a 1 page fax.\n", page=dict(lines=[
                "Nov 5, 2026", "", "To the massage clinic -", "Theodore Banks   DOB 9/23/1964",
                "needs massage therapy, 6 visits,", "for low back pain M54.50", "and muscle spasm of back M62.830",
                "", "Ines Calloway MD", "NPI 1560273413"]),
            expect=hand_expect("Theodore Banks", "1964-09-23", ["M54.50", "M62.830"], [], 6, "2026-11-05", None,
                               "1560273413", alerts=["missing_end_date"]))

hand_sample("hand03", "box_form", "scan_pdf", "breip", 72, "Tue, 17 Nov 2026 09:05:00 -0800",
            "referrals@columbia-ortho.example", "Referral form", "Referral form attached.\n", page=dict(
                header=["COLUMBIA VALLEY ORTHOPEDICS",
                        "Referral for therapeutic massage    Phone 509-555-0147   Fax 509-555-0148"],
                boxes=[[("Patient name", 3, "Priscilla Hartmann"), ("Date of birth", 2, "07/02/1983")],
                       [("Diagnosis (ICD-10)", 3, "S13.4XXA neck sprain"), ("Number of visits", 2, "10")],
                       [("Start date", 2, "11/16/2026"), ("End date", 2, "01/15/2027"),
                        ("Physician NPI", 3, "1194708511")],
                       [("Referring physician", 1, "Oskar Lindahl MD")]]),
            expect=hand_expect("Priscilla Hartmann", "1983-07-02", ["S13.4XXA"], [], 10, "2026-11-16", "2027-01-15",
                               "1194708511"))

hand_sample("hand04", "pad", "fax_tiff", "femke", 66, "Tue, 10 Nov 2026 08:20:00 -0700", "fax@highland-fc.example",
            "Fax from 9705550127", "Fax attached.\n", page=dict(
                header=["HIGHLAND FAMILY CLINIC", "Beatrix Holloway, DO    NPI 1683920114",
                        "Tel 970-555-0126   Fax 970-555-0127"],
                fields=[("Name:", "Gideon Farraday"), ("DOB:", "12/30/1958"), ("Date:", "11/9/26"),
                        ("Rx:", "Massage 97124, 97140"), ("Dx:", "Pain in right shoulder M25.511"),
                        ("# visits:", "12")],
                lines=["Valid through 2/9/27"]),
            expect=hand_expect("Gideon Farraday", "1958-12-30", ["M25.511"], ["97124", "97140"], 12, "2026-11-09",
                               "2027-02-09", "1683920114"))

hand_sample("hand05", "note", "scan_pdf", "steve", 80, "Fri, 13 Nov 2026 11:45:00 -0600", "hpryce@prairie-neuro.example",
            "note for massage", "Please see the attached note.\n", page=dict(lines=[
                "11/12/2026", "Pt: Rosalind Achebe", "DOB: 3/14/1990", "Rx: massage therapy",
                "tension headache G44.209", "cervicalgia M54.2", "1x week for 6 weeks", "", "Harlan Pryce, MD",
                "NPI 1220746519"]),
            expect=hand_expect("Rosalind Achebe", "1990-03-14", ["G44.209", "M54.2"], [], 6, "2026-11-12",
                               "2026-12-24", "1220746519"))

hand_sample("hand06", "box_form", "fax_tiff", "dkg_bold", 60, "Thu, 19 Nov 2026 14:10:00 -0700",
            "fax@sunrise-spine.example", "Fax from 4805550190", "Fax attached.\n", page=dict(
                header=["SUNRISE SPINE CENTER - MASSAGE REFERRAL", "Fax the completed form to 480-555-0190"],
                boxes=[[("Patient (last, first)", 3, "Lindgren, Tove"), ("DOB", 2, "8/19/1976")],
                       [("ICD-10 code(s)", 3, "M54.50 M62.830"), ("Visits", 1, "8"), ("Date", 2, "11/18/2026")],
                       [("Provider", 3, "Camille Durand, NP"), ("NPI", 3, "1958430617")]]),
            expect=hand_expect("Tove Lindgren", "1976-08-19", ["M54.50", "M62.830"], [], 8, "2026-11-18", None,
                               "1958430617", alerts=["missing_end_date"]))

hand_sample("hand07", "pad", "scan_pdf", "steve", 62, "Fri, 20 Nov 2026 13:00:00 -0600", "scan@lakeshore-rehab.example",
            "Scanned document", "Scanned document attached.\n", page=dict(
                header=["LAKESHORE PAIN & REHAB", "Nadia Kowalczyk, MD", "Tel 414-555-0183"],
                fields=[("Patient name:", "Ambrose Whitfield"), ("Birth date:", "01/05/1969"), ("Date:", "11/19/2026"),
                        ("Diagnosis:", "Whiplash neck sprain S13.4XXA"), ("Treatment:", "Massage 3x/week for 2 weeks"),
                        ("NPI:", "1773095215")]),
            expect=hand_expect("Ambrose Whitfield", "1969-01-05", ["S13.4XXA"], [], 6, "2026-11-19", "2026-12-03",
                               "1773095215"))

hand_sample("hand08", "note", "fax_tiff", "breip", 88, "Wed, 02 Dec 2026 09:30:00 -0500", "fax@vasquez-fm.example",
            "Fax from 3135550174 (1 page)", "You have received a 1 page fax.\n", page=dict(lines=[
                "12/1/26", "Massage therapy for", "Wilhelmina Oyelaran", "born 6/6/1981", "low back pain M54.50",
                "8 sessions", "start 12/3/26", "Dr Teodor Vasquez", "NPI 1446601811"]),
            expect=hand_expect("Wilhelmina Oyelaran", "1981-06-06", ["M54.50"], [], 8, "2026-12-03", None,
                               "1446601811", alerts=["missing_end_date"]))

# the same sheets in another hand: a date of birth whose year is written with a gap ("01/05/19 69")
hand_sample("hand09", "pad", "fax_tiff", "dkg", 70, "Fri, 20 Nov 2026 13:00:00 -0600", "fax@lakeshore-rehab.example",
            "Fax from 4145550184", "Fax attached.\n", page=HAND_SAMPLES[6]["page"], seed="hand07v0",
            expect=hand_expect("Ambrose Whitfield", "1969-01-05", ["S13.4XXA"], [], 6, "2026-11-19", "2026-12-03",
                               "1773095215"), tags=["split_year"])

hand_sample("hand10", "note", "scan_pdf", "dkg", 70, "Fri, 06 Nov 2026 16:40:00 -0500", "scan@calloway-md.example",
            "Scanned note", "Scanned note attached.\n", page=HAND_SAMPLES[1]["page"], seed="hand02v0",
            expect=hand_expect("Theodore Banks", "1964-09-23", ["M54.50", "M62.830"], [], 6, "2026-11-05", None,
                               "1560273413", alerts=["missing_end_date"]), tags=["split_year"])

if __name__ == "__main__":
    import sys

    main_handwritten(set(sys.argv[1:]) or None)
