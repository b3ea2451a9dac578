"""`rxintake export` gives back what `extract` read, field by field, plus the record fields."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import update

from records.db import ensure_schema, get_engine, session_factory
from records.export import iter_records
from records.filing import file_extraction
from records.models import Prescription
from rxintake.models import Extraction
from tests.conftest import DEV, ROOT, SCHEMA
from tests.servers import db_url  # noqa: F401 - fixture

pytestmark = pytest.mark.service
FILING_CODES = {"unknown_client", "duplicate"}
# readable without OCR, so the test stays quick: text PDFs, mail bodies, a corrupt PDF, no-prescription mail
CASES = ["dev001", "dev002", "dev003", "dev005", "dev006", "dev008", "dev010"]


def cli(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RXINTAKE_DATABASE_URL": url}
    return subprocess.run([str(ROOT / ".venv/bin/rxintake"), *args], env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def extracted() -> dict[str, dict]:
    out = cli("extract", *(str(DEV / f"{c}.eml") for c in CASES), url="sqlite://")
    assert out.returncode == 0, out.stderr[-2000:]
    return {Path(json.loads(line)["source"]["path"]).stem: json.loads(line) for line in out.stdout.splitlines()}


@pytest.fixture(scope="module")
def exported(db_url, extracted) -> list[dict]:  # noqa: F811
    """Each case filed as the worker would (from the inbox folder), one of them twice, then exported."""
    engine = get_engine(db_url)
    ensure_schema(engine)
    with session_factory(engine)() as s:
        for case in CASES + CASES[:1]:
            ex = Extraction.model_validate(extracted[case])
            ex.source.path = f"{case}.eml"  # the worker stores the name it was given
            raw = hashlib.sha256((DEV / f"{case}.eml").read_bytes()).hexdigest()
            file_extraction(s, ex, raw_sha256=raw, source_ref=f"inbox:{case}.eml")
    out = cli("export", url=db_url)
    assert out.returncode == 0, out.stderr[-2000:]
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_export_has_every_message_once_and_matches_extract(exported, extracted):
    assert sorted(Path(o["source"]["path"]).stem for o in exported) == sorted(CASES)
    for obj in exported:
        case = Path(obj["source"]["path"]).stem
        want = extracted[case]
        assert obj["prescription"] == want["prescription"], case
        assert obj["status"] == want["status"], case
        assert {k: v for k, v in obj["source"].items() if k != "path"} == \
            {k: v for k, v in want["source"].items() if k != "path"}, case
        assert [a for a in obj["alerts"] if a["code"] not in FILING_CODES] == want["alerts"], case
        assert obj["message_uid"] == f"inbox:{case}.eml" and isinstance(obj["record_id"], int)
        no_rx = any(a["code"] == "no_prescription" for a in want["alerts"])
        assert (obj["client_id"] is None) == (no_rx or want["prescription"]["patient"]["name"] is None), case


def test_export_is_valid_against_the_schema(exported):
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    for obj in exported:
        errors = [e.message for e in validator.iter_errors(obj)]
        assert not errors, (obj["source"]["path"], errors)


def test_export_shows_staff_corrections_and_filing_alerts(db_url, exported):  # noqa: F811
    target = next(o for o in exported if o["client_id"] is not None)
    assert any(a["code"] == "unknown_client" for a in target["alerts"])  # new clients, none imported
    with session_factory(get_engine(db_url))() as s:
        s.execute(update(Prescription).where(Prescription.id == target["record_id"]).values(visits=37))
        s.commit()
        again = [o for o in iter_records(s) if o["record_id"] == target["record_id"]]
    assert again[0]["prescription"]["visits"] == 37
