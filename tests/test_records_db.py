"""The records database itself: migrations from empty, racing processes, faults and their error types."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select, text

from records.db import current_revision, ensure_schema, get_engine, head_revision, make_engine, session_factory
from records.filing import file_extraction
from records.models import Base, MessageRecord, Prescription
from rxintake.errors import DatabaseBusy, DatabaseUnavailable, FilingError, TransientError
from rxintake.settings import Settings
from tests.conftest import ROOT
from tests.servers import db_url, free_port, pg_database  # noqa: F401 - fixture
from tests.test_records_filing import rx, sha

pytestmark = pytest.mark.service

RACER = """
import json, os, sys, time
from records.db import get_engine, session_factory
from records.filing import file_extraction
from tests.test_records_filing import rx
url, go, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
Session = session_factory(get_engine(url))
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.002)
created = []
with Session() as s:
    for i in range(n):
        ex = rx(f"Racer Number{chr(97 + i % 26)}{chr(97 + i // 26)}", "1960-02-02", message_id=f"<race-{i}@x>",
                path=f"{i}.eml")
        r = file_extraction(s, ex, raw_sha256=f"{i:064x}", source_ref=f"imap:INBOX:1:{i}")
        if r.created:
            created.append(r.record_id)
print(json.dumps(created))
"""


def test_two_processes_file_the_same_messages_once(db_url, tmp_path):  # noqa: F811
    """Two workers start on an empty database at once (both migrate) and file the same 12 messages."""
    n, go = 12, tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", RACER, db_url, str(go), str(n)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for p in procs:  # both loaded and waiting, then released together
        assert p.stdout.readline().strip() == "ready", p.stderr.read()[-3000:]
    go.touch()
    created: list[int] = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-3000:]
        created += json.loads(out)
    assert len(created) == n == len(set(created))
    with session_factory(get_engine(db_url))() as s:
        assert s.scalar(select(func.count()).select_from(MessageRecord)) == n
        assert s.scalar(select(func.count()).select_from(Prescription)) == n


def test_migrations_build_the_models_schema_from_empty(db_url):  # noqa: F811
    """Upgrading an empty database gives exactly the tables the models describe (no drift)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = get_engine(db_url)
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        tables = set(conn.dialect.get_table_names(conn))
    assert not diff, diff
    assert {"clients", "messages", "documents", "prescriptions", "alerts", "users", "audit_entries"} <= tables


def test_unreachable_postgresql_is_a_transient_error():
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"
    engine = make_engine(url, Settings(database_connect_timeout=2))
    with pytest.raises(DatabaseUnavailable) as caught, session_factory(engine)() as s:
        file_extraction(s, rx(), raw_sha256=sha(), source_ref="inbox:a.eml")
    assert isinstance(caught.value, TransientError) and caught.value.transient
    assert caught.value.exit_code == 75


def test_locked_sqlite_is_a_transient_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'locked.sqlite3'}"
    ensure_schema(get_engine(url))
    engine = make_engine(url, Settings(database_busy_timeout=0.3))
    holder = get_engine(url).connect()
    holder.exec_driver_sql("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        with pytest.raises(DatabaseBusy) as caught, session_factory(engine)() as s:
            file_extraction(s, rx(), raw_sha256=sha(), source_ref="inbox:a.eml")
        assert caught.value.transient
    finally:
        holder.exec_driver_sql("ROLLBACK")
        holder.close()
    with session_factory(engine)() as s:  # once the lock is gone the same call files
        assert file_extraction(s, rx(), raw_sha256=sha(), source_ref="inbox:a.eml").created


def test_bad_data_is_a_permanent_error():
    """Data PostgreSQL refuses (an over-long NPI) is permanent, not retried forever, and leaves nothing."""
    with pg_database("baddata") as url:
        engine = get_engine(url)
        with pytest.raises(FilingError) as caught, session_factory(engine)() as s:
            file_extraction(s, rx(npi="123456789012345"), raw_sha256=sha(), source_ref="inbox:a.eml")
        assert not caught.value.transient
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM messages")).scalar() == 0


def test_db_upgrade_command_migrates_an_empty_database(tmp_path):
    from tests.test_records_import import cli

    url = f"sqlite:///{tmp_path / 'cmd.sqlite3'}"
    first = cli("db", "upgrade", url=url)
    assert first.exit_code == 0 and f"empty -> {head_revision()}" in first.stderr
    again = cli("db", "current", url=url)
    assert again.exit_code == 0 and again.stdout.startswith(f"{head_revision()} (latest")
    closed = cli("db", "upgrade", url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x")
    assert closed.exit_code == 75 and "unavailable" in closed.stderr


def test_database_urls_as_written_elsewhere_or_wrong():
    from records.db import normalize_url
    from rxintake.errors import ConfigError

    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(ConfigError) as caught:
        make_engine("mysql://clinic:secret@db/records")
    assert "secret" not in caught.value.message and caught.value.exit_code == 78
