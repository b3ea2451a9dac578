"""docker/ runs what exists: the CLI commands and options, the files copied, real settings."""

from __future__ import annotations

import re
import shlex

import typer
import yaml

from rxintake.cli import app
from rxintake.settings import Settings
from tests.conftest import ROOT

DOCKER = ROOT / "docker"
SETTINGS = {f"RXINTAKE_{name.upper()}" for name in Settings.model_fields}


def check_command(argv: list[str]) -> None:
    """`argv` (after the program name) parses as an rxintake command with its real options."""
    group = typer.main.get_command(app)
    ctx = group.make_context("rxintake", list(argv), resilient_parsing=False)
    sub = group.get_command(ctx, argv[0])
    assert sub is not None, f"no command {argv[0]}"
    sub.make_context(argv[0], list(argv[1:]))  # raises on an unknown option or a bad value


def test_dockerfile_copies_existing_files_and_runs_a_command():
    text = (DOCKER / "Dockerfile").read_text()
    copies = re.findall(r"^COPY\s+(.+)$", text, re.M)
    assert copies
    for line in copies:
        *sources, _dest = line.split()
        for src in sources:
            assert (ROOT / src).exists(), src
    entry = yaml.safe_load(re.search(r"^ENTRYPOINT\s+(.+)$", text, re.M).group(1))
    cmd = yaml.safe_load(re.search(r"^CMD\s+(.+)$", text, re.M).group(1))
    assert entry == ["rxintake"]
    check_command(cmd)
    assert "install-system-packages.sh" in text and "apt-packages.txt" in text
    for var in re.findall(r"\b(RXINTAKE_[A-Z_]+)=", text):
        assert var in SETTINGS, var


def test_compose_runs_the_worker_with_real_settings():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]
    assert {"worker", "redis", "postgres"} <= set(services)
    worker = services["worker"]
    assert (DOCKER / worker["build"]["context"] / worker["build"]["dockerfile"]).resolve().is_file()
    check_command(worker["command"])
    for var in worker["environment"]:
        assert var in SETTINGS, var
    assert worker["environment"]["RXINTAKE_BROKER_URL"].startswith("redis://redis:")
    assert "@postgres:5432/" in worker["environment"]["RXINTAKE_DATABASE_URL"]


def test_systemd_unit_runs_an_existing_command():
    unit = (DOCKER / "rxintake.service").read_text()
    exec_start = shlex.split(re.search(r"^ExecStart=(.+)$", unit, re.M).group(1))
    assert exec_start[0].endswith("/bin/rxintake")
    check_command(exec_start[1:])
    for var in re.findall(r"^Environment=(RXINTAKE_[A-Z_]+)=", unit, re.M):
        assert var in SETTINGS, var
    assert "RestartPreventExitStatus=78" in unit


def test_env_example_names_only_real_settings():
    for line in (DOCKER / "rxintake.env.example").read_text().splitlines():
        m = re.match(r"^#?\s*(RXINTAKE_[A-Z0-9_]+)=", line)
        if m:
            assert m.group(1) in SETTINGS, m.group(1)
