"""ICD-10-CM and CPT codes as written, with OCR slips corrected only into real codes."""

import pytest

from parsers import icd10
from parsers.fields.codes import find_cpt, find_icd10


def codes(text):
    return [f.code for f in find_icd10(text, icd10.lookup)]


@pytest.mark.parametrize("text, expected", [
    ("Cervicalgia [M54.2]", ["M54.2"]),
    ("Dx: m542", ["M54.2"]),
    ("ICD-10: M25.551 Pain in right hip\nM79.604 Pain in right leg", ["M25.551", "M79.604"]),
    ("Dx: M79.7; M79.18, M54.2 and M54.2 again", ["M79.7", "M79.18", "M54.2"]),
    ("Diagnoses\nMuscle spasm [M62838]\nAdhesive capsulitis [M7501]", ["M62.838", "M75.01"]),
    ("Dx: S134XXA", ["S13.4XXA"]),
    ("Dx: $13.4XXA sprain of ligaments of cervical spine", ["S13.4XXA"]),
    ("Dx: M5O.30", ["M50.30"]),
    ("DIAGNOSIS\n644309 Post-traumatic headache, unspecified, not intractable", ["G44.309"]),
    ("Dx: M54.5 low back pain", ["M54.5"]),  # a header: kept, the rules engine says why it cannot be billed
])
def test_codes(text, expected):
    assert codes(text) == expected


def test_invalid_code_written_as_a_code_is_kept():
    assert codes("neck pain (M5421) and spasm (M62838)") == ["M54.21", "M62.838"]


def test_numbers_that_are_not_codes():
    text = ("Madison, WI 53703  Member ID W339783745  MRN638775  DEA BG2393356  Suite A01.1\n"
            "Diagnoses\nPhone (541) 555-9755\nSuite B12")
    assert codes(text) == []


def test_diagnosis_in_words_gives_no_code():
    assert codes("Diagnosis: whiplash, sprained wrist") == []


def test_cpt_written():
    assert find_cpt("massage therapy (CPT 97124), manual therapy (CPT 97140)") == ["97124", "97140"]


def test_cpt_only_checked_boxes():
    form = ("TREATMENT (check all that apply):\nX 97124 Massage therapy 97140 Manual therapy\n"
            "☒ 97110 Therapeutic exercise ☐ 97112 Neuromuscular re-education\n[ ] 97530 Activities [X] 97010 Packs")
    assert find_cpt(form) == ["97124", "97110", "97010"]


def test_zip_codes_are_not_cpt():
    assert find_cpt("532 Riverside Dr\nMedford, OR 97501\nHillsboro, OR 97124") == []


def test_code_with_dash_description_and_cpt_modifiers():
    assert codes("Dx: M54.2-Cervicalgia; M62.830-spasm; call 555-1234") == ["M54.2", "M62.830"]
    assert find_cpt("CPT: 97140-GP, 97124-59 x 2 units") == ["97140", "97124"]


def test_ocr_comma_for_dot():
    assert codes("Dx: M54,50 - LBP") == ["M54.50"]


def test_phone_number_read_as_code():
    assert codes("DATE OF BIRTH | PHONE\nIA47-O2-Ol | C541) 555-1540\nDx\nC541) 555-1540") == []


def test_undotted_codes_need_a_diagnosis_context():
    text = "A080 Summit Ave, Sacramento\nDx: M7912 - Myalgia of auxiliary muscles\nR519 - Headache\nCPT 97124"
    assert codes(text) == ["M79.12", "R51.9"]


@pytest.mark.parametrize("mark", ["[XJ", "({X]}", "|X|", "[x]", "(X)", "&", "@", "©", "IX]"])
def test_ticked_box_as_ocr_reads_it(mark):
    form = f"TREATMENT (check all that apply):\n{mark} 97124 Massage therapy  [_] 97140 Manual therapy\nCJ 97110 Exercise"
    assert find_cpt(form) == ["97124"]


@pytest.mark.parametrize("empty", ["[_]", "(J", "CJ", "LJ", "0", "O", "[ ]", "(]"])
def test_empty_box_as_ocr_reads_it(empty):
    form = f"TREATMENT (check all that apply):\n{empty} 97530 Activities [X] 97010 Packs"
    assert find_cpt(form) == ["97010"]


def test_state_and_zip_still_not_cpt_beside_a_form():
    assert find_cpt("Eugene, OR 97124\ncheck all that apply\n[XJ 97112 NMR") == ["97112"]


def test_diagnosis_list_goes_on_past_a_wrapped_description():
    text = ("Dx: M48.061 - Spinal stenosis, lumbar region\nwithout neurogenic claudication\n"
            "M77.11 - Lateral epicondylitis, right elbow\nMS4.50 - LBP\nInclude home program\nRefills: 1 2 3")
    assert codes(text) == ["M48.061", "M77.11", "M54.50"]


def test_a_capitalised_line_still_ends_a_diagnosis_list():
    assert codes("Dx: M48.061 - Spinal stenosis\nInclude home stretching\nMS4.50 - LBP") == ["M48.061"]


@pytest.mark.parametrize("text, expected", [
    ("Diagnosls: M542", ["M54.2"]),
    ("lCD-1O: M542", ["M54.2"]),
    ("Dx: N54.2 Cervicalgia", ["M54.2"]),
    ("Dx: H79.7 Fibromyalgia", ["M79.7"]),
    ("Dx: N54.2", ["N54.2"]),  # no description to vouch for a letter slip: kept as written (invalid)
])
def test_ocr_slips_in_labels_and_first_letters(text, expected):
    assert codes(text) == expected


def _reading(text: str, conf: float):
    from parsers.fields.confidence import ConfText

    return ConfText(text, "ocr", [conf] * len(text))


# tesseract lost the M of M62.831 to the index mark touching it; the second reader read the code whole
_TESSERACT = "DIAGNOSIS\n62831 os\nM79.605"
_SECOND = "DIAGNOSIS\nM62.831\nM79.605"


def test_a_lost_first_letter_is_taken_from_readings_that_all_read_the_code_whole():
    from parsers.fields.codes import letter_lost_codes

    # M62.831 and Z62.831 both exist: the code set alone cannot give the letter back
    assert icd10.lookup("M62.831") and icd10.lookup("Z62.831")
    assert letter_lost_codes(_TESSERACT, [_reading(_SECOND, 99), _reading(_SECOND, 98)], icd10.lookup, 95) == ["M62.831"]
    # glued to the words around it, as the second reader writes a line
    glued = _reading("ICD-10:M62.831-Musclespasmofcalf", 99)
    assert letter_lost_codes("ICD-10: 62831 Muscle spasm of calf", [glued, glued], icd10.lookup, 95) == ["M62.831"]


@pytest.mark.parametrize("tesseract, readings", [
    (_TESSERACT, [(_SECOND, 99), (_SECOND, 90)]),  # one reading under the gate
    (_TESSERACT, [(_SECOND, 99), ("DIAGNOSIS\nM67.831\nM79.605", 99)]),  # the readings disagree
    (_TESSERACT, []),  # no second reading at all
    ("DIAGNOSIS\n62881\nM79.605", [(_SECOND, 99), (_SECOND, 99)]),  # tesseract's digits are not the code's
    ("DIAGNOSIS\nM62.831\nM79.605", [(_SECOND, 99), (_SECOND, 99)]),  # tesseract read it whole: nothing lost
    ("DIAGNOSIS\n62839\nM79.605", [("DIAGNOSIS\nM62.839\nM79.605", 99)] * 2),  # no such code
])
def test_a_lost_letter_is_not_restored_without_agreement(tesseract, readings):
    from parsers.fields.codes import letter_lost_codes

    assert letter_lost_codes(tesseract, [_reading(t, c) for t, c in readings], icd10.lookup, 95) == []
