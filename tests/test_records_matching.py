"""Client matching keys and scores: name forms, accents, initials and OCR slips."""

from __future__ import annotations

from datetime import date

import pytest

from records.db import ensure_schema, get_engine, session_factory
from records.matching import NameKey, edit_distance, find_client, name_key
from records.models import Client


@pytest.mark.parametrize("written, first, last", [
    ("Jane Doe", "jane", "doe"),
    ("DOE, JANE", "jane", "doe"),
    ("Doe, Jane A.", "jane", "doe"),
    ("Jane A. Doe", "jane", "doe"),
    ("Mrs. Jane Doe Jr.", "jane", "doe"),
    ("José Núñez", "jose", "nunez"),
    ("O'Brien, Siobhán", "siobhan", "obrien"),
    ("Garcia-Lopez, Maria", "maria", "garcia lopez"),
    ("Jane Doe, MD", "jane", "doe"),
])
def test_name_keys(written, first, last):
    assert name_key(written) == NameKey(first, last)


def test_no_name_gives_no_key():
    assert name_key(None) is None and name_key("  ") is None and name_key("Dr.") is None


def test_edit_distance_counts_slips_and_transpositions():
    assert edit_distance("fitzgerald", "fitzgerald") == 0
    assert edit_distance("fitzgerald", "fitzgeraid") == 1
    assert edit_distance("fitzgerald", "fitzgreald") == 1  # swapped letters
    assert edit_distance("fitzgerald", "fitzroy", limit=2) == 3  # stops early above the limit


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    engine = get_engine(f"sqlite:///{tmp_path_factory.mktemp('m') / 'm.sqlite3'}")
    ensure_schema(engine)
    with session_factory(engine)() as s:
        for name, first, last, dob in [
            ("Robert Fitzgerald", "robert", "fitzgerald", date(1955, 7, 4)),
            ("Maria Garcia Lopez", "maria", "garcia lopez", date(1990, 1, 2)),
            ("Ann Lee", "ann", "lee", date(2001, 5, 5)),
            ("Sam Park", "sam", "park", date(1970, 3, 3)),
            ("Sue Park", "sue", "park", date(1970, 3, 3)),
        ]:
            s.add(Client(name=name, first_norm=first, last_norm=last, dob=dob, source="import"))
        s.commit()
        yield s


@pytest.mark.parametrize("written, dob, expected, reason", [
    ("FITZGERALD, ROBERT J", date(1955, 7, 4), "Robert Fitzgerald", "exact"),  # same keys
    ("Robert Fitzgeraid", date(1955, 7, 4), "Robert Fitzgerald", "fuzzy"),       # OCR slip, long name
    ("Fitzgerald Robert", date(1955, 7, 4), "Robert Fitzgerald", "fuzzy"),       # order swapped, no comma
    ("R. Fitzgerald", date(1955, 7, 4), "Robert Fitzgerald", "fuzzy"),           # initial
    ("Robert Fitzgerald", date(1955, 7, 5), None, "none"),                       # other DOB: never
    ("Maria Lopez", date(1990, 1, 2), "Maria Garcia Lopez", "fuzzy"),            # part of a compound name
    ("Anne Lee", date(2001, 5, 5), None, "none"),                                # short name: no slips
    ("S. Park", date(1970, 3, 3), None, "ambiguous"),                            # two clients fit
    ("Ann Lee", None, "Ann Lee", "exact"),                                       # no DOB: exact name only
    ("Ann Le", None, None, "none"),
])
def test_find_client(session, written, dob, expected, reason):
    match = find_client(session, written, dob)
    assert (match.client.name if match.client else None, match.reason) == (expected, reason)


from hypothesis import given, strategies as st  # noqa: E402

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéøñ", min_size=2, max_size=12).filter(
    lambda w: name_key(w) is not None and len(name_key(w).last) == len(w))


@given(first=_word, middle=st.sampled_from(["", "Q.", "Quinn"]), last=_word)
def test_name_forms_give_one_key(first, middle, last):
    """'First M. Last', 'LAST, FIRST M' and any case give the same key."""
    plain = name_key(" ".join(p for p in (first.title(), middle, last.title()) if p))
    inverted = name_key(f"{last.upper()}, {first.upper()} {middle}".strip())
    assert plain == inverted and plain.first and plain.last
