"""`rxintake extract` as scripts use it: order kept with --jobs, progress on stderr only, exit codes."""

from __future__ import annotations

import json
import subprocess

from tests.conftest import ROOT, SAMPLES

RXINTAKE = str(ROOT / ".venv/bin/rxintake")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RXINTAKE, "extract", *args], capture_output=True, text=True, timeout=300)


def test_parallel_jobs_keep_the_input_order_and_the_results():
    files = [str(p) for p in sorted(SAMPLES.glob("sample0*.eml"))][:6]
    one, two = _run(*files), _run("--jobs", "2", *files)
    assert one.returncode == two.returncode == 0
    assert one.stdout == two.stdout
    assert [json.loads(line)["source"]["path"] for line in two.stdout.splitlines()] == files


def test_progress_goes_to_stderr_and_leaves_the_json_lines_alone():
    files = [str(p) for p in sorted(SAMPLES.glob("sample0*.eml"))][:2]
    run = _run("--progress", *files)
    assert run.returncode == 0
    assert len([json.loads(line) for line in run.stdout.splitlines()]) == 2
    assert "Reading" in run.stderr


def test_a_missing_input_is_exit_66_and_the_others_are_still_read():
    run = _run(str(SAMPLES / "sample01.eml"), "/nonexistent/rx.pdf")
    assert run.returncode == 66
    assert len(run.stdout.splitlines()) == 1 and "no such file" in run.stderr
