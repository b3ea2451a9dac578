"""What the staff commands print (tables, JSON shapes) and the visits import, apart from the CLI wiring."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from rxintake.errors import ActionRefused, RxIntakeError


def print_json(obj) -> None:  # noqa: ANN001
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def table(title: str, columns: list[str], rows: list[list]) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Table(title=title, show_lines=False, expand=False)
    for col in columns:
        out.add_column(col, overflow="fold")
    for row in rows:
        out.add_row(*["" if v is None else str(v) for v in row])
    Console().print(out)


def _iso(value) -> str | None:  # noqa: ANN001
    return value.isoformat() if value is not None else None


def alert_dict(a) -> dict:  # noqa: ANN001
    return {"id": a.id, "prescription_id": a.prescription_id, "code": a.code, "severity": a.severity,
            "field": a.field, "message": a.message, "status": a.status, "resolved_by": a.resolved_by,
            "resolved_at": _iso(a.resolved_at), "note": a.note, "created_at": _iso(a.created_at)}


def rx_dict(rx, audit: bool = False) -> dict:  # noqa: ANN001
    """A prescription record as the commands print it: every correctable field, state, alerts (and audit)."""
    from review.fields import FIELDS

    out = {"id": rx.id, "status": rx.status, "client_id": rx.client_id, "received_at": _iso(rx.created_at)}
    for f in FIELDS:
        v = getattr(rx, f.name)
        out[f.name] = v.isoformat() if hasattr(v, "isoformat") else v
    out.update({"reviewed_by": rx.reviewed_by, "reviewed_at": _iso(rx.reviewed_at),
                "reject_reason": rx.reject_reason, "alerts": [alert_dict(a) for a in rx.alerts]})
    if audit:
        out["audit"] = [{"at": _iso(e.at), "user": e.user, "action": e.action, "field": e.field,
                         "before": e.before, "after": e.after, "note": e.note} for e in rx.audit]
    return out


@dataclass
class VisitsImport:
    rows: int = 0
    updated: int = 0
    problems: list[str] = field(default_factory=list)  # "file:line: what is wrong"


def import_visits(path: Path, user: str) -> VisitsImport:
    """Record visits used from a CSV (prescription_id, visits_used), one transaction per row.

    A bad row is reported by line and skipped; the others are recorded (and audited).
    """
    from records.db import ensure_schema, get_engine, session_factory
    from review import actions

    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        cols = {c.strip().lower() for c in reader.fieldnames or []}
        if not {"prescription_id", "visits_used"} <= cols:
            raise ActionRefused("The CSV needs the columns prescription_id and visits_used.")
        rows = [{k.strip().lower(): (v or "").strip() for k, v in row.items() if k} for row in reader]
    engine = get_engine()
    ensure_schema(engine)
    factory = session_factory(engine)
    result = VisitsImport(rows=len(rows))
    for line, row in enumerate(rows, start=2):
        try:
            rx_id = int(row["prescription_id"])
        except ValueError:
            result.problems.append(f"{path.name}:{line}: prescription_id {row['prescription_id']!r} is not a number")
            continue
        try:
            with factory.begin() as s:
                changed = actions.update_fields(s, rx_id, {"visits_used": row["visits_used"]}, user)
            result.updated += bool(changed)
        except RxIntakeError as err:
            if err.transient:
                raise
            result.problems.append(f"{path.name}:{line}: {err.message}")
    return result
