"""Every error rxintake raises on purpose, in one place.

Each error says whether a retry can help (`transient`) and carries an exit code for the CLI,
so that the worker knows to retry or to file an alert for staff, and scripts can trust `$?`.
"""

from __future__ import annotations


class RxIntakeError(Exception):
    """Base class. `message` is meant for a person: what happened and what to do."""

    exit_code = 1
    transient = False

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ConfigError(RxIntakeError):
    """A setting is missing or wrong: fix the environment or `.env`, then start again."""

    exit_code = 78  # EX_CONFIG


class UnreadableDocument(RxIntakeError):
    """A document cannot be read (corrupt, encrypted, unsupported, over a limit).

    Permanent: the message is filed with an `unreadable_document` alert for staff.
    """

    exit_code = 65  # EX_DATAERR

    def __init__(self, filename: str | None, reason: str):
        super().__init__(f"{filename or 'attachment'}: {reason}")
        self.filename = filename
        self.reason = reason


class ExternalProgramError(RxIntakeError):
    """An external program (tesseract, ...) is missing or failed."""

    exit_code = 69  # EX_UNAVAILABLE


class TransientError(RxIntakeError):
    """A server (database, broker, mailbox) is unreachable for now: retrying will help."""

    exit_code = 75  # EX_TEMPFAIL
    transient = True


class RulesError(RxIntakeError):
    """The clinic's rules file is invalid; the message names file, line and key."""

    exit_code = 78


class NotFound(RxIntakeError):
    """A prescription, alert, client or user named by id does not exist."""

    exit_code = 66  # EX_NOINPUT


class ActionRefused(RxIntakeError):
    """A staff action that the record's state does not allow (approve with open errors, bad code)."""

    exit_code = 65  # EX_DATAERR


class CodeTableError(RxIntakeError):
    """An ICD-10-CM code file cannot be read or built into a table; the message names file and line."""

    exit_code = 65  # EX_DATAERR


class DatabaseUnavailable(TransientError):
    """The records database cannot be reached or is restarting: the job is retried."""


class DatabaseBusy(TransientError):
    """The records database is locked by another writer for too long: the job is retried."""


class FilingError(RxIntakeError):
    """A record cannot be filed as given (bad data, a conflict that does not resolve): not retried."""

    exit_code = 65  # EX_DATAERR


class ImportFileError(RxIntakeError):
    """A client list cannot be read (missing columns, bad encoding); the message names the problem."""

    exit_code = 65  # EX_DATAERR


class MailboxError(TransientError):
    """An IMAP command failed or the connection dropped: the service reconnects with backoff.

    `command` names the failing IMAP command (LOGIN, SELECT, FETCH, MOVE, IDLE, ...).
    """

    def __init__(self, command: str, reason: str):
        super().__init__(f"IMAP {command} failed: {reason}")
        self.command = command
        self.reason = reason


class MailboxLoginError(ConfigError):
    """The mailbox refused the login or the token: fix the user, password or token command."""
