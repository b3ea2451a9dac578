"""Handwritten prescriptions in handwriting and layouts the development corpus does not carry.

samples/handwritten/ (written by samples/make_samples.py): pads with values written after printed
labels, notes written on a blank sheet, forms with boxes filled in by hand, in five handwriting
fonts, scanned (300 dpi grey) or faxed (204x196 bilevel). Much of them may fairly come out null;
what must hold on handwriting never seen is that nothing read is wrong, that every empty field
says so with an alert, and that the result keeps to the schema.
"""

from __future__ import annotations

import json
import sys

import jsonschema
import pytest

from tests.conftest import SAMPLES, SHARED

HAND = SAMPLES / "handwritten"
CASES = sorted(p.name[:-len(".truth.json")] for p in HAND.glob("*.truth.json"))

# a required field left empty and the alerts that may say so: its missing_* alert, or a
# low_confidence alert for the field (or for the page as a whole: field None)
NULL_ALERTS = {
    "patient.name": ({"missing_patient_name"}, {"patient.name"}),
    "patient.dob": ({"missing_patient_dob"}, {"patient.dob"}),
    "diagnoses": ({"missing_diagnosis"}, {"diagnoses"}),
    "visits": ({"missing_visit_count"}, {"visits"}),
    "start_date": ({"missing_start_date"}, {"start_date", "written_date"}),
    "end_date": ({"missing_end_date"}, {"end_date"}),
    "prescriber": ({"missing_prescriber", "invalid_npi"}, {"prescriber.npi", "prescriber.name", "prescriber"}),
}

# Known failures, kept asserting: strict, so that a fix shows up as a pass to be unmarked.
KNOWN_WRONG: dict[str, str] = {}
KNOWN_UNALERTED: dict[str, str] = {
    case: "a handwritten note read as no prescription at all: no field is read, no field alert raised"
    for case in ("hand08",)
}


def _marked(known: dict[str, str]) -> list:
    return [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=known[c])) if c in known else c
            for c in CASES]


@pytest.fixture(scope="module")
def hand_results() -> dict[str, dict]:
    from rxintake.pipeline import extract_path

    return {case: extract_path(HAND / f"{case}.eml").to_json_dict() for case in CASES}


def _truth(case: str) -> dict:
    return json.loads((HAND / f"{case}.truth.json").read_text())


def test_enough_handwritten_samples():
    assert len(CASES) >= 8
    truths = [_truth(c) for c in CASES]
    assert {t["render"] for t in truths} == {"scan_pdf", "fax_tiff"}
    assert len({t["meta"]["render_info"]["handwriting_font"] for t in truths}) >= 4
    assert {"layout:pad", "layout:note", "layout:box_form"} <= {tag for t in truths for tag in t["tags"]}


@pytest.mark.parametrize("case", _marked(KNOWN_WRONG))
def test_no_value_read_is_wrong(case, hand_results):
    """Every value asserted (name, dates, NPI, visits, each code, each procedure) is what is written."""
    sys.path.insert(0, str(SHARED / "tools"))
    from score import score_case

    truth, out = _truth(case), hand_results[case]
    result = score_case(truth, out)
    rx, e = out["prescription"], truth["expect"]
    given = {"name": rx["patient"]["name"], "dob": rx["patient"]["dob"], "visits": rx["visits"],
             "start_date": rx["start_date"], "end_date": rx["end_date"],
             "prescriber_npi": (rx.get("prescriber") or {}).get("npi")}
    wrong = {f: v for f, v in given.items() if v not in (None, "") and not result["ok"][f]}
    codes = {d["code"] for d in rx["diagnoses"]}
    if codes - set(e["diagnoses"]):
        wrong["diagnoses"] = sorted(codes - set(e["diagnoses"]))
    if set(rx["procedures"]) - set(e["procedures"]):
        wrong["procedures"] = sorted(set(rx["procedures"]) - set(e["procedures"]))
    assert not wrong, wrong
    assert result["wrong_given"] == 0


@pytest.mark.parametrize("case", _marked(KNOWN_UNALERTED))
def test_empty_fields_carry_an_alert(case, hand_results):
    out = hand_results[case]
    rx = out["prescription"]
    empty = {"patient.name": rx["patient"]["name"], "patient.dob": rx["patient"]["dob"],
             "diagnoses": rx["diagnoses"], "visits": rx["visits"], "start_date": rx["start_date"],
             "end_date": rx["end_date"],
             "prescriber": (rx.get("prescriber") or {}).get("npi") or (rx.get("prescriber") or {}).get("name")}
    raised = {(a["code"], a["field"]) for a in out["alerts"]}
    unalerted = []
    for name, value in empty.items():
        if value not in (None, "", []):
            continue
        codes, fields = NULL_ALERTS[name]
        if not any(code in codes or (code == "low_confidence" and (field is None or field in fields))
                   for code, field in raised):
            unalerted.append(name)
    assert not unalerted, (unalerted, sorted(raised, key=str))
    if any(v in (None, "", []) for n, v in empty.items() if n != "end_date"):  # an end date is not required
        assert out["status"] == "needs_review"


def test_results_keep_to_the_schema(hand_results, schema):
    for case in CASES:
        jsonschema.validate(hand_results[case], schema)


def test_a_poorly_read_page_with_no_prescription_found_says_so(hand_results):
    """A handwritten note the readers could not make out is not simply "no prescription": staff
    are told the file was read only poorly, so that it is looked at, not set aside."""
    for case, out in hand_results.items():
        for alert in out["alerts"]:
            if alert["code"] == "no_prescription":
                assert "could be read only poorly" in alert["message"], (case, alert)
