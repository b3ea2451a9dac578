"""The patient's name on a scan checked against the covering mail (parsers/name_check.py)."""

from __future__ import annotations

import pytest

from parsers.name_check import confirm, fold, mail_names

BODY = ("Hello,\n\nAttached is a massage therapy prescription for Miguel Williams. Please contact the "
        "patient to schedule.\n\nWilliam Nelson\nFront Desk\nMaple Grove Orthopedic Clinic\n")


def test_runs_of_capitalised_words_are_the_names_a_mail_may_give():
    runs = mail_names("Rx - Williams\n" + BODY)
    assert ["Williams"] in runs
    assert ["Miguel", "Williams"] in runs
    assert ["William", "Nelson"] in runs
    assert not any("Please" in r or "Front" in r for r in runs)
    assert ["Wesley", "J.", "Gallagher"] in mail_names("Referral for Wesley J. Gallagher, thanks")


@pytest.mark.parametrize(("page", "mail", "trusted", "want"), [
    ("Miguel Willams", BODY, False, "Miguel Williams"),  # OCR unsure of it, the mail typed it
    ("Jurgen Uller", "Subject: Referral for Jürgen Müller", True, "Jürgen Müller"),  # a punch hole ate the M
    ("Cundalpe Young", "Referral for Guadalupe Young", False, "Guadalupe Young"),  # a handwritten given name
    ("Renee Lefevre", "Rx - Lefèvre", True, "Renee Lefèvre"),  # the surname's spelling only
    ("Erin A. Becker", "Order for Erin Becker attached", True, "Erin A. Becker"),  # the page's initial kept
])
def test_the_mail_spelling_is_taken_when_the_mail_echoes_the_name(page, mail, trusted, want):
    assert confirm(page, mail, given_trusted=trusted) == want


@pytest.mark.parametrize(("page", "mail", "trusted"), [
    ("Renee Lefevre", "Rx - Lefèvre", False),  # surname only, and the given name was read unsurely
    ("Miguel Nelsen", BODY, False),  # "William Nelson" is the sender: his given name is not the patient's
    ("Olivia Harris", "Please find attached the order for massage therapy.", True),  # no name in the mail
    ("Karen Tanka", "Referral for Karen Tanaka and Karin Tanaka", True),  # two people it could be
    ("Harris", "Referral for Olivia Harris", True),  # one word read from the page: nothing to compare
])
def test_no_answer_without_an_echo_or_with_two(page, mail, trusted):
    assert confirm(page, mail, given_trusted=trusted) is None


def test_fold_ignores_case_and_accents():
    assert fold("Müller") == fold("MULLER") == "muller"
