"""Content-addressed store of originals (raw emails, attachments) under the data dir.

Originals are written before anything else happens to them, so nothing is ever lost; the name
is the sha256 of the bytes, so storing the same file twice is a no-op. Files are 0600 in 0700
directories: they hold patient data.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


class RawStore:
    def __init__(self, data_dir: Path | str):
        self.root = Path(data_dir) / "objects"

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.exists():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.root, 0o700)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        return sha

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def has(self, sha256: str) -> bool:
        return self.path(sha256).exists()
