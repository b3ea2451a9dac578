"""The rules engine and the clinic's rules file: alerts from prescriptions, errors from bad files."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.engine import DEFAULT_RULES, evaluate, load_rules
from rules.npi import npi_is_valid
from rules.schema import CodeRange, parse_rules
from rxintake.errors import RulesError
from rxintake.models import Alert, Diagnosis, Frequency, Patient, Prescriber, Prescription
from tests.conftest import DEV, ROOT

RULES = load_rules(None)
DAY = date(2026, 11, 2)
PARSE_LEVEL = {"no_prescription", "unreadable_document", "low_confidence"}


def rx(**kw) -> Prescription:
    """A complete, billable prescription; keyword arguments change one thing."""
    base = dict(patient=Patient(name="Jane Doe", dob=date(1980, 4, 12)), diagnoses=[Diagnosis(code="M54.2")],
                procedures=["97124"], visits=8, frequency=Frequency(per_week=2, weeks=4),
                written_date=DAY, start_date=DAY, end_date=DAY + timedelta(days=28),
                prescriber=Prescriber(name="Alan Smith, MD", npi="1234567893"))
    base.update(kw)
    return Prescription(**base)


def codes(alerts: list[Alert]) -> list[str]:
    return [a.code for a in alerts]


def run(p: Prescription, rules=RULES, prior=(), when=DAY, payer=None) -> list[Alert]:
    return evaluate(p, rules, message_date=when, prior_alerts=list(prior), payer=payer)


# ---------------------------------------------------------------- the dev corpus truth, without OCR
def _truth_cases():
    return sorted(DEV.glob("*.truth.json"))


@pytest.mark.parametrize("path", _truth_cases(), ids=lambda p: p.name.split(".")[0])
def test_dev_corpus_alerts(path: Path):
    """From each truth's expected fields, the engine raises exactly the expected alerts."""
    t = json.loads(path.read_text())
    e, m = t["expect"], t["meta"]
    empty = not e["diagnoses"] and e["visits"] is None and not e["patient"]["name"]
    p = Prescription(
        patient=Patient(**e["patient"]), diagnoses=[Diagnosis(code=c) for c in e["diagnoses"]],
        procedures=e["procedures"], visits=e["visits"],
        frequency=Frequency(**m["frequency"]) if m.get("frequency") and not empty else None,
        written_date=None if empty else m.get("written_date"), start_date=e["start_date"], end_date=e["end_date"],
        prescriber=Prescriber(name="Dr. Prescriber" if e["prescriber_npi"] else None, npi=e["prescriber_npi"]))
    prior = [Alert(code=a, severity="error", message="parse-level") for a in e["alerts"] if a in PARSE_LEVEL]
    when = date.fromisoformat(m["message_date"][:10])
    alerts = run(p, prior=prior, when=when)
    got = set(codes(alerts)) | {a.code for a in prior}
    assert set(e["alerts"]) <= got <= set(e["alerts"]) | set(e["alerts_tolerated"]), [a.message for a in alerts]
    assert len(codes(alerts)) == len(set(codes(alerts)))  # one alert per code on these cases


def test_complete_prescription_has_no_alerts():
    assert run(rx()) == []


# ---------------------------------------------------------------- diagnoses
def _dx(*cs):
    return run(rx(diagnoses=[Diagnosis(code=c) for c in cs]))


def test_m54_5_names_its_replacements():
    [a] = _dx("M54.5")
    assert (a.code, a.severity, a.field) == ("nonbillable_diagnosis", "error", "diagnoses")
    assert a.message == "M54.5 is not billable since Oct 2021: use M54.50, M54.51 or M54.59"


def test_headers_list_billable_children_when_few():
    [a] = _dx("M79.1")
    assert a.code == "nonbillable_diagnosis"
    assert "M79.10, M79.11, M79.12 or M79.18" in a.message
    [a] = _dx("M54")
    assert a.code == "nonbillable_diagnosis" and "Dorsalgia" in a.message and "more specific" in a.message


def test_seventh_character_required():
    for code in ("S13.4XX", "S13.4"):
        [a] = _dx(code)
        assert a.code == "nonbillable_diagnosis"
        assert "7th character (A/D/S)" in a.message and "S13.4XXA" in a.message
    assert _dx("S13.4XXA") == []


def test_invalid_and_uncovered():
    [a] = _dx("M54.21")
    assert a.code == "invalid_diagnosis" and "M54.21" in a.message and "FY2026" in a.message
    assert "closest real code is M54.2, Cervicalgia" in a.message
    for code in ("F41.1", "F43.10", "Z00.00", "I10", "E11.9"):
        [a] = _dx(code)
        assert a.code == "uncovered_diagnosis" and code in a.message
    assert _dx("G44.309", "G44.209", "R51.9", "M62.838", "S13.4XXD", "G89.29") == []
    assert codes(_dx("M54.2", "F41.1", "M54.5", "F41.1")) == ["uncovered_diagnosis", "nonbillable_diagnosis"]


def test_covered_ranges_are_the_clinics():
    rules = parse_rules("covered_codes: [F40-F48, M54.2]\n", "t.yaml")
    assert _run_codes(rules, "F41.1") == []
    assert _run_codes(rules, "M54.2") == []
    assert _run_codes(rules, "M54.6") == ["uncovered_diagnosis"]


def _run_codes(rules, code):
    return codes(run(rx(diagnoses=[Diagnosis(code=code)]), rules=rules))


@settings(deadline=None)
@given(st.from_regex(r"[A-Z][0-9]{2}", fullmatch=True), st.from_regex(r"[A-Z][0-9]{2}", fullmatch=True),
       st.from_regex(r"[A-Z][0-9]{2}\.[0-9]{1,2}", fullmatch=True))
def test_code_range_property(a, b, code):
    low, high = sorted([a, b])
    r = CodeRange.parse(f"{low}-{high}")
    assert r.covers(code) == (low <= code[:3] <= high)


# ---------------------------------------------------------------- missing fields and parse-level alerts
def test_missing_fields():
    p = Prescription()
    got = {a.code: a for a in run(p)}
    assert set(got) == {"missing_patient_name", "missing_patient_dob", "missing_diagnosis", "missing_visit_count",
                        "missing_start_date", "missing_end_date", "missing_prescriber"}
    assert got["missing_end_date"].severity == "warning"
    assert all(a.severity == "error" for c, a in got.items() if c != "missing_end_date")


def test_start_date_may_come_from_written_date_and_prescriber_from_npi():
    p = rx(start_date=None, prescriber=Prescriber(npi="1234567893"))
    assert run(p) == []
    p = rx(start_date=None, written_date=None, end_date=None, frequency=None)
    assert codes(run(p)) == ["missing_start_date", "missing_end_date"]
    assert codes(run(rx(prescriber=Prescriber()))) == ["missing_prescriber"]
    assert run(rx(prescriber=Prescriber(name="Dr. A. Smith"))) == []


def test_visits_from_frequency_and_end_from_weeks():
    assert run(rx(visits=None)) == []
    assert codes(run(rx(visits=None, frequency=Frequency(per_week=2)))) == ["missing_visit_count"]
    assert run(rx(end_date=None)) == []  # start + 4 weeks
    assert codes(run(rx(end_date=None, frequency=None))) == ["missing_end_date"]


def test_no_missing_alerts_without_a_prescription():
    nothing = Prescription()
    assert run(nothing, prior=[Alert(code="no_prescription", severity="error", message="x")]) == []
    assert run(nothing, prior=[Alert(code="unreadable_document", severity="error", message="x")]) == []
    # an unreadable attachment beside a prescription typed in the body: the body is still checked
    partial = Prescription(patient=Patient(name="Jane Doe"), diagnoses=[Diagnosis(code="M54.5")])
    got = codes(run(partial, prior=[Alert(code="unreadable_document", severity="error", message="x")]))
    assert "nonbillable_diagnosis" in got and "missing_patient_dob" in got


def test_low_confidence_field_replaces_missing_alert():
    prior = [Alert(code="low_confidence", severity="error", field="patient.dob", message="x"),
             Alert(code="low_confidence", severity="error", field="visits", message="x")]
    p = rx(patient=Patient(name="Jane Doe"), visits=None, frequency=None, end_date=None)
    assert codes(run(p, prior=prior)) == ["missing_end_date"]
    assert set(codes(run(p))) == {"missing_patient_dob", "missing_visit_count", "missing_end_date"}


def test_required_fields_come_from_the_rules():
    rules = parse_rules("required: [patient.name, diagnoses]\n", "t.yaml")
    assert codes(run(Prescription(), rules=rules)) == ["missing_patient_name", "missing_diagnosis"]


# ---------------------------------------------------------------- dates and policy
def test_expired_compares_end_date_with_message_date():
    end = DAY - timedelta(days=1)
    [a] = run(rx(start_date=DAY - timedelta(days=30), written_date=DAY - timedelta(days=30), end_date=end))
    assert (a.code, a.severity, a.field) == ("expired", "error", "end_date")
    assert end.isoformat() in a.message
    assert run(rx(end_date=DAY)) == []  # ends on the day it arrives: still valid
    assert run(rx(end_date=end), when=None) == []


def test_default_validity_stands_in_for_the_end_date():
    rules = parse_rules("default_validity_days: 90\n", "t.yaml")
    p = rx(end_date=None, frequency=None)
    assert run(p, rules=rules) == []
    [a] = run(p, rules=rules, when=DAY + timedelta(days=91))
    assert a.code == "expired" and "default validity" in a.message


def test_age_and_expiry_warning():
    rules = parse_rules("max_age_days: 180\nexpiry_warning_days: 7\n", "t.yaml")
    old = DAY - timedelta(days=200)
    got = run(rx(written_date=old, start_date=old, end_date=DAY + timedelta(days=60)), rules=rules)
    assert [(a.code, a.severity) for a in got] == [("stale_prescription", "error")]
    got = run(rx(end_date=DAY + timedelta(days=5)), rules=rules)
    assert [(a.code, a.severity) for a in got] == [("expiring_soon", "warning")]
    assert run(rx(end_date=DAY + timedelta(days=8)), rules=rules) == []


PAYERS = """
payers:
  - name: Harbor Mutual
    aliases: [HMI]
    procedures: ["97124"]
    max_age_days: 30
  - name: Cove Health
    covered_codes: [M54]
"""


def test_payer_overrides():
    rules = parse_rules(PAYERS, "t.yaml")
    p = rx(procedures=["97124", "97140", "97110"])
    assert run(p, rules=rules) == []
    assert run(p, rules=rules, payer=None) == []
    for name in ("Harbor Mutual", "harbor  mutual", "hmi"):
        [a] = run(p, rules=rules, payer=name)
        assert (a.code, a.severity, a.field) == ("procedure_not_covered", "error", "procedures")
        assert "97140, 97110" in a.message and "Harbor Mutual" in a.message
    assert run(rx(), rules=rules, payer="Harbor Mutual") == []
    old = DAY - timedelta(days=40)
    assert codes(run(rx(written_date=old, start_date=old), rules=rules, payer="HMI")) == ["stale_prescription"]
    assert codes(run(rx(diagnoses=[Diagnosis(code="M25.551")]), rules=rules, payer="Cove Health")) == \
        ["uncovered_diagnosis"]
    assert run(rx(diagnoses=[Diagnosis(code="M25.551")]), rules=rules, payer="Other Carrier") == []


# ---------------------------------------------------------------- NPI
def test_npi_check_digit():
    assert npi_is_valid("1234567893")
    p = rx(prescriber=Prescriber(name="Dr. A", npi="1234567890"))
    [a] = run(p)
    assert (a.code, a.field) == ("invalid_npi", "prescriber.npi") and "1234567890" in a.message
    for bad in ("123456789", "12345678931", "123456789O", "", "١٢٣٤٥٦٧٨٩٣"):
        assert not npi_is_valid(bad)


@settings(deadline=None)
@given(st.text(max_size=20))
def test_npi_any_text(text):
    assert npi_is_valid(text) in (True, False)


@settings(deadline=None)
@given(st.from_regex(r"[12][0-9]{8}", fullmatch=True), st.integers(0, 9), st.integers(1, 9))
def test_npi_one_wrong_digit_is_caught(stem, position, delta):
    check = next(d for d in "0123456789" if npi_is_valid(stem + d))
    npi = stem + check
    wrong = npi[:position] + str((int(npi[position]) + delta) % 10) + npi[position + 1:]
    assert not npi_is_valid(wrong)


# ---------------------------------------------------------------- the rules file
def test_default_rules_file_is_what_is_documented():
    rules = load_rules(DEFAULT_RULES)
    assert [str(r) for r in rules.covered_codes] == ["M00\u2013M99", "S00\u2013S99", "G43\u2013G44", "G89", "R51", "R52"]
    assert rules.default_validity_days is None and rules.max_age_days is None
    assert rules.payers == []
    assert parse_rules("", "empty.yaml").covered_codes == rules.covered_codes


@pytest.mark.parametrize("text,line,key,words", [
    ("version: 1\ncoverd_codes: [M00-M99]\n", 2, "coverd_codes", "unknown key"),
    ("covered_codes:\n  - M00-M99\n  - M00-Z\n", 3, "covered_codes.1", "not an ICD-10-CM code"),
    ("covered_codes:\n  - M99\u2013M00\n", 2, "covered_codes.0", "backwards"),
    ("covered_codes: [M00-M99.1]\n", 1, "covered_codes.0", "same length"),
    ("\n\nmax_age_days: soon\n", 3, "max_age_days", "integer"),
    ("max_age_days: -3\n", 1, "max_age_days", "greater than"),
    ("required: [patient.name, visit]\n", 1, "required.1", "not a field"),
    ("payers:\n  - name: A\n    procedures: [97124, '9712']\n", 3, "payers.0.procedures.1", "CPT"),
    ("payers:\n  - name: A\n    colour: red\n", 3, "payers.0.colour", "unknown key"),
    ("payers:\n  - aliases: [B]\n", 2, "payers.0.name", "required"),
    ("covered_codes: M00-M99\n", 1, "covered_codes", "list"),
    ("max_age_days: 30\ncovered_codes: [M00-M99]\nmax_age_days: 60\n", 3, "max_age_days", "given twice"),
])
def test_rules_file_errors_name_file_line_and_key(text, line, key, words):
    with pytest.raises(RulesError) as err:
        parse_rules(text, "clinic.yaml")
    msg = err.value.message
    assert f"clinic.yaml, line {line}: key {key}:" in msg, msg
    assert words in msg, msg


def test_rules_file_not_yaml_or_not_a_mapping(tmp_path):
    with pytest.raises(RulesError, match=r"clinic.yaml, line 2: not valid YAML"):
        parse_rules("a: [\n", "clinic.yaml")
    with pytest.raises(RulesError, match="must be a mapping"):
        parse_rules("- 1\n", "clinic.yaml")
    with pytest.raises(RulesError, match="no such rules file"):
        load_rules(tmp_path / "absent.yaml")


def test_rules_check_command(tmp_path):
    env = {**os.environ}
    good = tmp_path / "good.yaml"
    good.write_text(PAYERS)
    r = subprocess.run([str(ROOT / ".venv/bin/rxintake"), "rules", "check", str(good)], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "OK" in r.stdout and "Harbor Mutual" in r.stdout and "97124" in r.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("covered_codes:\n  - M00-Z\n")
    r = subprocess.run([str(ROOT / ".venv/bin/rxintake"), "rules", "check", str(bad)], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == RulesError.exit_code
    assert f"{bad}, line 2: key covered_codes.0:" in r.stderr and "OK" not in r.stdout


KNOWN = {"missing_patient_name", "missing_patient_dob", "missing_diagnosis", "missing_visit_count",
         "missing_start_date", "missing_end_date", "missing_prescriber", "invalid_diagnosis",
         "nonbillable_diagnosis", "uncovered_diagnosis", "invalid_npi", "expired", "expiring_soon",
         "stale_prescription", "procedure_not_covered"}
DATES = st.none() | st.dates(date(2000, 1, 1), date(2040, 1, 1))


@settings(deadline=None)
@given(st.builds(
    Prescription,
    patient=st.builds(Patient, name=st.none() | st.text(max_size=10), dob=DATES),
    diagnoses=st.lists(st.builds(Diagnosis, code=st.text(max_size=9) | st.from_regex(
        r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", fullmatch=True)), max_size=4),
    procedures=st.lists(st.from_regex(r"9[0-9]{4}", fullmatch=True), max_size=3),
    visits=st.none() | st.integers(0, 200),
    frequency=st.none() | st.builds(Frequency, per_week=st.none() | st.floats(0, 7),
                                    weeks=st.none() | st.floats(0, 52)),
    written_date=DATES, start_date=DATES, end_date=DATES,
    prescriber=st.builds(Prescriber, name=st.none() | st.text(max_size=5),
                         npi=st.none() | st.from_regex(r"[0-9]{10}", fullmatch=True) | st.text(max_size=12))),
    DATES, st.sampled_from([None, "Harbor Mutual", "nobody"]))
def test_any_prescription_gets_known_alerts_only(p, when, payer):
    rules = parse_rules(PAYERS + "max_age_days: 365\nexpiry_warning_days: 7\n", "t.yaml")
    alerts = evaluate(p, rules, message_date=when, prior_alerts=[], payer=payer)
    assert {a.code for a in alerts} <= KNOWN
    assert all(a.message and a.severity in ("error", "warning") for a in alerts)
