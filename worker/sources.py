"""Where messages come from: the mailbox and the watched folder, as passes of the run loop.

A mixin of `Service` (worker/service.py): each pass scans a source, hands new messages to
`_take` and leaves moving them to `_settle`, once their records are committed.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from rxintake.errors import MailboxError
from rxintake.logs import log_event
from worker import ledger
from worker.inbox_dir import InboxDir

log = logging.getLogger("rxintake.service")
TICK = 0.5


@dataclass
class Tracked:
    """A message taken from a source and not yet moved: where it is, what it is."""

    sha256: str
    name: str
    uid: int | None = None
    uidvalidity: int | None = None
    path: Path | None = None
    sent_at: float = field(default_factory=time.monotonic)


class Sources:
    """The source passes; `Service` provides s, engine, store, tracked, mailbox, inbox and _take."""

    # -- mailbox ------------------------------------------------------------------------------
    def _mailbox_pass(self) -> None:
        if self.mailbox is None:
            if time.monotonic() < self._mbox_retry_at:
                return
            from worker.mailbox import Mailbox
            from worker.oauth import token_source_for

            mbox = Mailbox(self.s, token_source_for(self.s))
            mbox.connect()
            mbox.ensure_done_folder()
            self.mailbox, self._mbox_backoff, self._last_scan = mbox, 0.5, 0.0
        due = self.s.imap_poll_seconds if not self.until_idle and not self.tracked else 0
        if time.monotonic() - self._last_scan >= due:
            self._scan_mailbox()

    def _mailbox_down(self, exc: MailboxError) -> None:
        log_event(log, "imap.down", level=logging.WARNING, command=exc.command, delay=self._mbox_backoff)
        self._close_mailbox()
        self._mbox_retry_at = time.monotonic() + self._mbox_backoff
        self._mbox_backoff = min(self._mbox_backoff * 2, self.s.imap_reconnect_max_seconds)
        self.stop.wait(min(self._mbox_backoff, TICK))

    def _close_mailbox(self) -> None:
        mbox, self.mailbox = self.mailbox, None
        if mbox is not None:
            mbox.close()

    def _scan_mailbox(self) -> None:
        mbox = self.mailbox
        uids = mbox.uids()
        self._last_scan = time.monotonic()
        uidv, folder = mbox.uidvalidity, self.s.imap_folder
        refs = {uid: f"imap:{folder}:{uidv}:{uid}" for uid in uids}
        new = [uid for uid in uids if refs[uid] not in self.tracked]
        self.mailbox_clean = not new
        if not new:
            return
        with self.engine.connect() as conn:
            known = ledger.states(conn, [refs[u] for u in new])
        to_fetch = []
        for uid in new:
            state = known.get(refs[uid])
            if state == ledger.FILED:
                mbox.move_to_done(uid)
                log_event(log, "imap.moved", uid=uid, uidvalidity=uidv, source_ref=refs[uid])
            elif state == ledger.QUEUED:
                self.tracked[refs[uid]] = Tracked("", "", uid=uid, uidvalidity=uidv)
            else:
                to_fetch.append(uid)
        for i in range(0, len(to_fetch), self.s.imap_fetch_batch):
            for item in mbox.fetch(to_fetch[i:i + self.s.imap_fetch_batch]):
                name = f"{folder}-{uidv}-{item.uid}.eml"
                self._take(refs[item.uid], item.raw, name, Tracked("", name, uid=item.uid, uidvalidity=uidv))

    # -- watched folder -----------------------------------------------------------------------
    def _dir_pass(self) -> None:
        taken = {t.path for t in self.tracked.values() if t.path is not None}
        for path in self.inbox.ready():
            if path in taken:
                continue
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as exc:  # e.g. dropped with permissions we cannot read: staff must look
                self.inbox.skip(path)
                log_event(log, "inbox.unreadable", level=logging.ERROR, error=type(exc).__name__,
                          skipped=len(self.inbox.skipped))
                continue
            sha = self.store.put(raw)
            self._take(f"dir:{sha}", raw, path.name, Tracked(sha, path.name, path=path), sha=sha)


def _locate(ref: str, name: str, inbox: InboxDir | None) -> dict:
    """Where a ledger row's message lives, from its source_ref."""
    if ref.startswith("imap:"):
        _, _, uidv, uid = ref.rsplit(":", 3)
        return {"uid": int(uid), "uidvalidity": int(uidv)}
    if ref.startswith("dir:") and inbox is not None and (inbox.root / name).is_file():
        return {"path": inbox.root / name}
    return {}
