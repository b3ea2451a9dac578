"""Whole prescriptions in wordings beyond the corpus: labels, ranges, validity, counts in prose."""

from datetime import date

import pytest

from parsers.fields.confidence import ConfText
from parsers.prescription import read_prescription

HEADER_DATE = date(2026, 11, 3)


def read(text: str, body: bool = True):
    return read_prescription(ConfText(text, "body", [None] * len(text)), 60, body=body, header_date=HEADER_DATE)


@pytest.mark.parametrize("text, name, visits, start, end", [
    ("Patient: Jane Doe (DOB 01/02/1980)\nDx: M54.2\nVisits authorized: 12\nEffective: 11/03/2026 - 12/31/2026",
     "Jane Doe", 12, "2026-11-03", "2026-12-31"),
    ("Pt Name: DOE, JANE\nDOB: 1/2/1980\nICD10 Codes: M54.2, M62.830\nQuantity: 12 visits\n"
     "Authorization period: 11/05/2026 to 12/31/2026", "Jane Doe", 12, "2026-11-05", "2026-12-31"),
    ("Jane Doe, DOB 01/02/1980\nDiagnosis: Cervicalgia (M54.2)\nMassage weekly x 6 weeks\nDate of Referral: 11/02/2026",
     "Jane Doe", 6, "2026-11-02", "2026-12-14"),
    ("RE: Jane Doe / DOB 01/02/1980\nDx: M54.2\nFrequency/Duration: 2x/wk for 6 wks\nGood for 60 days",
     "Jane Doe", 12, "2026-11-03", "2026-12-15"),
    ("Name: Jane Doe\nDOB: 01-02-1980\nDx: M54.2\n12 massage therapy sessions\nSigned: Dr. John Smith 11/02/2026",
     "Jane Doe", 12, "2026-11-02", None),
    ("Patient: Jane Doe\nBirthdate: 1/2/80\nDx: M54.2\nVisits: 2x/week x 4 weeks (8 total)", "Jane Doe", 8,
     "2026-11-03", "2026-12-01"),
    ("Patient: Jane Doe\nDOB: 01/02/1980\nDx: M54.2\nMassage therapy, 10 visits. Rx valid 30 days.", "Jane Doe", 10,
     "2026-11-03", "2026-12-03"),
])
def test_wordings(text, name, visits, start, end):
    rx, _ = read(text)
    assert rx.patient.name == name
    assert rx.patient.dob == date(1980, 1, 2)
    assert [d.code for d in rx.diagnoses][:1] == ["M54.2"]
    assert rx.visits == visits
    assert str(rx.start_date) == start
    assert (str(rx.end_date) if rx.end_date else None) == end


def test_dob_never_becomes_start_or_written():
    rx, _ = read("Patient: Jane Doe\nDOB: 04/03/1980\nDx: M54.2\n8 visits", body=False)
    assert rx.patient.dob == date(1980, 4, 3)
    assert rx.written_date is None and rx.start_date is None


def test_body_without_date_takes_header_date():
    rx, _ = read("Patient: Jane Doe\nDOB: 04/03/1980\nDx: M54.2\n8 visits")
    assert rx.written_date == HEADER_DATE == rx.start_date


def test_range_warning():
    rx, alerts = read("Patient: Jane Doe\nDOB: 04/03/1980\nDx: M54.2\n1-2x/week x 4 weeks")
    assert rx.visits == 8
    assert [(a.code, a.severity, a.field) for a in alerts] == [("frequency_range", "warning", "visits")]


def test_low_confidence_value_is_null_with_alert():
    text = "Patient: Jane Doe\nDOB: 04/03/1980\nDx: M54.2\n8 visits"
    conf = [90.0] * len(text)
    at = text.index("04/03/1980")
    conf[at:at + 10] = [35.0] * 10
    rx, alerts = read_prescription(ConfText(text, "ocr", conf), 60, header_date=HEADER_DATE)
    assert rx.patient.dob is None
    assert [(a.code, a.field) for a in alerts] == [("low_confidence", "patient.dob")]
    assert rx.patient.name == "Jane Doe" and rx.visits == 8


def test_two_columns_on_one_line():
    rx, _ = read("Patient: Jane Doe     Provider: John Smith, MD\nDOB: 01/02/1980   Phone: 555-0100\nDx: M54.2\n8 visits")
    assert rx.patient.name == "Jane Doe"
    assert rx.patient.dob == date(1980, 1, 2)


def test_authorization_period_with_through():
    rx, _ = read("Patient: Jane Doe\nDOB: 01/02/1980\nDx: M54.2\n8 visits\nAuthorization: 11/01/2026 through 12/31/2026")
    assert (str(rx.start_date), str(rx.end_date)) == ("2026-11-01", "2026-12-31")


@pytest.mark.parametrize("line, written", [
    ("Electronically signed 11/03/2026", "2026-11-03"),
    ("Signed by Dr. Ann Lee on 11/04/2026", "2026-11-04"),
    ("Printed on 11/09/2026", None),  # when the page was printed says nothing about when it was written
])
def test_written_date_sources(line, written):
    rx, _ = read("Patient: Jane Doe\nDOB: 1/2/1980\nDx: M54.2\n8 visits\n" + line, body=False)
    assert (str(rx.written_date) if rx.written_date else None) == written


def test_other_events_are_not_the_written_date():
    rx, _ = read("Patient: Jane Doe\nDOB: 1/2/1980\nInjury date: 10/01/2026\nNext appointment 12/01/2026\n"
                 "Dx: S16.1XXA\n8 visits", body=False)
    assert rx.written_date is None and rx.start_date is None


def test_garbled_date_on_a_scan_is_low_confidence_not_missing():
    text = "Name LEFEVRE, RENEE Date G/18/14\nAddress 36 Oak Street, Boise DOB 5/VU/I95¢\nDx: M62.838\n24 sessions"
    rx, alerts = read_prescription(ConfText(text, "ocr", [90.0] * len(text)), 60)
    assert rx.patient.dob is None and rx.written_date is None
    assert {a.field for a in alerts if a.code == "low_confidence"} == {"patient.dob", "written_date"}


def test_impossible_date_on_a_scan_is_low_confidence():
    text = "Name: Jane Doe Date 10/12/2926\nDOB: 07/13/2006\nDx: M75.01\n6 visits"
    rx, alerts = read_prescription(ConfText(text, "ocr", [90.0] * len(text)), 60, header_date=date(2026, 10, 14))
    assert rx.written_date is None and rx.start_date is None
    assert [a.field for a in alerts if a.code == "low_confidence"] == ["written_date"]


def test_garbled_date_in_a_form_row():
    text = "PATIENT NAME DOB PHONE\nOlivia Harris W4/1A4A (253) 555-1184\nDIAGNOSIS\nM79.11\n10 visits"
    rx, alerts = read_prescription(ConfText(text, "ocr", [90.0] * len(text)), 60)
    assert rx.patient.dob is None and rx.patient.name == "Olivia Harris"
    assert "patient.dob" in {a.field for a in alerts if a.code == "low_confidence"}


def _ocr(text: str, low: dict[str, float]) -> ConfText:
    """`text` as OCR words at confidence 90, the words in `low` at their given confidence."""
    conf = [90.0] * len(text)
    for word, c in low.items():
        at = text.index(word)
        conf[at:at + len(word)] = [c] * len(word)
    return ConfText(text, "ocr", conf)


def test_debris_between_frequency_and_duration_on_a_scan():
    text = "Patient: Jane Doe\nDOB: 04/03/1980\nDx: M54.2\nStart date 11/02/2026\n| 3 x/week iz 2 weeks |"
    rx, alerts = read_prescription(_ocr(text, {" iz ": 25}), 60, header_date=HEADER_DATE)
    assert rx.visits == 6 and rx.frequency.per_week == 3 and rx.frequency.weeks == 2
    assert not [a for a in alerts if a.code == "low_confidence"]


def test_a_confident_word_between_frequency_and_duration_still_separates_them():
    text = "Patient: Jane Doe\nDOB: 04/03/1980\nDx: M54.2\nStart date 11/02/2026\n3 x/week, re-evaluate in 2 weeks"
    rx, _ = read_prescription(_ocr(text, {}), 60, header_date=HEADER_DATE)
    assert rx.visits is None


_DEBRIS = "\nVow df aitedoat Damen prescriptive peal Ottitiog Pernithed"
_DEBRIS_LOW = {w: 5 for w in ("Vow", "aitedoat", "Damen", "prescriptive", "peal", "Ottitiog", "Pernithed")}


def _flags(alerts):
    return {a.field for a in alerts if a.code == "low_confidence"}


def test_field_without_even_its_label_on_a_shaky_scan_is_low_confidence():
    text = "Patient: Jane Doe\nDx: M54.2\n8 visits\nDate 11/02/2026\nNPI 1234567893" + _DEBRIS
    rx, alerts = read_prescription(_ocr(text, _DEBRIS_LOW), 60, header_date=HEADER_DATE)
    assert rx.patient.dob is None and _flags(alerts) == {"patient.dob"}


def test_field_missing_from_a_clean_scan_stays_missing():
    text = "Patient: Jane Doe\nDx: M54.2\n8 visits\nDate 11/02/2026\nNPI 1234567893" + _DEBRIS
    _, alerts = read_prescription(_ocr(text, {}), 60, header_date=HEADER_DATE)
    assert _flags(alerts) == set()


def test_empty_labelled_field_on_a_shaky_scan_stays_missing():
    text = "Patient: Jane Doe\nAddress 12 Oak St   DOB\nDx: M54.2\n8 visits\nDate 11/02/2026\nNPI 1234567893" + _DEBRIS
    _, alerts = read_prescription(_ocr(text, _DEBRIS_LOW), 60, header_date=HEADER_DATE)
    assert "patient.dob" not in _flags(alerts)


def test_garbled_npi_under_its_column_is_low_confidence():
    text = ("Patient: Jane Doe\nDOB: 04/03/1980\nDx: M54.2\n8 visits\nDate 11/02/2026\n"
            "PRINTED NAME / CREDENTIALS | NPI\n(Cennetn Yanareke, MID | IG3IGV5V8G")
    rx, alerts = read_prescription(_ocr(text, {"IG3IGV5V8G": 4, "(Cennetn Yanareke,": 35}), 60, header_date=HEADER_DATE)
    assert rx.prescriber.npi is None and "prescriber.npi" in _flags(alerts)



def test_month_spelled_out_vouches_for_itself_but_not_for_its_digits():
    text = "Patient: Jane Doe\nDOB: 04/03/1980\nDx: M54.2\n8 visits\nDate “February 20, 2026"
    rx, alerts = read_prescription(_ocr(text, {"“February": 50}), 60, header_date=HEADER_DATE)
    assert rx.written_date == date(2026, 2, 20) and not _flags(alerts)
    rx, alerts = read_prescription(_ocr(text, {"“February": 50, "20,": 45}), 60, header_date=HEADER_DATE)
    assert rx.written_date is None and "written_date" in _flags(alerts)
    short = "Patient: Jane Doe\nDOB: 04/03/1980\nDx: M54.2\n8 visits\nDate July 20, 2026"
    rx, alerts = read_prescription(_ocr(short, {"July": 50}), 60, header_date=HEADER_DATE)
    assert rx.written_date is None  # "June"/"July" are one slip apart: no pass for short months


def test_debris_inside_a_scanned_name_is_dropped_at_its_ends_refused():
    text = "PATIENT NAME (Last, First)\nCh Mitchell, Lauren\nDOB: 04/03/1980\nDx: M54.2\n8 visits\nDate 11/02/2026"
    rx, alerts = read_prescription(_ocr(text, {}), 60, header_date=HEADER_DATE)
    assert rx.patient.name == "Lauren Mitchell" and "patient.name" not in _flags(alerts)
    text = "Patient: Ct Mitchell\nDOB: 04/03/1980\nDx: M54.2\n8 visits\nDate 11/02/2026"
    rx, alerts = read_prescription(_ocr(text, {}), 60, header_date=HEADER_DATE)
    assert rx.patient.name is None and "patient.name" in _flags(alerts)


def _ocr_page(text: str, conf: dict[str, float] | None = None, default: float = 92.0):
    """A page as an OCR reader returns it: every word of `text` at `default`, those named in `conf` at theirs."""
    from parsers.documents import PageText, Word

    words = [Word(text=tok, conf=(conf or {}).get(tok, default), line=n)
             for n, row in enumerate(text.split("\n")) for tok in row.split()]
    return PageText(text=text, source="ocr", words=words)


def test_end_date_follows_a_start_date_the_second_reader_filled():
    """Tesseract read the duration but not the date; the second reader read the date (twice, at 99)
    but glued the schedule's words together, so its own reading has no duration. The end date is
    the start the second reader confirmed plus the weeks tesseract read."""
    from datetime import datetime, timezone

    from parsers.documents import Document, Message
    from parsers.prescription import parse_prescription

    page = _ocr_page("Name NELSON, RYAN pate 2/8/2026\nICD-10: M62.838 - Other muscle spasm\n"
                     "6 sessions (2x/wk x 3 wks)\nNPI 1041554654", {"pate": 24.0, "2/8/2026": 33.0})
    page.second = [_ocr_page("Name NELSON,RYAN Date 9/8/2026\nICD-10:M62.838-Othermusclespasm\n6sessions(2x/wkx3wks)",
                             default=99.0) for _ in range(2)]
    msg = Message(path="rx.eml", date=datetime(2026, 9, 10, 12, tzinfo=timezone.utc),
                  documents=[Document(filename="rx.jpg", content_type="image/jpeg", data=b"x", pages=[page])])
    rx, alerts = parse_prescription(msg)
    assert rx.start_date == date(2026, 9, 8) and rx.visits == 6
    assert rx.end_date == date(2026, 9, 29)
    assert not any(a.field in ("start_date", "end_date") for a in alerts)


def test_a_code_whose_letter_tesseract_lost_is_taken_from_the_second_readings_in_place():
    """An index mark touching the M of M62.831: tesseract read "62831" (at 24), the second reader
    read the whole code at 99 in both its readings; the code goes first, where it is written."""
    from parsers.documents import Document, Message
    from parsers.prescription import parse_prescription

    page = _ocr_page("PATIENT NAME\nTiffany A. Hoffman\nDIAGNOSIS\n62831 os\nM79.605\nNPI 1525760306",
                     {"62831": 24.0, "os": 16.0})
    page.second = [_ocr_page("PATIENTNAME\nTiffanyA.Hoffman\nDIAGNOSIS\nM62.831\nM79.605\nNPI1525760306", default=c)
                   for c in (99.5, 99.6)]
    msg = Message(path="rx.eml", documents=[Document(filename="rx.jpg", content_type="image/jpeg", data=b"x",
                                                     pages=[page])])
    rx, _ = parse_prescription(msg)
    assert [d.code for d in rx.diagnoses] == ["M62.831", "M79.605"]
    page.second = [_ocr_page(page.second[0].text, default=99.5), _ocr_page(page.second[0].text, default=80.0)]
    rx, _ = parse_prescription(msg)
    assert [d.code for d in rx.diagnoses] == ["M79.605"]  # one reading unsure: the letter stays lost
