"""Patient names in every template a referral uses, in both "First Last" and "LAST, FIRST" order."""

import sys

import pytest

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
