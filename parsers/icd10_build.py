"""Writing the compact ICD-10-CM table that parsers.icd10 reads.

Two sources: the simple-icd-10-cm package (optional extra `icd`; used once to build the
shipped table) and the code files CMS/CDC publish each year, so that a clinic can install a
release no package ships yet:

- order file (`icd10cm_order_2027.txt`), fixed width: order number (5), space, code without
  dot (7), space, billable flag 0/1, space, short description (60), space, long description;
- codes file (`icd10cm_codes_2027.txt`): `CODE description`, every listed code billable.
"""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path
from typing import Iterable

from parsers.icd10 import SAME_AS_PARENT, seventh_parent
from rxintake.errors import CodeTableError

Row = tuple[str, bool, str]

_CODE = re.compile(r"[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}")


def dotted(code: str) -> str:
    code = code.strip().upper().replace(".", "")
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def write_table(rows: Iterable[Row], release: str, out: Path) -> int:
    """Write rows sorted by code as the gzip'd table; returns the number of codes.

    Written to a temporary file and renamed, so a reader never sees half a table.
    """
    table = {code: (billable, " ".join(desc.split())) for code, billable, desc in rows}
    if not table:
        raise CodeTableError(f"{out}: no ICD-10-CM codes to write")
    buf = io.StringIO()
    buf.write(f"# {release}\n")
    for code in sorted(table):
        billable, desc = table[code]
        if len(code) == 8:
            parent = table.get(seventh_parent(code))
            if parent and parent[1] and desc.startswith(parent[1] + ", "):
                desc = SAME_AS_PARENT + desc[len(parent[1]) + 2:]
        buf.write(f"{code}\t{'1' if billable else '0'}\t{desc}\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0,
                                                filename="") as gz:
        gz.write(buf.getvalue().encode("utf-8"))
    tmp.replace(out)
    return len(table)


def rows_from_package() -> tuple[list[Row], str]:
    """Every category, subcategory and 7th-character code from simple-icd-10-cm (leaves billable).

    Chapters and blocks (ranges such as M50-M54) are not codes one can write on a claim: left out.
    """
    try:
        from importlib.metadata import version

        from simple_icd_10_cm import simple_icd_10_cm as s
    except ImportError as exc:
        raise CodeTableError("building the table needs the optional extra: pip install 'rxintake[icd]'") from exc
    rows: list[Row] = []
    stack = list(s._chapter_list)
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.type in ("category", "subcategory", "extended subcategory"):
            rows.append((node.name, not node.children, node.description))
    data_file = getattr(s, "_all_codes_package_file_name", "")
    m = re.search(r"(January|February|March|April|May|June|July|August|September|October|November|December)"
                  r"-(\d{4})", data_file)
    update = f"{m.group(1)} {m.group(2)} update" if m else f"simple-icd-10-cm {version('simple-icd-10-cm')}"
    fy = int(m.group(2)) + (1 if m and m.group(1) in ("October", "November", "December") else 0) if m else None
    release = f"ICD-10-CM FY{fy} ({update})" if fy else f"ICD-10-CM ({update})"
    return rows, release


def _parse_order_line(line: str) -> Row | None:
    # 00001 A00     0 Cholera                                                      Cholera
    code = line[6:13].strip()
    flag = line[14:15]
    long_desc = line[77:].strip() or line[16:76].strip()
    if not _CODE.fullmatch(code) or flag not in ("0", "1"):
        return None
    return dotted(code), flag == "1", long_desc


def _parse_codes_line(line: str) -> Row | None:
    code, _, desc = line.strip().partition(" ")
    if not _CODE.fullmatch(code.replace(".", "").upper()) or not desc.strip():
        return None
    return dotted(code), True, desc.strip()


def rows_from_cms(path: Path) -> tuple[list[Row], str]:
    """Rows from a CMS/CDC order or codes file; the format is told from the first line.

    Any line that does not parse is an error naming the line: a half-read code set would
    make valid codes look invalid on every prescription.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        text = path.read_text(encoding="latin-1")
    except OSError as exc:
        raise CodeTableError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise CodeTableError(f"{path}: empty file, no ICD-10-CM codes")
    order = re.match(r"\d{5} [A-Z0-9 ]{7} [01] ", lines[0]) is not None
    parse = _parse_order_line if order else _parse_codes_line
    rows = []
    for n, line in enumerate(lines, 1):
        row = parse(line)
        if row is None:
            kind = "order file (NNNNN CODE    F short long)" if order else "codes file (CODE description)"
            raise CodeTableError(f"{path}, line {n}: not a line of an ICD-10-CM {kind}: {line[:60]!r}")
        rows.append(row)
    m = re.search(r"(20\d\d)", path.name)
    release = f"ICD-10-CM FY{m.group(1)} (from {path.name})" if m else f"ICD-10-CM (from {path.name})"
    if not order:
        rows += _implied_headers(rows)
    return rows, release


def _implied_headers(rows: list[Row]) -> list[Row]:
    """A codes file lists billable codes only; their 3-character categories are headers.

    Intermediate subcategory headers (M54.5 above M54.50) are added without a description
    when a listed code has billable children under them.
    """
    known = {c for c, _, _ in rows}
    extra: dict[str, Row] = {}
    for code, _, _ in rows:
        flat = code.replace(".", "")
        for k in range(3, len(flat)):
            head = dotted(flat[:k])
            if head.endswith("X"):  # placeholder X (S13.4XXA): S13.4X is no code
                continue
            if head not in known and head not in extra:
                extra[head] = (head, False, "")
    return list(extra.values())
