"""The intake ledger: one row per message taken from a source, until its record is committed.

The broker is only the transport; this table is the truth about what is still owed. A row is
written (state `queued`) after the original is stored and before the job is sent; the actor
turns it `filed` in the same transaction that files the record. The service moves a message to
the done folder only once its row is `filed`, and sends again any job still `queued` after
job_requeue_seconds, so a lost broker message delays a record but never loses it.

The first statement of the filing transaction is an UPDATE of this row: it locks the row
(PostgreSQL) or the database (SQLite), so two deliveries of one job cannot both file it.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from records.models import intake_jobs as jobs

QUEUED, FILED = "queued", "filed"


def now() -> datetime:
    return datetime.now(timezone.utc)


def ensure_ledger(engine: Engine) -> None:
    """The ledger table comes with the records' migrations; several processes may call this at once."""
    from records.db import ensure_schema

    ensure_schema(engine)


def states(conn: Connection, refs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(0, len(refs), 500):
        chunk = refs[i:i + 500]
        out.update(conn.execute(select(jobs.c.source_ref, jobs.c.state)
                                .where(jobs.c.source_ref.in_(chunk))).all())
    return out


def filed_record_for_sha(conn: Connection, sha256: str) -> str | None:
    """The record of any filed job with the same bytes (the same message seen under a new UID)."""
    row = conn.execute(select(jobs.c.record_id).where(jobs.c.sha256 == sha256, jobs.c.state == FILED)
                       .limit(1)).first()
    return None if row is None else (row[0] or "")


def add(conn: Connection, source_ref: str, sha256: str, name: str, state: str = QUEUED,
        record_id: str | None = None) -> bool:
    """Insert a row unless one exists; True when inserted."""
    if conn.execute(select(jobs.c.state).where(jobs.c.source_ref == source_ref)).first():
        return False
    t = now()
    conn.execute(insert(jobs).values(source_ref=source_ref, sha256=sha256, name=name, state=state,
                                     record_id=record_id, sends=1, created_at=t, updated_at=t))
    return True


def pending(conn: Connection) -> list[tuple[str, str, str]]:
    """(source_ref, sha256, name) of every job not filed yet."""
    return [tuple(r) for r in conn.execute(
        select(jobs.c.source_ref, jobs.c.sha256, jobs.c.name).where(jobs.c.state == QUEUED)).all()]


def count_sent_again(conn: Connection, source_ref: str) -> None:
    conn.execute(update(jobs).where(jobs.c.source_ref == source_ref)
                 .values(sends=jobs.c.sends + 1, updated_at=now()))


def lock_unfiled(conn: Connection, source_ref: str) -> bool:
    """Lock the row for filing; False when it is filed already (a redelivery: nothing to do)."""
    res = conn.execute(update(jobs).where(jobs.c.source_ref == source_ref, jobs.c.state != FILED)
                       .values(updated_at=now()))
    return res.rowcount == 1


def mark_filed(conn: Connection, source_ref: str, record_id) -> None:
    conn.execute(update(jobs).where(jobs.c.source_ref == source_ref)
                 .values(state=FILED, record_id=None if record_id is None else str(record_id),
                         updated_at=now()))
