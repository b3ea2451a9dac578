"""The watched folder, the dead-letter path and `rxintake demo`: stub broker and SQLite, no server."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.conftest import DEV, SAMPLES
from tests.service.conftest import FAST, MANIFEST, RXINTAKE, export, run_until_idle, service_env
from worker.inbox_dir import InboxDir


def test_a_file_is_taken_only_once_it_stopped_growing(tmp_path):
    inbox = InboxDir(tmp_path, settle_seconds=0.3)
    f = tmp_path / "scan.pdf"
    f.write_bytes(b"%PDF-1.4 half")
    (tmp_path / "fax.tif.part").write_bytes(b"partial")
    (tmp_path / ".hidden.pdf").write_bytes(b"%PDF")
    assert inbox.ready() == []  # first sight
    time.sleep(0.35)
    with f.open("ab") as fh:
        fh.write(b" and the rest")
    assert inbox.ready() == []  # it grew: wait again
    time.sleep(0.35)
    assert inbox.ready() == [f]
    moved = inbox.move_processed(f)
    f.write_bytes(b"another scan with the same name")
    assert inbox.move_processed(f).name == "scan-1.pdf" and moved.name == "scan.pdf"


def _pdf_from(case: str) -> bytes:
    from email import policy
    from email.parser import BytesParser

    msg = BytesParser(policy=policy.default).parsebytes((DEV / f"{case}.eml").read_bytes())
    for part in msg.iter_attachments():
        if part.get_content_type() == "application/pdf":
            return part.get_content()
    raise LookupError(case)


def test_dropped_files_are_filed_and_moved(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    pdf_case = next(c["case"] for c in MANIFEST["cases"] if c["render"] == "text_pdf")
    (inbox / "rx-scan.pdf").write_bytes(_pdf_from(pdf_case))
    (inbox / "mail.eml").write_bytes((DEV / f"{FAST[0]}.eml").read_bytes())
    (inbox / "notes.txt").write_text("not ours")
    env = service_env(tmp_path, RXINTAKE_INBOX_DIR=str(inbox), RXINTAKE_INBOX_SETTLE_SECONDS="0.2")
    run_until_idle(env, log=tmp_path / "run.log", timeout=180)
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["mail.eml", "rx-scan.pdf"]
    assert (inbox / "notes.txt").exists()
    rows = export(env)
    assert sorted(r["source"]["path"] for r in rows) == ["mail.eml", "rx-scan.pdf"]
    pdf_row = next(r for r in rows if r["source"]["path"] == "rx-scan.pdf")
    assert pdf_row["source"]["documents"][0]["content_type"] == "application/pdf"
    objects = list((tmp_path / "data" / "objects").rglob("*"))
    assert all((p.stat().st_mode & 0o077) == 0 for p in objects), "originals are private"
    # the same file dropped again is recognised, not filed twice
    (inbox / "again.eml").write_bytes((DEV / f"{FAST[0]}.eml").read_bytes())
    run_until_idle(env, log=tmp_path / "run2.log", timeout=120)
    assert len(export(env)) == 2
    assert (inbox / "processed" / "again.eml").exists()


def _with_copies(raw: bytes, n: int) -> bytes:
    """The message with its scanned attachment n times: a job that outlasts a 1-second limit."""
    from email import policy
    from email.parser import BytesParser

    msg = BytesParser(policy=policy.default).parsebytes(raw)
    part = next(msg.iter_attachments())
    data, (main, sub) = part.get_content(), part.get_content_type().split("/")
    for i in range(1, n):
        # a comment after %%EOF: the same scan, other bytes (identical attachments are read once)
        msg.add_attachment(data + b"\n%%copy %d\n" % i, maintype=main, subtype=sub, filename=f"copy{i}.pdf")
    return bytes(msg)


def test_a_job_that_keeps_failing_becomes_a_staff_alert(tmp_path):
    """Over the time limit: no silent loss, a record with `processing_failed`, the file moved."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    slow = next(c["case"] for c in MANIFEST["cases"] if c["render"] == "scan_pdf")
    (inbox / "scan.eml").write_bytes(_with_copies((DEV / f"{slow}.eml").read_bytes(), 5))
    env = service_env(tmp_path, RXINTAKE_INBOX_DIR=str(inbox), RXINTAKE_INBOX_SETTLE_SECONDS="0",
                      RXINTAKE_JOB_TIME_LIMIT_SECONDS="1")
    run_until_idle(env, log=tmp_path / "run.log", timeout=180)
    rows = export(env)
    assert len(rows) == 1
    assert [a["code"] for a in rows[0]["alerts"]][:1] == ["processing_failed"]
    assert rows[0]["status"] == "needs_review"
    assert rows[0]["source"]["message_id"]
    assert (inbox / "processed" / "scan.eml").exists()
    events = [json.loads(line)["event"] for line in (tmp_path / "run.log").read_text().splitlines()
              if line.startswith("{")]
    assert "job.failed" in events


@pytest.mark.slow
def test_demo_runs_without_servers(tmp_path):
    samples = tmp_path / "samples"
    samples.mkdir()
    source = sorted(SAMPLES.glob("*.eml"))[:3] or sorted(DEV.glob("*.eml"))[:0]
    for f in source:
        (samples / f.name).write_bytes(f.read_bytes())
    env = service_env(tmp_path)
    env["COLUMNS"] = "200"
    out = subprocess.run([RXINTAKE, "demo", "--data-dir", str(tmp_path / "demo"), "--samples", str(samples)],
                         env=env, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "Filed prescriptions" in out.stdout and "Open alerts" in out.stdout
    expected = len(source) or 2
    assert f"({expected} messages" in out.stdout
    assert len(list((tmp_path / "demo" / "inbox" / "processed").iterdir())) == expected
