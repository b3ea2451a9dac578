"""Passwords, the cookie-signing secret and the login throttle: the review page's secrets in one place.

Passwords are hashed with argon2id (argon2-cffi's defaults follow RFC 9106); an unknown user name
costs the same hash as a known one so timing does not tell which names exist.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, new_hash): new_hash is set when the stored hash should be upgraded."""
    try:
        _hasher.verify(stored_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if stored_hash is None:
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(stored_hash) else None)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
    if password.strip() != password:
        return "The password must not start or end with spaces."
    return None


def secret_key(configured: str | None, data_dir: Path) -> str:
    """The configured secret, else one generated on first start and kept (0600) in the data dir."""
    if configured:
        return configured
    path = Path(data_dir) / "review-secret.key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


class LoginThrottle:
    """Locks a user name after `max_failures` failed logins within `lock_seconds` (per process)."""

    def __init__(self, max_failures: int, lock_seconds: float):
        self.max_failures = max_failures
        self.lock_seconds = lock_seconds
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, name: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(name, []) if now - t < self.lock_seconds]
        self._failures[name] = times
        return times

    def locked(self, name: str) -> bool:
        with self._lock:
            return len(self._recent(name.lower(), time.monotonic())) >= self.max_failures

    def failed(self, name: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(name.lower(), now).append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name.lower(), None)
