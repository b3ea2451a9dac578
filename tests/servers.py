"""Real servers for tests: PostgreSQL, Redis and RabbitMQ on 127.0.0.1, started when missing.

Each check connects to the port first; only a closed port makes us start the server (Debian's own
commands). Tests get a fresh, uniquely named PostgreSQL database (`pg_database()`), dropped after,
and tests that kill Redis get a private one on their own port (`start_private_redis(port)`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

HOST = "127.0.0.1"
PG_PORT, REDIS_PORT, AMQP_PORT = 5432, 6379, 5672
PG_ADMIN_URL = f"postgresql+psycopg://postgres@{HOST}:{PG_PORT}/postgres"
DB_PREFIX = "rxtest"


def port_open(port: int, host: str = HOST, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_port(port: int, timeout: float = 60.0, *, open_: bool = True) -> None:
    """Wait until the port accepts connections (or, with open_=False, until it refuses them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port) == open_:
            return
        time.sleep(0.1)
    raise TimeoutError(f"port {port} still {'closed' if open_ else 'open'} after {timeout:.0f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def ensure_postgres() -> str:
    """PostgreSQL on 5432; returns the admin URL."""
    if not port_open(PG_PORT):
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                       check=True, capture_output=True, timeout=60)
        wait_port(PG_PORT, 60)
    return PG_ADMIN_URL


def ensure_redis() -> str:
    """Redis on 6379 (no persistence); returns its URL."""
    if not port_open(REDIS_PORT):
        for d in ("/var/lib/redis", "/var/log/redis"):
            Path(d).mkdir(parents=True, exist_ok=True)
        subprocess.run(["redis-server", "--daemonize", "yes", "--bind", HOST, "--port", str(REDIS_PORT),
                        "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
                        "--logfile", "/var/log/redis/ci.log"], check=True, capture_output=True, timeout=30)
        wait_port(REDIS_PORT, 30)
    return f"redis://{HOST}:{REDIS_PORT}/0"


def ensure_rabbitmq() -> str:
    """RabbitMQ on 5672 (guest/guest); returns its URL."""
    if not port_open(AMQP_PORT):
        subprocess.run(["rabbitmq-server", "-detached"], check=True, capture_output=True, timeout=60)
        wait_port(AMQP_PORT, 120)
    return f"amqp://guest:guest@{HOST}:{AMQP_PORT}/"


def _admin_sql(*statements: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(host=HOST, port=PG_PORT, user="postgres", dbname="postgres",
                         autocommit=True, connect_timeout=10) as conn:
        rows: list[tuple] = []
        for sql in statements:
            cur = conn.execute(sql)
            if cur.description:
                rows += cur.fetchall()
        return rows


def _drop_orphans() -> None:
    """Drop test databases left by runs that died (their creating process is gone)."""
    for (name,) in _admin_sql(f"SELECT datname FROM pg_database WHERE datname LIKE '{DB_PREFIX}\\_%'"):
        parts = name.split("_")
        if len(parts) >= 3 and parts[1].isdigit() and not Path(f"/proc/{parts[1]}").exists():
            _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_database(label: str = "t") -> str:
    """A new empty database named rxtest_<pid>_<label>_<random>; returns its SQLAlchemy URL."""
    ensure_postgres()
    _drop_orphans()
    safe = "".join(c for c in label.lower() if c.isalnum())[:20] or "t"
    name = f"{DB_PREFIX}_{os.getpid()}_{safe}_{uuid.uuid4().hex[:8]}"
    _admin_sql(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@{HOST}:{PG_PORT}/{name}"


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    assert name.startswith(DB_PREFIX + "_"), name
    _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def pg_database(label: str = "t") -> Iterator[str]:
    """`with pg_database("filing") as url:` a fresh database for the block, dropped afterwards."""
    url = create_database(label)
    try:
        yield url
    finally:
        from records import db as records_db

        engine = records_db._engines.pop(url, None)
        if engine is not None:
            engine.dispose()
        drop_database(url)


class PrivateRedis:
    """A Redis of the test's own, on its own port and directory, that the test may stop and restart."""

    def __init__(self, port: int):
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix=f"rxredis{port}-"))
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> PrivateRedis:
        if self.proc is not None and self.proc.poll() is None:
            return self
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", HOST, "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, 30)
        return self

    def stop(self, kill: bool = False) -> None:
        """Stop it (SIGTERM, or SIGKILL with kill=True) and wait until the port is closed."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.kill() if kill else self.proc.terminate()
        self.proc.wait(timeout=30)
        wait_port(self.port, 30, open_=False)

    def restart(self, down_seconds: float = 0.0, kill: bool = False) -> None:
        self.stop(kill=kill)
        time.sleep(down_seconds)
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PrivateRedis:
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self.close()


def start_private_redis(port: int | None = None) -> PrivateRedis:
    """A running private Redis (on `port`, or a free one); call .close() (or use `with`) at the end."""
    return PrivateRedis(port or free_port()).start()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db_url(request, tmp_path_factory) -> Iterator[str]:  # noqa: ANN001
    """A fresh, empty records database for the test module, on each backend in turn.

    Use it with `from tests.servers import db_url`."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('records') / 'rx.sqlite3'}"
    else:
        with pg_database(request.module.__name__.rsplit(".", 1)[-1]) as url:
            yield url
