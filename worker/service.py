"""The run loop: take messages from the mailbox and the watched folder, store, send, settle.

Order for each message: store the original (RawStore) -> ledger row `queued` -> send a job
carrying references -> (an actor files the record and marks the row `filed`) -> move the
message to the done folder. Any step may fail and is simply done again on the next pass:
the mailbox reconnects with backoff, a job the broker refused is sent again, a job still
unfiled after job_requeue_seconds is sent again, and filing is idempotent.
"""

from __future__ import annotations

import logging
import threading
import time

from rxintake.errors import ConfigError, MailboxError, RxIntakeError
from rxintake.logs import log_event
from rxintake.settings import Settings
from worker import ledger
from worker.broker import is_transient, kind, make_broker
from worker.inbox_dir import InboxDir
from worker.sources import TICK, Sources, Tracked, _locate
from worker.store import RawStore
from worker.supervisor import Workers

log = logging.getLogger("rxintake.service")


class Service(Sources):
    """`rxintake run`: sources, workers and the ledger in one loop (see the module docstring)."""

    def __init__(self, settings: Settings, *, until_idle: bool = False, processes: int | None = None,
                 threads: int | None = None, workers: bool = True, stop: threading.Event | None = None):
        if not settings.imap_host and not settings.inbox_dir:
            raise ConfigError("nothing to watch: set RXINTAKE_IMAP_HOST (a mailbox) or RXINTAKE_INBOX_DIR "
                              "(a folder scanners drop files into), or both")
        if not workers and kind(settings.broker_url) == "stub":
            raise ConfigError("--no-workers needs a shared broker (RXINTAKE_BROKER_URL=redis://... or amqp://...)")
        self.s = settings
        self.until_idle = until_idle
        self.stop = stop or threading.Event()
        self.store = RawStore(settings.data_dir)
        self.broker = make_broker(settings)
        from worker.actors import declare

        self.actors = declare(self.broker, settings)
        procs = settings.worker_processes if processes is None else processes
        if kind(settings.broker_url) == "stub":
            procs = 0  # the in-process broker reaches threads only
        self.workers = Workers(self.broker, settings, processes=procs, threads=threads or settings.worker_threads,
                               enabled=workers)
        self.inbox = InboxDir(settings.inbox_dir, settings.inbox_settle_seconds) if settings.inbox_dir else None
        self.tracked: dict[str, Tracked] = {}
        self.unsent: list[str] = []
        self.mailbox = None
        self.mailbox_clean = not settings.imap_host  # True once a scan found nothing new
        self._mbox_retry_at = 0.0
        self._mbox_backoff = 0.5
        self._last_scan = 0.0

    # -- life cycle ---------------------------------------------------------------------------
    def run(self) -> int:
        from worker.db import ensure_schema, get_engine

        self.engine = get_engine(self.s)
        self._retrying("schema", lambda: ensure_schema(self.engine))
        if self.stop.is_set():
            return 0
        self._retrying("pending", self._resume_pending)
        self.workers.start()
        log_event(log, "service.started", broker=kind(self.s.broker_url), imap=bool(self.s.imap_host),
                  inbox_dir=bool(self.inbox), until_idle=self.until_idle, processes=self.workers.processes,
                  threads=self.workers.threads)
        try:
            while not self.stop.is_set():
                if self._pass():
                    log_event(log, "service.idle")
                    break
        finally:
            self._last_settle()
            self._close_mailbox()
            self.workers.stop()
            self.broker.close()
            log_event(log, "service.stopped")
        return 0

    def _last_settle(self) -> None:
        """On the way out, move what was filed meanwhile (else the next start does it)."""
        try:
            if self.mailbox is not None:
                self.mailbox.end_idle()
            self._settle()
        except Exception as exc:  # noqa: BLE001 - stopping anyway; nothing is lost
            log_event(log, "service.settle_skipped", level=logging.WARNING, error=type(exc).__name__)

    def _retrying(self, what: str, fn) -> None:
        delay = 0.5
        while not self.stop.is_set():
            try:
                return fn()
            except Exception as exc:  # noqa: BLE001
                if not is_transient(exc):
                    raise
                log_event(log, "service.retry", level=logging.WARNING, step=what, error=type(exc).__name__,
                          delay=delay)
                self.stop.wait(delay)
                delay = min(delay * 2, 30.0)

    def _resume_pending(self) -> None:
        """Jobs a previous run stored but did not see filed: send them again (filing is idempotent)."""
        with self.engine.connect() as conn:
            rows = ledger.pending(conn)
        for ref, sha, name in rows:
            self.tracked[ref] = Tracked(sha, name, **_locate(ref, name, self.inbox))
            self.unsent.append(ref)
        if rows:
            log_event(log, "service.resumed", jobs=len(rows))

    # -- one pass -----------------------------------------------------------------------------
    def _pass(self) -> bool:
        """Scan, send, settle; then wait a moment. True when --until-idle is satisfied."""
        try:
            self.workers.supervise()
            if self.s.imap_host:
                self._mailbox_pass()
            if self.inbox:
                self._dir_pass()
            self._send_unsent()
            self._settle()
            self._send_stale()
            if self.until_idle and self._idle():
                return True
            self._wait()
        except MailboxError as exc:
            self._mailbox_down(exc)
        except RxIntakeError as exc:
            if not exc.transient:
                raise
            log_event(log, "service.transient", level=logging.WARNING, error=type(exc).__name__)
            self.stop.wait(1.0)
        except Exception as exc:  # noqa: BLE001
            if is_transient(exc):
                log_event(log, "service.transient", level=logging.WARNING, error=type(exc).__name__)
                self.stop.wait(1.0)
            elif self.until_idle:
                raise  # a batch run reports the fault through its exit status
            else:  # the long-running service carries on; the log names the fault
                log.exception("service.pass_failed")
                self.stop.wait(5.0)
        return False

    def _idle(self) -> bool:
        return (not self.tracked and not self.unsent and self.mailbox_clean
                and (self.inbox is None or self.inbox.unsettled() == 0))

    def _wait(self) -> None:
        timeout = TICK if (self.tracked or self.until_idle) else 1.0
        if self.mailbox is not None:
            if self.mailbox.wait(timeout):
                self._last_scan = 0.0  # news: scan at once
        else:
            self.stop.wait(timeout)

    # -- common steps -------------------------------------------------------------------------
    def _take(self, ref: str, raw: bytes, name: str, item: Tracked, sha: str | None = None) -> None:
        """Store the original, write the ledger row, then send the job (or settle a known message)."""
        item.sha256 = sha or self.store.put(raw)
        with self.engine.begin() as conn:
            state = ledger.states(conn, [ref]).get(ref)
            if state is None:
                record = ledger.filed_record_for_sha(conn, item.sha256)
                state = ledger.FILED if record is not None else ledger.QUEUED
                ledger.add(conn, ref, item.sha256, name, state=state, record_id=record or None)
        self.tracked[ref] = item
        log_event(log, "message.taken", source_ref=ref, sha256=item.sha256, bytes=len(raw), state=state)
        if state == ledger.QUEUED:
            self._send(ref)

    def _send(self, ref: str) -> None:
        item = self.tracked[ref]
        try:
            self.actors["process_message"].send(ref, item.sha256)
        except Exception as exc:  # noqa: BLE001 - the broker is down: keep it and send again
            if ref not in self.unsent:
                self.unsent.append(ref)
            log_event(log, "job.send_failed", level=logging.WARNING, source_ref=ref, error=type(exc).__name__)
            return
        item.sent_at = time.monotonic()
        if ref in self.unsent:
            self.unsent.remove(ref)

    def _send_unsent(self) -> None:
        for ref in list(self.unsent):
            if ref not in self.tracked:
                self.unsent.remove(ref)
                continue
            if not self.tracked[ref].sha256:
                self._fill_from_ledger(ref)
            self._send(ref)
            if ref in self.unsent:
                break  # still down; try again next pass

    def _fill_from_ledger(self, ref: str) -> None:
        from sqlalchemy import select

        with self.engine.connect() as conn:
            row = conn.execute(select(ledger.jobs.c.sha256, ledger.jobs.c.name)
                               .where(ledger.jobs.c.source_ref == ref)).first()
        if row:
            self.tracked[ref].sha256, self.tracked[ref].name = row

    def _send_stale(self) -> None:
        now = time.monotonic()
        for ref, item in list(self.tracked.items()):
            if now - item.sent_at > self.s.job_requeue_seconds and ref not in self.unsent:
                if not item.sha256:
                    self._fill_from_ledger(ref)
                log_event(log, "job.sent_again", level=logging.WARNING, source_ref=ref, sha256=item.sha256)
                with self.engine.begin() as conn:
                    ledger.count_sent_again(conn, ref)
                self._send(ref)

    def _settle(self) -> None:
        """Move every message whose record is committed to the done folder / processed/."""
        if not self.tracked:
            return
        with self.engine.connect() as conn:
            states = ledger.states(conn, list(self.tracked))
        for ref, state in states.items():
            if state != ledger.FILED:
                continue
            item = self.tracked[ref]
            if item.uid is not None:
                if self.mailbox is None:
                    continue  # moved after the reconnect
                if item.uidvalidity == self.mailbox.uidvalidity:
                    self.mailbox.move_to_done(item.uid)
                    log_event(log, "imap.moved", uid=item.uid, uidvalidity=item.uidvalidity, source_ref=ref)
                    self._last_scan = 0.0  # scan again before idling: nothing slips in meanwhile
            elif item.path is not None and self.inbox is not None:
                self.inbox.move_processed(item.path)
                log_event(log, "inbox.moved", source_ref=ref)
            del self.tracked[ref]
            if ref in self.unsent:
                self.unsent.remove(ref)

