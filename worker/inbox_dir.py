"""The watched folder (RXINTAKE_INBOX_DIR): scanners and fax servers drop files, we take them.

A file is taken only once its size and mtime stayed the same for inbox_settle_seconds, so a
file still being written is left alone; names starting with '.' or ending in .tmp/.part (the
usual write-then-rename conventions) are ignored. Filed files move to `processed/`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

SUPPORTED = {".eml", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}
PROCESSED = "processed"


class InboxDir:
    def __init__(self, root: Path, settle_seconds: float = 1.0):
        self.root = Path(root)
        self.settle = settle_seconds
        self._seen: dict[str, tuple[int, int, float]] = {}  # name -> (size, mtime_ns, first seen)
        self.skipped: set[str] = set()  # files we cannot read, left where they are until a restart
        (self.root / PROCESSED).mkdir(parents=True, exist_ok=True)

    def candidates(self) -> list[Path]:
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return []
        return sorted(Path(e.path) for e in entries
                      if e.is_file(follow_symlinks=False) and not e.name.startswith(".")
                      and Path(e.name).suffix.lower() in SUPPORTED and e.name not in self.skipped)

    def ready(self) -> list[Path]:
        """Files whose size and mtime have not changed for the settle time."""
        now = time.monotonic()
        out, alive = [], set()
        for path in self.candidates():
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            alive.add(path.name)
            key = (st.st_size, st.st_mtime_ns)
            prev = self._seen.get(path.name)
            if prev is None or prev[:2] != key:
                self._seen[path.name] = (*key, now)
                if self.settle > 0:
                    continue
            elif now - prev[2] < self.settle:
                continue
            out.append(path)
        for name in set(self._seen) - alive:
            del self._seen[name]
        return out

    def skip(self, path: Path) -> None:
        self.skipped.add(path.name)

    def unsettled(self) -> int:
        """Files present but not taken yet (still being written or settling)."""
        return len(self.candidates())

    def move_processed(self, path: Path) -> Path | None:
        """Move a filed file to processed/ (never overwriting); None when it is gone already."""
        target = self.root / PROCESSED / path.name
        n = 1
        while target.exists():
            target = self.root / PROCESSED / f"{path.stem}-{n}{path.suffix}"
            n += 1
        try:
            os.replace(path, target)
        except FileNotFoundError:
            return None
        self._seen.pop(path.name, None)
        return target
