"""Faults mid-batch: after recovery every message is filed exactly once and moved to Processed.

Each test runs a small batch of quick (text-layer or body) messages through `rxintake run
--until-idle` with a private Redis, breaks one part while the batch is under way, and checks
the records (one per message), the ledger and the mailbox.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.service.conftest import (FAST, PrivatePostgres, dev_raw, export, ledger_count, message_id, start_run,
                                   service_env, stop, wait_for, worker_pids)

pytestmark = [pytest.mark.service, pytest.mark.slow]
BATCH = 8


def batch() -> dict[str, bytes]:
    return {c: dev_raw(c) for c in FAST[-BATCH:]}


def finish(p, log, timeout: float = 240) -> None:
    try:
        code = p.wait(timeout=timeout)
    except Exception:
        stop(p)
        raise AssertionError(f"run --until-idle did not finish: {log.read_text()[-4000:]}")
    text = log.read_text()
    assert code == 0, text[-4000:]
    assert "Traceback" not in text, text[-6000:]


def assert_exactly_once(mailbox, env, url, raws) -> None:
    want = sorted(message_id(r) for r in raws.values())
    rows = export(env)
    assert sorted(r["source"]["message_id"] for r in rows) == want, "one record per message"
    assert len({r["record_id"] for r in rows}) == len(want)
    assert not any(a["code"] == "processing_failed" for r in rows for a in r["alerts"])
    assert mailbox.count("INBOX") == 0
    assert sorted(mailbox.message_ids("Processed")) == want, "each message once in Processed"
    assert ledger_count(url) == len(want)


@pytest.fixture
def redis():
    from tests.servers import start_private_redis

    with start_private_redis() as r:
        yield r


def test_worker_killed_mid_batch(mailbox, pg_url, redis, tmp_path, capsys):
    raws = batch()
    mailbox.append(list(raws.values()))
    env = service_env(tmp_path, **mailbox.env(), RXINTAKE_BROKER_URL=redis.url, RXINTAKE_DATABASE_URL=pg_url)
    log = tmp_path / "run.log"
    p = start_run(env, "--until-idle", "--processes", "1", "--threads", "1", log=log)
    try:
        wait_for(lambda: ledger_count(pg_url) >= 2, 120, what="first records filed")
        pids = worker_pids(p.pid)
        assert pids, "run started a worker process"
        os.kill(pids[0], signal.SIGKILL)
        killed_at = time.monotonic()
        wait_for(lambda: "worker.died" in log.read_text(), 10, what="dead worker noticed")
        finish(p, log)
    finally:
        stop(p)
    recovery = time.monotonic() - killed_at
    assert_exactly_once(mailbox, env, pg_url, raws)
    with capsys.disabled():
        print(f"\n[faults] worker SIGKILLed mid-batch: batch done {recovery:.1f} s after the kill "
              f"(Redis heartbeat timeout 10 s in this test)")


def test_redis_restarted_mid_batch(mailbox, pg_url, redis, tmp_path):
    """The private Redis keeps nothing across a restart: the ledger sends lost jobs again."""
    raws = batch()
    mailbox.append(list(raws.values()))
    env = service_env(tmp_path, **mailbox.env(), RXINTAKE_BROKER_URL=redis.url, RXINTAKE_DATABASE_URL=pg_url,
                      RXINTAKE_JOB_REQUEUE_SECONDS="10")
    log = tmp_path / "run.log"
    p = start_run(env, "--until-idle", "--processes", "1", "--threads", "1", log=log)
    try:
        wait_for(lambda: ledger_count(pg_url) >= 2, 120, what="first records filed")
        redis.restart(down_seconds=2.0)
        finish(p, log)
    finally:
        stop(p)
    assert_exactly_once(mailbox, env, pg_url, raws)


def test_imap_connection_dropped_mid_batch(mailbox, pg_url, redis, tmp_path):
    raws = batch()
    mailbox.append(list(raws.values()))
    env = service_env(tmp_path, **mailbox.env(), RXINTAKE_BROKER_URL=redis.url, RXINTAKE_DATABASE_URL=pg_url)
    log = tmp_path / "run.log"
    p = start_run(env, "--until-idle", "--processes", "1", "--threads", "1", log=log)
    try:
        wait_for(lambda: ledger_count(pg_url) >= 2, 120, what="first records filed")
        assert mailbox.kill_imap_sessions() >= 1
        wait_for(lambda: "imap.down" in log.read_text(), 30, what="drop noticed")
        finish(p, log)
    finally:
        stop(p)
    assert log.read_text().count("imap.connected") >= 2, "reconnected"
    assert_exactly_once(mailbox, env, pg_url, raws)


def test_postgresql_stopped_10_s_mid_batch(mailbox, redis, tmp_path):
    pg = PrivatePostgres().init()
    try:
        raws = batch()
        mailbox.append(list(raws.values()))
        env = service_env(tmp_path, **mailbox.env(), RXINTAKE_BROKER_URL=redis.url, RXINTAKE_DATABASE_URL=pg.url)
        log = tmp_path / "run.log"
        p = start_run(env, "--until-idle", "--processes", "1", "--threads", "1", log=log)
        try:
            wait_for(lambda: ledger_count(pg.url) >= 2, 120, what="first records filed")
            pg.stop()
            time.sleep(10)
            pg.start()
            finish(p, log)
        finally:
            stop(p)
        text = log.read_text()
        assert "DatabaseUnavailable" in text or "OperationalError" in text, "the outage was seen"
        assert_exactly_once(mailbox, env, pg.url, raws)
    finally:
        pg.close()
