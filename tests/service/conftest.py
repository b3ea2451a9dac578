"""Fixtures for the service tests: a private Dovecot, fresh databases, `rxintake run` as a process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import DEV, ROOT
from tests.dovecot import Dovecot

RXINTAKE = str(ROOT / ".venv" / "bin" / "rxintake")
MANIFEST = json.loads((DEV / "manifest.json").read_text()) if (DEV / "manifest.json").exists() else {"cases": []}
#: Messages read from a text layer or the mail body: quick to extract, for fault tests.
FAST = [c["case"] for c in MANIFEST["cases"] if c["render"] in ("text_pdf", "body_only")]


def dev_raw(case: str) -> bytes:
    return (DEV / f"{case}.eml").read_bytes()


def message_id(raw: bytes) -> str:
    from email.parser import BytesHeaderParser

    return str(BytesHeaderParser().parsebytes(raw).get("Message-ID", "")).strip()


@pytest.fixture(scope="module")
def dovecot():
    d = Dovecot().start()
    yield d
    d.stop()


@pytest.fixture
def mailbox(dovecot):
    """The module's Dovecot with an empty INBOX and no done folder, for one test."""
    c = dovecot.client()
    try:
        for folder in ("INBOX", "Processed"):
            if c.folder_exists(folder):
                c.select_folder(folder)
                uids = c.search(["ALL"])
                if uids:
                    c.delete_messages(uids)
                    c.expunge()
        c.unselect_folder() if c.has_capability("UNSELECT") else None
        if c.folder_exists("Processed"):
            c.delete_folder("Processed")
    finally:
        c.logout()
    return dovecot


@pytest.fixture
def pg_url():
    from tests.servers import pg_database

    with pg_database("service") as url:
        yield url


def service_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RXINTAKE_")}
    env.update({"RXINTAKE_DATA_DIR": str(tmp_path / "data"), "RXINTAKE_OCR_WORKERS": "1",
                "RXINTAKE_REDIS_HEARTBEAT_TIMEOUT_SECONDS": "10",
                "RXINTAKE_REDIS_MAINTENANCE_CHANCE": "200000"})
    if "RXINTAKE_SHARED" in os.environ:
        env["RXINTAKE_SHARED"] = os.environ["RXINTAKE_SHARED"]
    env.update(extra)
    return env


def start_run(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen:
    fh = open(log, "ab")
    return subprocess.Popen([RXINTAKE, "run", *args], env=env, cwd=env["RXINTAKE_DATA_DIR"].rsplit("/", 1)[0],
                            stdout=fh, stderr=fh, start_new_session=True)


def run_until_idle(env: dict[str, str], *args: str, log: Path, timeout: float = 600) -> float:
    """`rxintake run --until-idle`; asserts exit 0 and no traceback; returns seconds taken."""
    t0 = time.monotonic()
    p = start_run(env, "--until-idle", *args, log=log)
    try:
        code = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(p)
        raise AssertionError(f"run --until-idle did not finish in {timeout} s: {log.read_text()[-3000:]}")
    text = log.read_text()
    assert code == 0, text[-3000:]
    assert "Traceback" not in text, text[-5000:]
    return time.monotonic() - t0


def stop(p: subprocess.Popen, timeout: float = 60) -> int:
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            return p.wait()
    return p.returncode


def export(env: dict[str, str]) -> list[dict]:
    out = subprocess.run([RXINTAKE, "export"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def wait_for(predicate, timeout: float, step: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"{what} not reached within {timeout} s")


def ledger_count(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM intake_jobs WHERE state = 'filed'")).scalar()
    except Exception:  # noqa: BLE001 - the table may not exist yet
        return 0
    finally:
        engine.dispose()


def worker_pids(run_pid: int) -> list[int]:
    """Worker processes (python -m worker.process) started by the `run` process."""
    from tests.dovecot import _children

    out = []
    for pid in _children(run_pid):
        try:
            if b"worker.process" in Path(f"/proc/{pid}/cmdline").read_bytes():
                out.append(pid)
        except OSError:
            pass
    return out


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb under a temp dir, its own port), so the test
    can stop it without disturbing anyone else. Runs as the `postgres` user, as PostgreSQL demands."""

    BIN = Path("/usr/lib/postgresql/15/bin")

    def __init__(self):
        import pwd
        import tempfile

        from tests.servers import free_port

        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="rxpg-"))
        user = pwd.getpwnam("postgres")
        os.chown(self.dir, user.pw_uid, user.pw_gid)
        self.data = self.dir / "data"

    def _as_postgres(self, *argv: str, timeout: float = 120) -> None:
        cmd = ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else list(argv)
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> "PrivatePostgres":
        self._as_postgres(str(self.BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                          "--no-sync", "-E", "UTF8")
        return self.start()

    def start(self) -> "PrivatePostgres":
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(str(self.BIN / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l",
                          str(self.dir / "pg.log"), "-w", "start")
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._as_postgres(str(self.BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        import shutil

        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
