"""Shared test set-up: where the shared corpus lives, and one extraction of it per session."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("RXINTAKE_SHARED", ROOT.parent / "shared"))
DEV = SHARED / "corpus" / "dev"
REALWORLD = SHARED / "corpus" / "realworld"
SCHEMA = SHARED / "schema" / "extraction.schema.json"
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def schema() -> dict:
    return json.loads(SCHEMA.read_text())


def truth(case: str) -> dict:
    return json.loads((DEV / f"{case}.truth.json").read_text())
