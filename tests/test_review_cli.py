"""The staff commands, run as a person or a script would run them: real processes, a real database."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date, timedelta

import pypdfium2 as pdfium
import pytest

from tests.conftest import ROOT
from tests.review_seed import make_env

RX = str(ROOT / ".venv/bin/rxintake")


@pytest.fixture(scope="module")
def env(tmp_path_factory):  # noqa: ANN201
    data = tmp_path_factory.mktemp("cli-data")
    url = f"sqlite:///{data / 'rxintake.sqlite3'}"
    review = make_env(url, data)
    review.environ = {"RXINTAKE_DATA_DIR": str(data), "RXINTAKE_DATABASE_URL": url, "COLUMNS": "200"}
    return review


def run(env, *args: str, stdin: str | None = None, code: int = 0, process: bool = False):  # noqa: ANN001, ANN201
    """The command in a real process (process=True), else in this one (same code, no start-up cost)."""
    if process:
        proc = subprocess.run([RX, *args], input=stdin, capture_output=True, text=True,
                              env={**os.environ, **env.environ}, timeout=120)
        assert proc.returncode == code, (args, proc.returncode, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        return proc
    from typer.testing import CliRunner

    from rxintake.cli import app
    from rxintake.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, list(args), input=stdin, env=env.environ)
    finally:
        get_settings.cache_clear()
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, (args, result.exit_code, result.stdout, result.stderr)
    return result


def test_users_add_list_and_refuse_weak_or_duplicate(env):  # noqa: ANN001
    run(env, "users", "add", "sam", "--display-name", "Sam Lee", "--password-stdin", stdin="a long password\n",
        process=True)
    assert "already" not in run(env, "users", "list").stdout
    users = json.loads(run(env, "users", "list", "--json").stdout)
    assert {"username": "sam", "display_name": "Sam Lee", "active": True} .items() <= users[0].items()
    assert "exists" in run(env, "users", "add", "sam", "--password-stdin", stdin="another password\n", code=65).stderr
    assert "at least" in run(env, "users", "add", "kim", "--password-stdin", stdin="short\n", code=65).stderr
    run(env, "users", "add", "sam", "--reset", "--password-stdin", stdin="another password\n")
    run(env, "users", "disable", "sam")
    assert json.loads(run(env, "users", "list", "--json").stdout)[0]["active"] is False
    from records.models import User
    with env.factory() as s:
        assert s.query(User).filter_by(username="sam").one().password_hash.startswith("$argon2id$")


def test_alerts_and_prescriptions_from_the_terminal(env):  # noqa: ANN001
    rx_id = env.seed(codes=("M54.5",))
    alerts = json.loads(run(env, "alerts", "list", "--prescription", str(rx_id), "--json").stdout)
    error = next(a for a in alerts if a["code"] == "nonbillable_diagnosis")
    assert error["status"] == "open" and "M54.50" in error["message"]
    table = run(env, "alerts", "list").stdout
    assert "nonbillable_diagnosis" in table and "M54.5 is not billable" in table
    assert json.loads(run(env, "alerts", "show", str(error["id"]), "--json").stdout)["id"] == error["id"]
    refused = run(env, "prescriptions", "approve", str(rx_id), code=65, process=True)
    assert "Resolve the open errors first" in refused.stderr
    assert "note" in run(env, "alerts", "resolve", str(error["id"]), "--note", " ", code=65).stderr
    run(env, "alerts", "resolve", str(error["id"]), "--note", "payer accepts it", "--by", "sam")
    done = json.loads(run(env, "prescriptions", "approve", str(rx_id), "--by", "sam", "--json").stdout)
    assert done["status"] == "filed" and done["reviewed_by"] == "sam"
    shown = json.loads(run(env, "prescriptions", "show", str(rx_id), "--json").stdout)
    assert {"resolve_alert", "approve"} <= {e["action"] for e in shown["audit"]}
    assert all(e["user"] == "sam" for e in shown["audit"])
    assert "Audit trail" in run(env, "prescriptions", "show", str(rx_id)).stdout
    other = env.seed(codes=("M54.2",), npi="1234567890")
    run(env, "prescriptions", "reject", str(other), "--reason", "duplicate fax", "--json")
    assert json.loads(run(env, "prescriptions", "list", "--status", "rejected", "--json").stdout)[-1]["id"] == other
    assert "no prescription #424242" in run(env, "prescriptions", "approve", "424242", code=66).stderr.lower()
    assert "no alert" in run(env, "alerts", "show", "424242", code=66).stderr


def test_renewals_letter_and_visits_import(env, tmp_path):  # noqa: ANN001
    today = date.today()
    ending = env.seed(codes=("M54.2",), end=today + timedelta(days=3))
    used = env.seed(codes=("M54.2",), end=today + timedelta(days=90), visits=6)
    csv = tmp_path / "visits.csv"
    csv.write_text(f"prescription_id,visits_used\n{used},5\n999999,1\n{ending},abc\n")
    proc = run(env, "visits", "import", str(csv), code=65)
    assert "1 changed" in proc.stdout and "no prescription #999999" in proc.stderr and "abc" in proc.stderr
    items = {r["id"]: r for r in json.loads(run(env, "renewals", "--json").stdout)}
    assert "ends on" in items[ending]["reasons"][0]
    assert items[used]["reasons"] == ["5 of 6 visits used"]
    assert ending not in {r["id"] for r in json.loads(run(env, "renewals", "--days", "1", "--json").stdout)}
    assert "Renewal needed" in run(env, "renewals").stdout
    out = tmp_path / "letter.pdf"
    run(env, "renewals", "letter", str(used), "-o", str(out))
    text = pdfium.PdfDocument(out.read_bytes())[0].get_textpage().get_text_range()
    assert "5 of 6" in text and "M54.2" in text


def test_users_add_asks_for_the_password_twice(env):  # noqa: ANN001
    proc = run(env, "users", "add", "lee", stdin="first password\nsecond password\nfirst password\nfirst password\n")
    assert "do not match" in proc.stdout.lower() and "User lee: added." in proc.stdout


def test_review_serves_the_page_on_the_configured_port(env):  # noqa: ANN001
    import httpx

    from tests.servers import free_port, wait_port

    port = free_port()
    proc = subprocess.Popen([RX, "review", "--port", str(port)], env={**os.environ, **env.environ},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_port(port, 60)
        base = f"http://127.0.0.1:{port}"
        assert 'for="username"' in httpx.get(base + "/login").text
        resp = httpx.get(base + "/queue")
        assert resp.status_code == 303 and resp.headers["location"] == "/login?next=%2Fqueue"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in err and "Traceback" not in err
