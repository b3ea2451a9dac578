"""The mailbox, over imapclient: TLS always, push by IDLE, moves only by UID.

Every failing IMAP command becomes a `MailboxError` naming the command, so the service can
reconnect with backoff instead of crashing. Messages are fetched with BODY.PEEK[] (nothing is
marked read) and leave the watched folder only by `move_to_done`, never by deletion.
"""

from __future__ import annotations

import logging
import socket
import ssl
import time
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from rxintake.errors import ConfigError, MailboxError, MailboxLoginError
from rxintake.logs import log_event
from rxintake.settings import Settings

log = logging.getLogger("rxintake.mailbox")

#: RFC 2177: servers may drop an IDLE after 30 minutes of silence, so it is re-issued before that.
MAX_IDLE_SECONDS = 29 * 60
NET_ERRORS = (IMAPClientError, OSError, socket.error, ssl.SSLError, EOFError)


@dataclass(frozen=True)
class Fetched:
    uid: int
    raw: bytes


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Certificate and host name are always verified; a private CA is trusted besides the system's."""
    ctx = ssl.create_default_context()
    if settings.imap_ca_file:
        if not settings.imap_ca_file.is_file():
            raise ConfigError(f"RXINTAKE_IMAP_CA_FILE: {settings.imap_ca_file} does not exist")
        ctx.load_verify_locations(cafile=str(settings.imap_ca_file))
    return ctx


class Mailbox:
    """One IMAP connection with the watched folder selected. Use as a context manager."""

    def __init__(self, settings: Settings, token_source=None):
        if not settings.imap_host:
            raise ConfigError("RXINTAKE_IMAP_HOST is not set")
        if not settings.imap_user:
            raise ConfigError("RXINTAKE_IMAP_USER is not set")
        self.settings = settings
        self.token_source = token_source
        self.client: IMAPClient | None = None
        self.uidvalidity: int | None = None
        self._idling_since: float | None = None

    # -- connection -------------------------------------------------------------------------
    def _call(self, command: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except LoginError as exc:
            raise MailboxLoginError(f"the mailbox refused the login for {self.settings.imap_user}: {exc}")
        except ssl.SSLCertVerificationError as exc:
            raise ConfigError(f"the certificate of {self.settings.imap_host} is not trusted "
                              f"({exc.verify_message}): set RXINTAKE_IMAP_CA_FILE to the CA that signed it") from exc
        except NET_ERRORS as exc:
            raise MailboxError(command, f"{type(exc).__name__}: {exc}") from exc

    def connect(self) -> "Mailbox":
        s = self.settings
        ctx = tls_context(s)
        self.client = self._call("CONNECT", IMAPClient, s.imap_host, port=s.imap_port, ssl=s.imap_ssl,
                                 ssl_context=ctx if s.imap_ssl else None, timeout=s.imap_timeout_seconds)
        if not s.imap_ssl:
            caps = self._call("CAPABILITY", self.client.capabilities)
            if b"STARTTLS" not in caps:
                self.close()
                raise ConfigError(f"{s.imap_host}:{s.imap_port} offers no STARTTLS: rxintake never sends a "
                                  "password over an unencrypted connection (use RXINTAKE_IMAP_SSL=true)")
            self._call("STARTTLS", self.client.starttls, ctx)
        self._login()
        self.select()
        log_event(log, "imap.connected", host=s.imap_host, folder=s.imap_folder, uidvalidity=self.uidvalidity,
                  idle=self.has("IDLE"), move=self.has("MOVE"), uidplus=self.has("UIDPLUS"))
        return self

    def _login(self) -> None:
        s = self.settings
        if s.imap_auth == "xoauth2":
            if self.token_source is None:
                raise ConfigError("RXINTAKE_IMAP_AUTH=xoauth2 needs RXINTAKE_IMAP_OAUTH_TOKEN_COMMAND")
            self._call("AUTHENTICATE", self.client.oauth2_login, s.imap_user, self.token_source())
        elif s.imap_auth == "password":
            if s.imap_password is None:
                raise ConfigError("RXINTAKE_IMAP_PASSWORD is not set")
            self._call("LOGIN", self.client.login, s.imap_user, s.imap_password.get_secret_value())
        else:
            raise ConfigError(f"RXINTAKE_IMAP_AUTH={s.imap_auth!r}: use 'password' or 'xoauth2'")

    def has(self, capability: str) -> bool:
        return bool(self.client and self.client.has_capability(capability))

    def select(self) -> int:
        info = self._call("SELECT", self.client.select_folder, self.settings.imap_folder)
        self.uidvalidity = int(info[b"UIDVALIDITY"])
        self._news_since_last_command()  # the count SELECT reports is not news
        return self.uidvalidity

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            if self._idling_since is not None:
                client.idle_done()
            client.logout()
        except Exception:  # noqa: BLE001 - the connection is going away anyway
            try:
                client.shutdown()
            except Exception:  # noqa: BLE001
                pass
        self._idling_since = None

    def __enter__(self) -> "Mailbox":
        return self.connect()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------------
    def uids(self) -> list[int]:
        """UIDs in the watched folder, oldest first (ones flagged \\Deleted are not ours any more)."""
        self.end_idle()
        uids = sorted(self._call("SEARCH", self.client.search, ["UNDELETED"]))
        self._news_since_last_command()  # arrivals reported so far are in this answer
        return uids

    def fetch(self, uids: list[int]) -> list[Fetched]:
        self.end_idle()
        data = self._call("FETCH", self.client.fetch, uids, ["BODY.PEEK[]"])
        return [Fetched(uid, d[b"BODY[]"]) for uid, d in sorted(data.items()) if b"BODY[]" in d]

    # -- moving -------------------------------------------------------------------------------
    def ensure_done_folder(self) -> None:
        folder = self.settings.imap_done_folder
        if not self._call("LIST", self.client.folder_exists, folder):
            self._call("CREATE", self.client.create_folder, folder)
            log_event(log, "imap.folder_created", folder=folder)

    def move_to_done(self, uid: int) -> None:
        """MOVE; else COPY + \\Deleted + UID EXPUNGE of this UID only; else COPY + \\Deleted."""
        self.end_idle()
        folder = self.settings.imap_done_folder
        if self.has("MOVE"):
            self._call("MOVE", self.client.move, [uid], folder)
            return
        self._call("COPY", self.client.copy, [uid], folder)
        self._call("STORE", self.client.add_flags, [uid], [b"\\Deleted"])
        if self.has("UIDPLUS"):
            self._call("UID EXPUNGE", self.client.uid_expunge, [uid])

    # -- waiting ------------------------------------------------------------------------------
    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` s for news in the folder; True when something arrived or changed.

        With IDLE the command stays open between calls and is re-issued after imap_idle_seconds;
        without it this is a NOOP after a sleep (polling).
        """
        if not self.has("IDLE"):
            time.sleep(timeout)
            responses = self._call("NOOP", self.client.noop)[1]
            return any(r[1] in (b"EXISTS", b"RECENT") for r in responses if len(r) > 1)
        now = time.monotonic()
        reissue = min(self.settings.imap_idle_seconds, MAX_IDLE_SECONDS)
        if self._idling_since is not None and now - self._idling_since > reissue:
            self.end_idle()
        if self._idling_since is None:
            self._call("IDLE", self.client.idle)
            self._idling_since = now
            if self._news_since_last_command():
                self.end_idle()
                return True
        responses = self._call("IDLE", self.client.idle_check, timeout=timeout)
        if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
            self.end_idle()
            return True
        if any(r and r[0] == b"BYE" for r in responses):
            raise MailboxError("IDLE", "server said BYE")
        return False

    def _news_since_last_command(self) -> bool:
        """EXISTS/RECENT the server sent with an earlier command's answer (imaplib keeps those aside;
        idle_check only sees what comes later), so an arrival just before IDLE is not missed."""
        kept = getattr(getattr(self.client, "_imap", None), "untagged_responses", None)
        if not isinstance(kept, dict):
            return False
        found = [kept.pop(key, None) for key in ("EXISTS", "RECENT")]
        return any(found)

    def end_idle(self) -> None:
        if self._idling_since is not None:
            self._idling_since = None
            self._call("DONE", self.client.idle_done)
