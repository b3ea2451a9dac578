"""Visits, frequency and duration in the wordings physicians use."""

import pytest

from parsers.fields.columns import form_row
from parsers.fields.frequency import parse_schedule


@pytest.mark.parametrize("text, visits, per_week, weeks", [
    ("2x/wk x 4 wks", 8, 2, 4),
    ("twice weekly for six weeks", 12, 2, 6),
    ("1 time per week, duration 6 weeks", 6, 1, 6),
    ("Frequency: 3x/week Duration: 2 weeks", 6, 3, 2),
    ("Frequency: 2x/week\nDuration: 6 weeks", 12, 2, 6),
    ("3 times a week for 4 weeks", 12, 3, 4),
    ("BIW x 6 wks", 12, 2, 6),
    ("3x/week for 4 weeks, then 2x/week for 4 weeks", 20, 3, 8),
    ("Massage therapy 2x/week for 10 weeks, 20 visits.", 20, 2, 10),
    ("Please treat 4 sessions (2x/week for 2 weeks).", 4, 2, 2),
    ("six (6) sessions", 6, None, None),
    ("# of visits: 8", 8, None, None),
    ("Number of visits: 20", 20, None, None),
    ("Visits: 6, starting 11/30/2026", 6, None, None),
    ("Massage therapy 1x/week", None, 1, None),
    ("for 4 weeks", None, None, 4),
])
def test_schedules(text, visits, per_week, weeks):
    s = parse_schedule(text)
    assert (s.visits, s.per_week, s.weeks) == (visits, per_week, weeks)


def test_range_takes_upper_bound_and_says_so():
    s = parse_schedule("massage 1-2x/week x 4 weeks")
    assert (s.visits, s.per_week, s.weeks) == (8, 2, 4)
    assert s.ranged


def test_claim_and_phone_numbers_are_not_visits():
    s = parse_schedule("Claim #: 5531207\nMember ID 44120 visits pending\nPhone 541-555-0100")
    assert s.visits is None


def test_weeks_ago_is_not_a_duration():
    assert parse_schedule("injured 3 weeks ago, massage 2x/week").weeks is None


def test_validity():
    assert parse_schedule("This referral is valid for 90 days.").valid_days == 90
    assert parse_schedule("valid for 3 months").valid_months == 3


def test_form_row_by_column_position():
    head = "      FREQUENCY (x/week) DURATION (weeks)  # OF VISITS       START DATE"
    assert form_row(head + "\n      3                  10                ") == {"per_week": 3, "weeks": 10}
    row = form_row(head + "\n                                           24                11/03/2026")
    assert row["visits"] == 24 and str(row["start"]) == "2026-11-03"


WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 6: "six", 8: "eight", 10: "ten", 12: "twelve"}
TEMPLATES = ["{p}x/week x {w} weeks", "{p}x per week x {w} weeks", "{p}x/wk x {w} wks", "{p} x/week for {w} weeks",
             "{pw} times a week for {ww} weeks", "{pw} times per week for {ww} weeks", "{pw} times weekly for {ww} weeks",
             "{p} times/week for {w} weeks", "Frequency: {p}x/week Duration: {w} weeks",
             "{p} time per week, duration {w} weeks", "{p}x weekly for {w} weeks", "{p}/week for {w} weeks",
             "{p} visits per week for {w} weeks", "for {w} weeks at {p}x/week", "{p}X/WK X {w}WKS", "{p}x/wk for {w}wk",
             "{p} sessions/week x {w} weeks", "{p}x per wk, {w} wks", "{ww} weeks, {p}x/week", "{w} wks @ {p}x/wk"]


@pytest.mark.parametrize("template", TEMPLATES)
def test_frequency_templates(template):
    for p in (1, 2, 3):
        for w in (2, 4, 6, 8, 10, 12):
            word = {1: "one", 2: "two", 3: "three"}[p]
            text = template.format(p=p, w=w, pw=word, ww=WORDS[w])
            s = parse_schedule(f"Massage therapy {text}. Claim #: 4471")
            assert (s.per_week, s.weeks, s.visits) == (p, w, p * w), text


def test_stacked_form_columns():
    from parsers.fields.columns import stacked_schedule

    text = ("FREQUENCY (x/week)\n3 x/week\nSPECIAL INSTRUCTIONS / PRECAUTIONS\nDURATION (weeks)\n10 weeks\n"
            "Injured 2 weeks ago")
    got = stacked_schedule(text)
    assert (got["per_week"], got["weeks"]) == (3, 10)
    assert stacked_schedule("FREQUENCY (x/week) DURATION (weeks)\n3 x/week 10 weeks") == {}


@pytest.mark.parametrize("text, visits, per_week, weeks", [
    ("2xwk x 4wks", 8, 2, 4),
    ("2 x/ wk x 4 wks", 8, 2, 4),
    ("2x/wk x4wks", 8, 2, 4),
    ("2x/vvk x 6 wks", 12, 2, 6),
    ("2x/wk x 6 vvks", 12, 2, 6),
    ("l2 visits", 12, None, None),
    ("I2 sessions", 12, None, None),
    ("2x/wk x l0 wks", 20, 2, 10),
])
def test_schedules_as_ocr_reads_them(text, visits, per_week, weeks):
    s = parse_schedule(text)
    assert (s.visits, s.per_week, s.weeks) == (visits, per_week, weeks)


@pytest.mark.parametrize("text", ["ll visits", "Ol sessions", "Suite 12x", "seen 12 weeks ago"])
def test_look_alike_letters_alone_are_no_count(text):
    s = parse_schedule(text)
    assert s.visits is None and s.weeks is None


def test_stacked_columns_with_bare_numbers_need_the_unit_in_the_header():
    from parsers.fields.columns import stacked_schedule

    got = stacked_schedule("FREQUENCY (x/week)\n2\nDURATION (weeks)\n| 4 |")
    assert (got["per_week"], got["weeks"]) == (2, 4)
    assert stacked_schedule("FREQUENCY\n2\nDURATION\n4") == {}
    assert "per_week" not in stacked_schedule("FREQUENCY (x/week)\n40\nDURATION (weeks)\n4")
