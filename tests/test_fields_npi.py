"""NPIs: the check digit, labels, and the phone/fax/claim numbers that are not NPIs."""

from parsers.fields.npi import check_digit, find_npi, luhn_ok
from parsers.fields.patient import clean_name, find_patient
from parsers.fields.prescriber import find_prescriber


def test_check_digit():
    assert luhn_ok("1234567893")
    assert not luhn_ok("1234567890")
    assert check_digit("123456789") == "3"


def test_labelled_npi_even_when_invalid():
    assert find_npi("NPI: 1174333050 DEA # BF3770864") == "1174333050"
    assert find_npi("Authorizing provider: DOE, JANE MD (NPI 1523866170)") == "1523866170"


def test_form_column_npi():
    assert find_npi("PRINTED NAME / CREDENTIALS NPI\nHannah Valdez, PA-C 1285177162\nPHONE / FAX") == "1285177162"


def test_phone_and_fax_are_not_npi():
    assert find_npi("Tel 5415550148\nPlease fax completed form to 1234567893") is None
    assert find_npi("Member ID 1234567893") is None


def test_unlabelled_valid_npi():
    assert find_npi("Jane Smith, MD\n1234567893") == "1234567893"


def test_patient_names():
    assert clean_name("DOE, JANE") == "Jane Doe"
    assert clean_name("Jane Q. Doe") == "Jane Q. Doe"
    assert clean_name("SMITH-JONES, MIN-JI") == "Min-Ji Smith-Jones"
    assert find_patient("Name: Rivera, Cody MRN: 1234 Sex: Male")[0] == "Cody Rivera"
    assert find_patient("RE: Lefèvre, Renée DOB: 1958-05-20")[0] == "Renée Lefèvre"
    assert find_patient("I am referring my patient, Raj O'Brien, for massage")[0] == "Raj O'Brien"
    assert find_patient("PATIENT NAME DOB PHONE\nTamika Van der Berg Apr 22, 2001 (541) 555-9755")[0] == \
        "Tamika Van der Berg"
    assert find_patient("Authorizing provider: DELACROIX, CLAIRE DO") is None


def test_prescriber_names():
    assert find_prescriber("Authorizing provider: DELACROIX, CLAIRE DO (NPI 1523866170)") == "Claire Delacroix, DO"
    assert find_prescriber("Sincerely,\nElena Delacroix, MD\nOrthopaedics") == "Elena Delacroix, MD"


def test_look_alike_letters_in_a_labelled_npi_only_when_the_check_digit_holds():
    from parsers.fields.npi import find_npi

    assert find_npi("NPl: l234567893") == "1234567893"
    assert find_npi("NPI: 1234567B93") == "1234567893"
    assert find_npi("NPI: l234567894") is None  # fails the check digit once read: no value
