"""The service's logs carry ids and hashes, never a patient's name, date of birth or document text."""

from __future__ import annotations

import json

from tests.conftest import DEV, truth
from tests.service.conftest import FAST, export, run_until_idle, service_env


def test_logs_name_no_patient_and_quote_no_document(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cases = FAST[:4]
    for case in cases:
        (inbox / f"{case}.eml").write_bytes((DEV / f"{case}.eml").read_bytes())
    env = service_env(tmp_path, RXINTAKE_INBOX_DIR=str(inbox), RXINTAKE_INBOX_SETTLE_SECONDS="0.2")
    log = tmp_path / "run.log"
    run_until_idle(env, log=log, timeout=300)
    rows = export(env)
    assert len(rows) == len(cases)

    text = log.read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "the service logs what it does"
    for line in lines:
        json.loads(line)  # structured: one JSON object per line
    secrets: set[str] = set()
    for row in rows:
        p = row["prescription"]
        if p["patient"]["name"]:
            secrets.update(part for part in p["patient"]["name"].split() if len(part) > 2)
        if p["patient"]["dob"]:
            secrets.add(p["patient"]["dob"])
        secrets.update(d["code"] for d in p["diagnoses"])
        if row["source"].get("subject"):
            secrets.add(row["source"]["subject"])
    for case in cases:
        name = truth(case)["expect"]["patient"]["name"]
        if name:
            secrets.update(part for part in name.split() if len(part) > 2)
    assert secrets, "the messages carry patient data to look for"
    leaked = sorted(s for s in secrets if s.lower() in text.lower())
    assert leaked == [], f"patient data in the logs: {len(leaked)} value(s)"
