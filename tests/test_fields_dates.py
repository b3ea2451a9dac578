"""Dates as US offices write them, and the labels that say which date is which."""

from datetime import date

import pytest

from parsers.fields import labels as L
from parsers.fields.dates import find_dates, parse_date


@pytest.mark.parametrize("text, expected", [
    ("11/03/2026", date(2026, 11, 3)),
    ("11-3-26", date(2026, 11, 3)),
    ("Nov 3, 2026", date(2026, 11, 3)),
    ("Nov. 3 2026", date(2026, 11, 3)),
    ("3 November 2026", date(2026, 11, 3)),
    ("3rd of November, 2026", date(2026, 11, 3)),
    ("2026-11-03", date(2026, 11, 3)),
    ("Sept 9, 1990", date(1990, 9, 9)),
    ("DOB: 5/8/07", date(2007, 5, 8)),
    ("born 1/2/48", date(1948, 1, 2)),
    ("on 4/5/2026 7:10 AM", date(2026, 4, 5)),
])
def test_common_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["Tel 828-555-0179", "M54.2", "1/2/3", "13/45/2026", "Pad #26675", "97124", ""])
def test_not_dates(text):
    assert parse_date(text) is None


def test_several_dates_in_order():
    found = find_dates("Start 11/09/2026, ends Jan 4, 2027 (signed 2026-11-03)")
    assert [f.value for f in found] == [date(2026, 11, 9), date(2027, 1, 4), date(2026, 11, 3)]


def test_dob_is_never_a_start_date():
    text = "DOB: 04/03/1980\nDate: 11/02/2026"
    assert [h.value for h in L.dated_after(text, L.DOB)] == [date(1980, 4, 3)]
    assert L.dated_after(text, L.START) == []
    hits = L.dated_after(text, L.DATE_WORD, guard=L.date_word_guard, gap_letters=0)
    assert [h.value for h in hits] == [date(2026, 11, 2)]


def test_expiry_labels():
    for text in ("Valid through: 12/31/2026", "Expires 12/31/2026", "Expiration date: December 31, 2026",
                 "valid until 2026-12-31", "End date: 31 December 2026"):
        assert [h.value for h in L.dated_after(text, L.END)] == [date(2026, 12, 31)], text


def test_form_column_value_on_next_line():
    text = "PATIENT NAME DATE OF BIRTH PHONE\nTanaka, Caleb 10/24/1983 (520) 555-4071"
    assert [h.value for h in L.column_values(text, L.DOB, "date")] == [date(1983, 10, 24)]


def test_a_label_never_reaches_past_another_labelled_value():
    assert L.dated_after("DOB: n/a Sex: F 11/03/2026", L.DOB) == []
    assert [h.value for h in L.dated_after("DOB/Age: 01/02/1980 (45)", L.DOB)] == [date(1980, 1, 2)]


def test_signature_line_date_above_its_label():
    text = "SPECIAL INSTRUCTIONS\nVictor Greenberg   February 20, 2026\nPHYSICIAN SIGNATURE DATE\nNPI 1234567893"
    assert [h.value for h in L.signature_line_dates(text)] == [date(2026, 2, 20)]


@pytest.mark.parametrize("text, expected", [
    ("DOB: O4/03/198O", date(1980, 4, 3)),
    ("DOB: l2/17/1949", date(1949, 12, 17)),
    ("DOB: 12/l7/1949", date(1949, 12, 17)),
    ("DOB 5/2O/1958", date(1958, 5, 20)),
    ("DOB: 04/03/I980", date(1980, 4, 3)),
    ("DOB: Apr 3, l980", date(1980, 4, 3)),
    ("Start 2O26-11-O3", date(2026, 11, 3)),
])
def test_look_alike_letters_in_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["DOB: xl2/17/1949", "DOB: Il/l/l9", "Tel 541-555-0148", "Ref IA47-O2-Ol"])
def test_a_date_is_never_read_out_of_part_of_a_token(text):
    # "xl2/17/1949" must not become 2/17/1949: a wrong birth date is worse than none
    assert parse_date(text) is None


@pytest.mark.parametrize("text", ["DOB 4/11/19 71", "01/05/19 69", "DOB: 9/23/19 64", "born 3-2-20 01"])
def test_a_year_split_by_a_gap_in_the_writing_is_no_date(text):
    """'4/11/19 71' is 4/11/1971 written with a gap, not 2019: which year cannot be told, so none."""
    assert parse_date(text) is None


@pytest.mark.parametrize(("text", "value"), [
    ("Date 4/11/19", date(2019, 4, 11)), ("4/11/19 10:30", date(2019, 4, 11)), ("4/11/2019 71", date(2019, 4, 11)),
])
def test_two_digit_years_still_read(text, value):
    assert parse_date(text) == value
