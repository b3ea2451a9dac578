"""The ICD-10-CM code set, offline: code -> (billable, description).

Importing a full ICD-10-CM library costs seconds and hundreds of MB, so rxintake ships a
compact table (parsers/data/icd10cm.tsv.gz, built once by `rxintake codes build`) and reads
it lazily on the first lookup. A clinic can install a newer CMS release with
`rxintake codes load FILE`; that table (under the data dir) then wins over the shipped one.

Table format: gzip'd UTF-8 text. First line `# <release name>`, then one line per code:
`CODE<TAB>1|0<TAB>description`, codes upper case with the dot, sorted, billable = 1. A
description starting with `~` continues the description of the code the 7th character was
added to ("S13.4XXA  ~initial encounter" reads "Sprain of ligaments of cervical spine,
initial encounter"): that halves the table.
"""

from __future__ import annotations

import bisect
import gzip
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent / "data" / "icd10cm.tsv.gz"
TABLE_NAME = "icd10cm.tsv.gz"
SAME_AS_PARENT = "~"  # description prefix: "<description of seventh_parent(code)>, <rest>"

_SHAPE = re.compile(r"([A-Z][0-9][0-9A-Z])\.?([0-9A-Z]{0,4})")


@dataclass(frozen=True)
class CodeInfo:
    code: str
    billable: bool
    description: str


class _Table:
    """The loaded code set: its sorted lines, searched by bisection.

    No dict is built: splitting 98,000 lines into one costs more than everything else, and
    "CODE<TAB>" sorts before every longer code that starts with CODE, so bisection finds it.
    """

    def __init__(self, path: Path, trusted: bool = False):
        self.path = path
        self.mtime = _mtime(path)
        try:
            with open(path, "rb") as fh:
                text = gzip.decompress(fh.read()).decode("utf-8")
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            from rxintake.errors import CodeTableError

            raise CodeTableError(f"{path}: not a readable ICD-10-CM table ({exc}); "
                                 "rebuild it with `rxintake codes load` or unset RXINTAKE_CODES_FILE") from exc
        header, _, body = text.partition("\n")
        self.release = header.lstrip("#").strip()
        self.lines = body.splitlines()
        if not trusted and any(a >= b for a, b in zip(self.lines, self.lines[1:])):
            self.lines = sorted(set(self.lines))

    def _row(self, code: str) -> str | None:
        key = code + "\t"
        i = bisect.bisect_left(self.lines, key)
        if i < len(self.lines) and self.lines[i].startswith(key):
            return self.lines[i]
        return None

    def info(self, code: str) -> CodeInfo | None:
        row = self._row(code)
        if row is None:
            return None
        _, flag, desc = row.split("\t", 2)
        if desc.startswith(SAME_AS_PARENT):
            parent = self.info(seventh_parent(code))
            desc = f"{parent.description if parent else ''}, {desc[1:]}"
        return CodeInfo(code, flag == "1", desc)

    def under(self, prefix: str) -> list[str]:
        """Codes that start with prefix, in order."""
        i = bisect.bisect_left(self.lines, prefix)
        out = []
        while i < len(self.lines) and self.lines[i].startswith(prefix):
            out.append(self.lines[i].split("\t", 1)[0])
            i += 1
        return out


def seventh_parent(code: str) -> str:
    """The code a 7th character was added to: S13.4XXA -> S13.4, T36.0X1A -> T36.0X1."""
    return code[:7].rstrip("X").rstrip(".")


_lock = threading.Lock()
_table: _Table | None = None
_pinned = False  # set by use_table(path): no looking for a newer table
_checked = 0.0  # when the table in force was last looked for (time.monotonic)
# A long-running service looks this often whether `codes load` installed another table
RECHECK_SECONDS = 30.0


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def table_path() -> Path:
    """The table in force: RXINTAKE_CODES_FILE, else one loaded into the data dir, else the shipped one."""
    if Path(".env").is_file():
        from rxintake.settings import get_settings

        settings = get_settings()
        codes_file, data_dir = settings.codes_file, settings.data_dir
    else:  # the same settings, read without importing pydantic-settings (`--version` stays fast)
        codes_file = os.environ.get("RXINTAKE_CODES_FILE") or None
        data_dir = os.environ.get("RXINTAKE_DATA_DIR") or "./rxintake-data"
    if codes_file:
        return Path(codes_file)
    local = Path(data_dir) / TABLE_NAME
    return local if local.is_file() else SHIPPED


def _get() -> _Table:
    """The table in force, loaded on first use. Every `RECHECK_SECONDS` the table file in force is
    looked for again, so a running service takes up a table `codes load` installed (or a changed
    RXINTAKE_CODES_FILE file) without a restart; a new file that cannot be read leaves the old in use."""
    global _table, _checked
    now = time.monotonic()
    if _table is not None and (_pinned or now - _checked < RECHECK_SECONDS):
        return _table
    with _lock:
        if _table is None or (not _pinned and now - _checked >= RECHECK_SECONDS):
            path = table_path()
            if _table is None:
                _table = _Table(path, trusted=path == SHIPPED)
            elif path != _table.path or _mtime(path) != _table.mtime:
                try:
                    _table = _Table(path, trusted=path == SHIPPED)
                except Exception:  # half-written or broken: keep the table in force, look again later
                    pass
            _checked = now
    return _table


def use_table(path: Path | None) -> None:
    """Switch to another table file and keep it (None: forget the cache and resolve again on next use)."""
    global _table, _pinned, _checked
    with _lock:
        _table = _Table(path, trusted=path == SHIPPED) if path is not None else None
        _pinned, _checked = path is not None, time.monotonic()


def normalize(raw: str) -> str | None:
    """Formatting only: "m542" -> "M54.2", "S134XXA" -> "S13.4XXA"; None if not code-shaped."""
    if not isinstance(raw, str):
        return None
    m = _SHAPE.fullmatch(raw.strip().upper().rstrip("."))
    if not m:
        return None
    head, tail = m.groups()
    return f"{head}.{tail}" if tail else head


def lookup(code: str) -> CodeInfo | None:
    """The code's entry ("M54.2": upper case, with dot), or None when not in the code set."""
    return _get().info(code)


def descendants(code: str) -> list[CodeInfo]:
    """Every code below `code` in the hierarchy (by prefix), in code order."""
    t = _get()
    prefix = code if "." in code or len(code) > 3 else code + "."
    return [t.info(c) for c in t.under(prefix) if c != code]


def billable_children(code: str) -> list[CodeInfo]:
    """The billable codes under a header, e.g. M54.5 -> M54.50, M54.51, M54.59."""
    return [c for c in descendants(code) if c.billable]


def release() -> str:
    """The release of the table in force, e.g. "ICD-10-CM FY2026 (April 2026 update)"."""
    return _get().release


def read_release(path: Path | None = None) -> str:
    """The release named in a table's first line, read without loading the table."""
    path = path or table_path()
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return fh.readline().lstrip("#").strip()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        return f"unreadable ICD-10-CM table {os.path.basename(path)}: {exc}"


def stats() -> dict:
    """Figures for `rxintake codes info`."""
    t = _get()
    billable = sum(1 for line in t.lines if "\t1\t" in line)
    return {"release": t.release, "path": str(t.path), "codes": len(t.lines),
            "billable": billable, "headers": len(t.lines) - billable}
