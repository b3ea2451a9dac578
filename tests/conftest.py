"""Shared test set-up: where the shared corpus lives, and one extraction of it per session."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _find_shared() -> Path:
    """The shared contract and corpus: $RXINTAKE_SHARED, else a `shared/` beside this checkout or
    beside one of its parents, else beside the repository this one was cloned from."""
    if os.environ.get("RXINTAKE_SHARED"):
        return Path(os.environ["RXINTAKE_SHARED"])
    candidates = [parent / "shared" for parent in ROOT.parents]
    try:
        import subprocess

        origin = subprocess.run(["git", "-C", str(ROOT), "remote", "get-url", "origin"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        origin_path = Path(origin.removeprefix("file://"))
        if origin and origin_path.is_dir():
            candidates.insert(0, origin_path.resolve().parent / "shared")
    except (OSError, subprocess.SubprocessError):
        pass
    candidates.insert(0, ROOT.parent / "shared")
    for candidate in candidates:
        if (candidate / "CONTRACT.md").is_file() and (candidate / "corpus" / "dev").is_dir():
            return candidate
    raise RuntimeError("the shared corpus was not found: set RXINTAKE_SHARED to the folder holding "
                       "CONTRACT.md, corpus/ and schema/")


SHARED = _find_shared()
os.environ.setdefault("RXINTAKE_SHARED", str(SHARED))  # for subprocesses the tests start
DEV = SHARED / "corpus" / "dev"
REALWORLD = SHARED / "corpus" / "realworld"
SCHEMA = SHARED / "schema" / "extraction.schema.json"
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def schema() -> dict:
    return json.loads(SCHEMA.read_text())


def truth(case: str) -> dict:
    return json.loads((DEV / f"{case}.truth.json").read_text())


def run_extract(files: list[Path], jobs: int = 2) -> dict[str, dict]:
    """`rxintake extract` over files in `jobs` parallel processes; results by case name."""
    import subprocess

    chunks = [files[i::jobs] for i in range(jobs)]
    procs = [subprocess.Popen([str(ROOT / ".venv/bin/rxintake"), "extract", *map(str, c)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for c in chunks if c]
    results: dict[str, dict] = {}
    for p in procs:
        out, err = p.communicate(timeout=1800)
        assert p.returncode == 0, err[-2000:]
        assert "Traceback" not in err, err[-2000:]
        for line in out.splitlines():
            obj = json.loads(line)
            results[Path(obj["source"]["path"]).stem] = obj
    return results


@pytest.fixture(scope="session")
def dev_predictions(tmp_path_factory) -> dict[str, dict]:
    """Every dev-corpus message extracted once per test session (also written to pred.jsonl)."""
    preds = run_extract(sorted(DEV.glob("*.eml")))
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "dev-pred.jsonl").write_text("".join(json.dumps(v) + "\n" for _, v in sorted(preds.items())))
    return preds
