"""The Dramatiq actors. Messages carry references (source_ref, sha256), never bytes or names.

Delivery is at least once, so each actor is idempotent: a job whose ledger row is filed is
skipped, and records.filing files one message once whatever happens. A job that fails for good
(retries spent, a permanent error, the time limit) ends in `record_failure`, which files a
record with a `processing_failed` alert: staff see it, nothing is lost silently.
"""

from __future__ import annotations

import logging
import threading
from email.parser import BytesHeaderParser

import dramatiq
from sqlalchemy import select
from sqlalchemy.orm import Session

from rxintake.logs import log_event
from rxintake.models import Alert, Extraction, Source
from rxintake.settings import Settings, get_settings
from worker import ledger
from worker.broker import QUEUE, is_transient
from worker.store import RawStore

log = logging.getLogger("rxintake.worker")
_ctx: dict = {}
_ctx_lock = threading.Lock()


def _context() -> tuple[Settings, object, RawStore]:
    with _ctx_lock:
        if not _ctx:
            from worker.db import ensure_schema, get_engine

            settings = get_settings()
            engine = get_engine(settings)
            ensure_schema(engine)
            _ctx.update(settings=settings, engine=engine, store=RawStore(settings.data_dir))
        return _ctx["settings"], _ctx["engine"], _ctx["store"]


def _file(engine, extraction: Extraction, source_ref: str, sha256: str) -> None:
    from records.filing import file_extraction

    with Session(engine) as session:
        result = file_extraction(session, extraction, raw_sha256=sha256, source_ref=source_ref)
        with session.begin():
            ledger.mark_filed(session.connection(), source_ref, result.record_id)
    log_event(log, "job.filed", source_ref=source_ref, sha256=sha256, record_id=result.record_id,
              created=result.created, status=extraction.status, alerts=[a.code for a in extraction.alerts])


def _ledger_row(engine, source_ref: str) -> tuple[str | None, str]:  # (None, "") when unknown
    """(state, name) of the job; the name (a file name may carry a patient's name) stays out of
    the broker and its logs."""
    with engine.connect() as conn:
        row = conn.execute(select(ledger.jobs.c.state, ledger.jobs.c.name)
                           .where(ledger.jobs.c.source_ref == source_ref)).first()
    return (row[0], row[1]) if row else (None, "")


def process_message(source_ref: str, sha256: str) -> None:
    """Extract one stored original and file it (no-op when it is filed already)."""
    from rxintake.pipeline import extract_message, message_from_source

    settings, engine, store = _context()
    state, name = _ledger_row(engine, source_ref)
    if state == ledger.FILED:
        log_event(log, "job.skipped_filed", source_ref=source_ref, sha256=sha256)
        return
    if state is None:  # every job is written to the ledger before it is sent: this one is not ours
        log_event(log, "job.unknown", level=logging.WARNING, source_ref=source_ref, sha256=sha256)
        return
    extraction = extract_message(message_from_source(store.get(sha256), name, settings), settings)
    _file(engine, extraction, source_ref, sha256)


def record_failure(message: dict, retry_info: dict | None = None) -> None:
    """Dead-letter path: file the message with a `processing_failed` alert for staff.

    When the retries were spent on transient faults only (a database down for minutes), the
    message itself is fine: it is processed once more here, and this actor's own longer retries
    wait for the server; only a permanent fault makes a `processing_failed` record.
    """
    source_ref, sha256 = message["args"][:2]
    error = (message.get("options", {}).get("traceback") or "").strip().splitlines()[-1:] or ["unknown"]
    error_type = error[0].split(":", 1)[0].rsplit(".", 1)[-1][:80]
    info = retry_info or {}
    if info.get("max_retries") is not None and info.get("retries", 0) >= info["max_retries"]:
        try:
            return process_message(source_ref, sha256)
        except Exception as exc:  # noqa: BLE001
            if is_transient(exc):
                raise
            error_type = type(exc).__name__
    settings, engine, store = _context()
    state, name = _ledger_row(engine, source_ref)
    if state != ledger.QUEUED:
        return
    message_id = None
    try:
        if name.lower().endswith(".eml"):
            message_id = BytesHeaderParser().parsebytes(store.get(sha256)).get("Message-ID")
    except Exception:  # noqa: BLE001 - a header we cannot read is simply not shown
        message_id = None
    attempts = (retry_info or {}).get("retries", message.get("options", {}).get("retries", 0)) + 1
    extraction = Extraction(
        source=Source(path=name, message_id=str(message_id).strip() if message_id else None),
        alerts=[Alert(code="processing_failed", severity="error", field=None,
                      message=f"This message could not be processed ({error_type}, {attempts} attempt(s)). "
                              f"The original is kept (sha256 {sha256[:12]}); open it and enter the "
                              "prescription by hand.")],
        status="needs_review")
    log_event(log, "job.failed", level=logging.WARNING, source_ref=source_ref, sha256=sha256,
              error=error_type, attempts=attempts)
    _file(engine, extraction, source_ref, sha256)


def warm_up() -> None:
    """Load the parsers, rules and records code before the first job, so it is not slower."""
    try:
        import parsers.pdf  # noqa: F401
        import parsers.prescription  # noqa: F401
        import records.filing  # noqa: F401
        from rules.engine import load_rules

        load_rules(get_settings().rules_file)
        _context()
    except Exception as exc:  # noqa: BLE001 - the first job will meet (and retry) the same fault
        log_event(log, "worker.warm_up_failed", level=logging.WARNING, error=type(exc).__name__)


def declare(broker: dramatiq.Broker, settings: Settings) -> dict[str, dramatiq.Actor]:
    """Register the actors on `broker` (one set per broker, so tests can build several)."""
    limit = settings.job_time_limit_seconds * 1000
    failure_retries = max(settings.job_max_retries * 3, 10)

    def failure_retry_when(retries: int, exc: BaseException) -> bool:
        return retries < failure_retries and is_transient(exc)

    return {
        "process_message": dramatiq.actor(process_message, broker=broker, queue_name=QUEUE,
                                          time_limit=limit, on_retry_exhausted="record_failure"),
        "record_failure": dramatiq.actor(record_failure, broker=broker, queue_name=QUEUE,
                                         time_limit=limit + 60_000, retry_when=failure_retry_when,
                                         max_backoff=60_000),
    }
