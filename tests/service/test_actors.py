"""The actors called directly: idempotent, and the dead-letter path tells a bad message from a
server that was down too long."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.service.conftest import FAST, dev_raw, message_id


@pytest.fixture
def worker_ctx(tmp_path, monkeypatch):
    from rxintake.settings import get_settings
    from worker import actors

    monkeypatch.setenv("RXINTAKE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RXINTAKE_DATABASE_URL", f"sqlite:///{tmp_path / 'rx.sqlite3'}")
    get_settings.cache_clear()
    actors._ctx.clear()
    settings, engine, store = actors._context()
    yield engine, store
    actors._ctx.clear()
    get_settings.cache_clear()


def _queue(engine, store, case: str) -> tuple[str, str]:
    from worker import ledger

    raw = dev_raw(case)
    sha = store.put(raw)
    ref = f"imap:INBOX:1:{case}"
    with engine.begin() as conn:
        ledger.add(conn, ref, sha, f"{case}.eml")
    return ref, sha


def _records(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(text("SELECT p.id, a.code FROM prescriptions p LEFT JOIN alerts a "
                                 "ON a.prescription_id = p.id ORDER BY p.id")).all()


def test_process_twice_files_once(worker_ctx):
    from worker.actors import process_message

    engine, store = worker_ctx
    ref, sha = _queue(engine, store, FAST[0])
    process_message(ref, sha)
    first = _records(engine)
    process_message(ref, sha)  # a redelivery
    assert _records(engine) == first and len({r[0] for r in first}) == 1


def test_retries_spent_on_a_server_fault_still_give_a_real_record(worker_ctx):
    from worker.actors import record_failure

    engine, store = worker_ctx
    ref, sha = _queue(engine, store, FAST[1])
    msg = {"args": [ref, sha], "options": {"traceback": "x\nrxintake.errors.DatabaseUnavailable: down"}}
    record_failure(msg, {"retries": 6, "max_retries": 6})
    codes = {c for _, c in _records(engine)}
    assert "processing_failed" not in codes
    assert len({r[0] for r in _records(engine)}) == 1


def test_a_permanent_fault_gives_a_processing_failed_record(worker_ctx):
    from worker.actors import record_failure

    engine, store = worker_ctx
    ref, sha = _queue(engine, store, FAST[2])
    msg = {"args": [ref, sha], "options": {"traceback": "x\nKeyError: 'boom'"}}
    record_failure(msg, {"retries": 0, "max_retries": 6})
    rows = _records(engine)
    assert [c for _, c in rows] == ["processing_failed"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT message_id FROM messages")).scalar() == message_id(dev_raw(FAST[2]))
        assert conn.execute(text("SELECT state FROM intake_jobs")).scalar() == "filed"


def test_a_job_missing_from_the_ledger_is_dropped(worker_ctx):
    """A stale job from another installation sharing the broker files nothing."""
    from worker.actors import process_message, record_failure

    engine, store = worker_ctx
    process_message("imap:INBOX:1:999", "0" * 64)
    record_failure({"args": ["imap:INBOX:1:999", "0" * 64], "options": {}}, {"retries": 0, "max_retries": 6})
    assert _records(engine) == []


def test_ledger_created_by_several_processes_at_once(pg_url):
    """Workers starting together on an empty PostgreSQL database all find the ledger ready."""
    import threading

    from sqlalchemy import create_engine, inspect

    from worker.ledger import ensure_ledger

    errors: list[str] = []

    def create() -> None:
        engine = create_engine(pg_url)
        try:
            ensure_ledger(engine)
        except Exception as exc:  # noqa: BLE001
            errors.append(type(exc).__name__)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    engine = create_engine(pg_url)
    try:
        assert inspect(engine).has_table("intake_jobs")
    finally:
        engine.dispose()
