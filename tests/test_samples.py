"""The synthetic samples in samples/ (layouts and wordings beyond the dev corpus), field by field."""

from __future__ import annotations

import json
import sys

import pytest

from tests.conftest import SAMPLES, SHARED

CASES = sorted(p.name[:-len(".truth.json")] for p in SAMPLES.glob("*.truth.json"))


@pytest.fixture(scope="module")
def sample_results() -> dict[str, dict]:
    from rxintake.pipeline import extract_path

    return {case: extract_path(SAMPLES / f"{case}.eml").to_json_dict() for case in CASES}


def test_enough_samples():
    assert len(CASES) >= 12


def test_generator_is_deterministic(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for s in mod.SAMPLES[:3]:
        raw, truth = mod.build(s)
        assert raw == (SAMPLES / f"{s['case']}.eml").read_bytes(), s["case"]
        assert truth == json.loads((SAMPLES / f"{s['case']}.truth.json").read_text())


@pytest.mark.parametrize("case", CASES)
def test_sample_fields(case, sample_results):
    sys.path.insert(0, str(SHARED / "tools"))
    from score import FIELDS, score_case

    truth = json.loads((SAMPLES / f"{case}.truth.json").read_text())
    result = score_case(truth, sample_results[case])
    wrong = [f for f in FIELDS if f != "status" and not result["ok"][f]]
    assert not wrong, (wrong, sample_results[case]["prescription"])
    assert not result["al_missed"], result["al_missed"]


def test_range_is_flagged(sample_results):
    codes = [a["code"] for a in sample_results["sample06"]["alerts"]]
    assert "frequency_range" in codes


def test_non_prescriptions(sample_results):
    non_rx = [c for c in CASES if json.loads((SAMPLES / f"{c}.truth.json").read_text())["family"] == "non_rx"]
    assert len(non_rx) >= 3
    for case in non_rx:
        out = sample_results[case]
        assert out["status"] == "needs_review"
        assert [a["code"] for a in out["alerts"] if a["severity"] == "error"] == ["no_prescription"]


def test_realworld_mail_is_never_a_prescription():
    """Spam, newsletters, bounces, malformed MIME, an Outlook .msg: never read as a prescription."""
    from rxintake.pipeline import extract_path
    from tests.conftest import REALWORLD

    for path in sorted(REALWORLD.glob("*.eml")):
        out = extract_path(path).to_json_dict()
        codes = {a["code"] for a in out["alerts"]}
        assert out["status"] == "needs_review", path.name
        assert codes & {"no_prescription", "unreadable_document"}, (path.name, codes)
        assert not out["prescription"]["diagnoses"] and out["prescription"]["visits"] is None, path.name
