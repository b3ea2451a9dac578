"""Real mail that is not a prescription (spam, newsletters, bounces, malformed MIME): never filed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import REALWORLD, ROOT

FILES = sorted(REALWORLD.glob("*.eml"))


@pytest.fixture(scope="module")
def realworld() -> dict:
    """All messages in one `rxintake extract` run, as a batch import would read them."""
    proc = subprocess.run([str(ROOT / ".venv/bin/rxintake"), "extract", *map(str, FILES)],
                          capture_output=True, text=True, timeout=600)
    results = {Path(json.loads(line)["source"]["path"]).name: line for line in proc.stdout.splitlines()}
    return {"rc": proc.returncode, "stderr": proc.stderr, "lines": proc.stdout.splitlines(), "by_name": results}


def test_batch_exits_0_without_traceback(realworld):
    assert realworld["rc"] == 0, realworld["stderr"][-1500:]
    assert "Traceback" not in realworld["stderr"], realworld["stderr"][-1500:]
    assert len(realworld["lines"]) == len(FILES)


def test_corpus_is_there():
    assert len(FILES) >= 15


@pytest.mark.parametrize("name", [p.name for p in FILES])
def test_realworld_message_is_never_filed(realworld, schema, name):
    result = json.loads(realworld["by_name"][name])
    jsonschema.validate(result, schema)
    assert Path(result["source"]["path"]).name == name
    assert result["status"] == "needs_review"
    codes = {a["code"] for a in result["alerts"]}
    assert codes & {"no_prescription", "unreadable_document"}, codes
    for alert in result["alerts"]:
        if alert["code"] == "unreadable_document":
            assert "could not be read" in alert["message"] or "read only in part" in alert["message"]
