"""Benchmark: the review queue page with 10,000 prescriptions waiting in PostgreSQL.

Bulk-inserts 10,000 prescriptions needing review (with ~2 open alerts each) and 5,000 filed ones,
serves the app with uvicorn on a loopback port, logs in and times whole HTTP answers of /queue:
first page, a deep page, filtered by alert kind, by prescriber and by date. Target: < 300 ms.

Run: `python -m tests.bench.review_queue [--rows 10000]` (part of `make bench`).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

TARGET_MS = 300.0
KINDS = [("nonbillable_diagnosis", "error", "M54.5 is not billable since Oct 2021: use M54.50, M54.51 or M54.59"),
         ("missing_visit_count", "error", "No number of visits or frequency/duration found"),
         ("invalid_npi", "error", "NPI 1234567890 fails the NPI check digit"),
         ("unknown_client", "warning", "The patient's name and date of birth matched no client record"),
         ("missing_end_date", "warning", "No end date, duration or validity found")]


def bulk_insert(engine, waiting: int, filed: int) -> float:  # noqa: ANN001
    """Insert the rows with executemany in batches; returns seconds taken."""
    from sqlalchemy import insert

    from records.models import AlertRecord, MessageRecord, Prescription

    rnd = random.Random(7)
    t0 = time.perf_counter()
    start = datetime.now(timezone.utc) - timedelta(days=60)
    total = waiting + filed
    with engine.begin() as conn:
        for lo in range(0, total, 2000):
            ids = range(lo + 1, min(lo + 2000, total) + 1)
            msgs, rxs, alerts = [], [], []
            for i in ids:
                at = start + timedelta(seconds=i * 60 * 60 * 24 * 60 / total)
                sha = hashlib.sha256(str(i).encode()).hexdigest()
                msgs.append({"id": i, "dedup_key": sha, "message_id": f"<{i}@bench.example>", "raw_sha256": sha,
                             "source_ref": f"bench:{i}", "source_path": f"{i}.eml", "received_at": at,
                             "outcome": "needs_review"})
                status = "needs_review" if i <= waiting else "filed"
                rxs.append({"id": i, "message_pk": i, "patient_name": f"Jane Bench{i}",
                            "patient_dob": date(1950 + i % 50, 1 + i % 12, 1 + i % 28),
                            "diagnoses": [{"code": "M54.5", "description": "Low back pain"}], "procedures": ["97124"],
                            "visits": 8, "start_date": at.date(), "end_date": at.date() + timedelta(days=28),
                            "prescriber_name": f"Dr Prescriber {i % 200}", "prescriber_npi": "1234567893",
                            "status": status, "created_at": at, "updated_at": at, "extraction": {}})
                if status == "needs_review":
                    for code, sev, text in rnd.sample(KINDS, 2):
                        alerts.append({"prescription_id": i, "code": code, "severity": sev, "field": None,
                                       "message": text, "status": "open", "created_at": at})
            conn.execute(insert(MessageRecord.__table__), [{k if k != "message_id" else "message_id": v
                                                             for k, v in m.items()} for m in msgs])
            conn.execute(insert(Prescription.__table__), [{("message_id" if k == "message_pk" else k): v
                                                           for k, v in r.items()} for r in rxs])
            if alerts:
                conn.execute(insert(AlertRecord.__table__), alerts)
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('prescriptions', 'id'), "
                             "(SELECT max(id) FROM prescriptions))")
        conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - t0


def serve(app):  # noqa: ANN001, ANN201
    import uvicorn

    from tests.servers import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def timed(client, path: str, n: int) -> list[float]:  # noqa: ANN001
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        resp = client.get(path)
        out.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200, (path, resp.status_code)
    return out


def main() -> int:
    import httpx

    from records.db import ensure_schema, get_engine
    from tests.review_seed import PASSWORD, csrf_of, make_env
    from tests.servers import pg_database

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000, help="prescriptions waiting for review")
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--queue-index", action="store_true",
                    help="add an index on prescriptions (status, created_at, id) first, to compare")
    args = ap.parse_args()
    with pg_database("benchqueue") as url, tempfile.TemporaryDirectory() as tmp:
        engine = get_engine(url)
        ensure_schema(engine)
        secs = bulk_insert(engine, args.rows, args.rows // 2)
        print(f"inserted {args.rows} waiting + {args.rows // 2} filed prescriptions in {secs:.1f} s")
        if args.queue_index:
            with engine.begin() as conn:
                conn.exec_driver_sql("CREATE INDEX bench_queue ON prescriptions (status, created_at, id)")
                conn.exec_driver_sql("ANALYZE prescriptions")
            print("with an index on prescriptions (status, created_at, id)")
        env = make_env(url, Path(tmp))
        env.add_user("bench")
        server, base = serve(env.app)
        try:
            with httpx.Client(base_url=base, timeout=30) as client:
                token = csrf_of(client.get("/login").text)
                client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token})
                assert f"{args.rows}</strong> waiting" in client.get("/queue").text
                cases = {"first page": "/queue", "page 100": "/queue?page=100",
                         "alert kind": "/queue?alert=invalid_npi",
                         "prescriber": "/queue?prescriber=prescriber+17",
                         "date range": f"/queue?since={date.today() - timedelta(days=30)}&until={date.today()}"}
                worst = 0.0
                print(f"{'GET /queue':<14} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
                for name, path in cases.items():
                    timed(client, path, 2)  # warm up
                    ms = sorted(timed(client, path, args.repeat))
                    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
                    worst = max(worst, statistics.median(ms))
                    print(f"{name:<14} {statistics.median(ms):>10.1f} {p95:>8.1f} {ms[-1]:>8.1f}")
        finally:
            server.should_exit = True
    verdict = "within" if worst < TARGET_MS else "OVER"
    print(f"review queue with {args.rows} waiting: worst median {worst:.1f} ms, {verdict} the {TARGET_MS:.0f} ms target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
