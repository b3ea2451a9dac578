"""Service benchmark (`make bench`, or `python -m tests.bench.service`): prints figures.

End to end through a private Dovecot, a private Redis and a fresh PostgreSQL database:
  * messages filed per minute with 1 and 2 worker processes (the service already running and
    idle; the clock runs from the APPEND of the batch to the last record committed);
  * arrival-to-filed latency of a text-PDF prescription, median and max over 20 arrivals;
  * recovery after SIGKILL of a worker: how long until every job it held is filed again.
Options: --batch all (whole dev corpus, OCR included; default: text-layer and body messages),
--latency-runs N.
"""

from __future__ import annotations

import argparse
import re
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import DEV
from tests.dovecot import Dovecot
from tests.service.conftest import (FAST, MANIFEST, dev_raw, ledger_count, service_env, start_run, stop, wait_for,
                                   worker_pids)
from tests.servers import ensure_rabbitmq, pg_database, start_private_redis


def unique(raw: bytes, n: int) -> bytes:
    """The same message as a new arrival (own Message-ID), so filing does not see a resend."""
    return re.sub(rb"(?im)^Message-ID:\s*<([^>]*)>", lambda m: b"Message-ID: <bench%d-%s>" % (n, m.group(1)),
                  raw, count=1)


def start_service(env: dict, tmp: Path, processes: int, label: str, dovecot: Dovecot):
    assert dovecot.count("INBOX") == 0, "INBOX is empty before each phase"
    log = tmp / f"{label}.log"
    p = start_run(env, "--processes", str(processes), "--threads", "1", log=log)
    wait_for(lambda: "service.started" in log.read_text() and "imap.connected" in log.read_text(), 120,
             what="service start")
    wait_for(lambda: len(worker_pids(p.pid)) == processes, 60, what="workers")
    time.sleep(2.0)  # workers connected to the broker
    return p, log


def throughput(dovecot: Dovecot, redis_url: str, cases: list[str], processes: int, tmp: Path) -> float:
    with pg_database(f"bench{processes}") as url:
        env = service_env(tmp / f"p{processes}", RXINTAKE_BROKER_URL=redis_url, RXINTAKE_DATABASE_URL=url,
                          **dovecot.env())
        (tmp / f"p{processes}").mkdir(exist_ok=True)
        p, _ = start_service(env, tmp, processes, f"throughput{processes}", dovecot)
        try:
            raws = [unique(dev_raw(c), 1000 * processes + i) for i, c in enumerate(cases)]
            t0 = time.monotonic()
            dovecot.append(raws)
            wait_for(lambda: ledger_count(url) >= len(raws), 3600, step=0.2, what="batch filed")
            elapsed = time.monotonic() - t0
            wait_for(lambda: dovecot.count("INBOX") == 0, 60, what="batch moved")
        finally:
            stop(p)
    return len(cases) / elapsed * 60


def latency(dovecot: Dovecot, redis_url: str, runs: int, tmp: Path) -> list[float]:
    case = next(c["case"] for c in MANIFEST["cases"] if c["render"] == "text_pdf" and not c["alerts"])
    out = []
    with pg_database("benchlat") as url:
        env = service_env(tmp / "lat", RXINTAKE_BROKER_URL=redis_url, RXINTAKE_DATABASE_URL=url, **dovecot.env())
        (tmp / "lat").mkdir(exist_ok=True)
        p, _ = start_service(env, tmp, 1, "latency", dovecot)
        sender = dovecot.client()  # logged in beforehand: the clock starts at the APPEND itself
        try:
            for i in range(runs):
                raw = unique(dev_raw(case), 5000 + i)
                t0 = time.monotonic()
                sender.append("INBOX", raw)
                wait_for(lambda: ledger_count(url) >= i + 1, 120, step=0.01, what="filed")
                out.append(time.monotonic() - t0)
                wait_for(lambda: dovecot.count("INBOX") == 0, 60, what="moved")
        finally:
            sender.logout()
            stop(p)
    return out


def recovery(dovecot: Dovecot, broker_url: str, tmp: Path, heartbeat: float, label: str = "kill") -> float:
    """Seconds from SIGKILL of the only worker (mid-batch) to the whole batch filed."""
    cases = FAST[:8]
    with pg_database("benchkill") as url:
        env = service_env(tmp / label, RXINTAKE_BROKER_URL=broker_url, RXINTAKE_DATABASE_URL=url,
                          RXINTAKE_REDIS_HEARTBEAT_TIMEOUT_SECONDS=str(heartbeat), **dovecot.env())
        (tmp / label).mkdir(exist_ok=True)
        p, log = start_service(env, tmp, 1, label, dovecot)
        try:
            dovecot.append([unique(dev_raw(c), 9000 + i) for i, c in enumerate(cases)])
            wait_for(lambda: ledger_count(url) >= 1, 120, step=0.05, what="first filed")
            import os

            os.kill(worker_pids(p.pid)[0], signal.SIGKILL)
            t0 = time.monotonic()
            wait_for(lambda: ledger_count(url) >= len(cases), 600, step=0.1, what="all filed")
            took = time.monotonic() - t0
            wait_for(lambda: dovecot.count("INBOX") == 0, 60, what="all moved")
            return took
        finally:
            stop(p)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.bench.service")
    ap.add_argument("--batch", choices=["fast", "all"], default="fast")
    ap.add_argument("--latency-runs", type=int, default=20)
    ap.add_argument("--heartbeat", type=float, default=20.0, help="RXINTAKE_REDIS_HEARTBEAT_TIMEOUT_SECONDS")
    args = ap.parse_args(argv)
    cases = FAST if args.batch == "fast" else sorted(p.stem for p in DEV.glob("*.eml"))
    tmp = Path(tempfile.mkdtemp(prefix="rxbench-"))
    dovecot = Dovecot().start()
    try:
        with start_private_redis() as redis:
            print(f"service benchmark: {len(cases)} dev messages ({args.batch}), Dovecot STARTTLS, Redis, "
                  f"PostgreSQL; 1 thread per worker process", flush=True)
            for procs in (1, 2):
                rate = throughput(dovecot, redis.url, cases, procs, tmp)
                print(f"  throughput, {procs} worker process(es): {rate:6.1f} messages filed per minute",
                      flush=True)
            lat = latency(dovecot, redis.url, args.latency_runs, tmp)
            print(f"  arrival-to-filed latency, text-PDF prescription, {len(lat)} arrivals: "
                  f"median {statistics.median(lat):.2f} s, max {max(lat):.2f} s", flush=True)
            took = recovery(dovecot, redis.url, tmp, args.heartbeat)
            print(f"  worker SIGKILLed mid-batch (8 messages), Redis: all filed {took:.1f} s after the kill "
                  f"(heartbeat timeout {args.heartbeat:.0f} s)", flush=True)
        took = recovery(dovecot, ensure_rabbitmq(), tmp, args.heartbeat, label="killamqp")
        print(f"  worker SIGKILLed mid-batch (8 messages), RabbitMQ: all filed {took:.1f} s after the kill",
              flush=True)
    finally:
        dovecot.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
