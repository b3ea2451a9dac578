"""Patient names in every template a referral uses, in both "First Last" and "LAST, FIRST" order."""

import sys

import pytest

from parsers.fields.confidence import ConfText
from parsers.fields.patient import find_patient
from tests.conftest import SHARED

NAMES = [("Min-ji Smith-Jones", "SMITH-JONES, MIN-JI"), ("Raj O'Brien", "O'BRIEN, RAJ"), ("Zoë Brontë", "Brontë, Zoë"),
         ("Tamika Van der Berg", "VAN DER BERG, TAMIKA"), ("Maria de la Cruz", "DE LA CRUZ, MARIA"),
         ("Björn Åkesson", "ÅKESSON, BJÖRN"), ("Robert E. Flores", "FLORES, ROBERT E"),
         ("Ana Lucía Beltrán", "BELTRÁN, ANA LUCÍA"), ("Steven O’Neill", "O’NEILL, STEVEN")]
LABELLED = ["Name: {n} MRN: 123 Sex: Male", "Name {n} Date 4/13/2026", "RE: {n} DOB: 2005-04-19",
            "Patient Name: {n}\nDOB: 1/2/1970", "PATIENT NAME DOB PHONE\n{n} Apr 22, 2001 (541) 555-9755",
            "PATIENT NAME (Last, First) DATE OF BIRTH PHONE\n{n} 10/24/1983 (520) 555-4071",
            "Hello,\n\n{n} (Date of Birth 1968-07-07) would benefit from massage", "Re: {n} Date of Birth: 8/5/1964"]
PROSE = ["I am referring my patient, {n}, for massage therapy.", "I am writing to refer {n} for therapeutic massage",
         "{n} (DOB 1/5/1979) - please see for massage", "Please schedule {n}, DOB: 03/30/1992, for massage"]


def _match(truth, pred):
    sys.path.insert(0, str(SHARED / "tools"))
    from score import name_match

    return name_match(truth, pred)


@pytest.mark.parametrize("full, caps", NAMES)
def test_every_template(full, caps):
    for template in LABELLED:
        for form in (full, caps):
            found = find_patient(template.format(n=form))
            assert found and _match(full, found[0]), (template, form, found)
    for template in PROSE:
        found = find_patient(template.format(n=full))
        assert found and _match(full, found[0]), (template, found)


@pytest.mark.parametrize("text", ["Narne: Jane Smith", "Patlent: Jane Smith", "Patient Narne: Jane Smith", "Name; Jane Smith"])
def test_patient_labels_as_ocr_reads_them(text):
    from parsers.fields.patient import find_patient

    assert find_patient(text)[0] == "Jane Smith"


def test_form_underline_glued_to_a_name_word():
    from parsers.fields.patient import find_patient

    assert find_patient("Name Robert —E. Flores Date 8/2/2026")[0] == "Robert E. Flores"
    assert find_patient("Patient: Jane –Smith")[0] == "Jane Smith"


def _scan(rows: list[tuple[int, str]], char: int = 20) -> "ConfText":
    """A scanned page as OCR returns it: one row per line (its left edge in pixels, its words), every
    character `char` pixels wide, words one character apart, all read at 90."""
    from parsers.documents import PageText, Word
    from parsers.fields.confidence import join_pages

    words = []
    for line, (left, row) in enumerate(rows):
        x = left
        for token in row.split():
            words.append(Word(text=token, conf=90.0, line=line, left=x, top=100 + 50 * line,
                              width=char * len(token), height=30))
            x += char * (len(token) + 1)
    return join_pages([PageText(text="\n".join(row for _, row in rows), source="ocr", words=words)])


# a referral form's patient cell: the label over the name, the address cell under it, all flush left
_FORM = [(180, "PATIENT NAME (Last, First) DATE OF BIRTH"), (None, "{name} 05/10/1961"), (179, "ADDRESS"),
         (192, "4588 Summit Ave, Albuquerque NM"), (167, "Dx"), (183, "M79.7")]


def _form(name_left: int) -> "ConfText":
    return _scan([(name_left if left is None else left, row.format(name="KELLER, ANDREA")) for left, row in _FORM])


def test_a_name_that_starts_a_letter_right_of_its_column_is_not_trusted():
    from parsers.fields.patient import starts_right_of_column
    from parsers.prescription import read_prescription

    # a punch hole over the first letter: OCR read "ELLER, ANDREA", starting one letter in
    ct = _scan([(226 if left is None else left, row.format(name="ELLER, ANDREA")) for left, row in _FORM])
    found = find_patient(ct.text)
    assert found and found[0] == "Andrea Eller"
    assert starts_right_of_column(ct, found[1], found[2])
    rx, alerts = read_prescription(ct, 60)
    assert rx.patient.name is None
    assert [a.field for a in alerts if a.code == "low_confidence"] == ["patient.name"]


@pytest.mark.parametrize("name_left", [185, 195, 203])
def test_a_name_flush_with_its_column_is_read(name_left):
    from parsers.fields.patient import starts_right_of_column
    from parsers.prescription import read_prescription

    ct = _form(name_left)
    found = find_patient(ct.text)
    assert found and not starts_right_of_column(ct, found[1], found[2])
    assert read_prescription(ct, 60)[0].patient.name == "Andrea Keller"


def test_column_edge_needs_lines_above_and_below_and_a_leading_name():
    from parsers.fields.patient import starts_right_of_column

    # nothing under the name to compare with: no edge to tell from
    ct = _scan([(180, "PATIENT NAME"), (230, "ELLER, ANDREA 05/10/1961")])
    found = find_patient(ct.text)
    assert found and not starts_right_of_column(ct, found[1], found[2])
    # a label before the name on its line: the name does not open a column
    ct = _scan([(180, "Clinic notes"), (180, "Name: Andrea Keller"), (180, "Address: 4588 Summit Ave")])
    found = find_patient(ct.text)
    assert found and not starts_right_of_column(ct, found[1], found[2])
    # a line indented on purpose, far right of the text around it: not a lost letter
    ct = _scan([(180, "PATIENT NAME"), (300, "KELLER, ANDREA"), (180, "ADDRESS"), (180, "4588 Summit Ave")])
    found = find_patient(ct.text)
    assert found and not starts_right_of_column(ct, found[1], found[2])
    # no page positions (a text layer): nothing to check
    text = "PATIENT NAME\nKELLER, ANDREA\nADDRESS"
    assert not starts_right_of_column(ConfText(text, "text_layer", [None] * len(text)), 13, 27)


def test_table_rules_and_specks_are_not_where_a_line_starts():
    from parsers.fields.patient import starts_right_of_column

    # every cell opens with its border read as "|": the name is flush with the values of its column
    ct = _scan([(150, "| PATIENT NAME"), (150, "| KELLER, ANDREA 05/10/1961"), (150, "| ADDRESS"),
                (150, "| 4588 Summit Ave")])
    found = find_patient(ct.text)
    assert found and found[0] == "Andrea Keller" and not starts_right_of_column(ct, found[1], found[2])
    # the punch hole read as a mark before the surname it ate into: still one letter in
    ct = _scan([(180, "PATIENT NAME"), (186, "~ ELLER, ANDREA 05/10/1961"), (180, "ADDRESS"), (190, "4588 Summit Ave")])
    found = find_patient(ct.text)
    assert found and starts_right_of_column(ct, found[1], found[2])
