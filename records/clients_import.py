"""Loading the clinic's client list from CSV, idempotently.

A row is the same client as a stored one when its external_id matches, else when its name keys and
DOB match exactly; such rows update the phone/external id instead of adding a person twice. An
intake-created client (flagged for review) that the list confirms loses its review flag.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.db import db_errors
from records.matching import name_key
from records.models import Client
from rxintake.errors import ImportFileError

COMMIT_EVERY = 500


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def parse_dob(text: str) -> date:
    """ISO `YYYY-MM-DD` or US `MM/DD/YYYY`; two-digit years are refused (the century would be a guess)."""
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        y, mo, d = map(int, m.groups())
    elif m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text):
        mo, d, y = map(int, m.groups())
    else:
        raise ValueError(f"date of birth {text!r} is not YYYY-MM-DD or MM/DD/YYYY")
    result = date(y, mo, d)
    if result > date.today() or y < 1900:
        raise ValueError(f"date of birth {text!r} is out of range")
    return result


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ImportFileError(f"{path.name}: not UTF-8 text (save the list as CSV UTF-8)") from e
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not ("name" in headers or ("first" in headers and "last" in headers)):
        raise ImportFileError(f"{path.name}: needs a 'name' column or 'first' and 'last' columns; "
                              f"found {', '.join(headers) or 'no header'}")
    if "dob" not in headers:
        raise ImportFileError(f"{path.name}: needs a 'dob' column")
    rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k} for row in reader]
    return headers, rows


def import_clients(session: Session, path: Path, *, progress: bool = False) -> ImportReport:
    _, rows = read_rows(path)
    report = ImportReport()
    if progress:
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True)) as bar:
            task = bar.add_task(f"Importing {path.name}", total=len(rows))
            _import(session, rows, report, lambda: bar.advance(task))
    else:
        _import(session, rows, report, lambda: None)
    return report


class _Known:
    """Every stored client by external id and by identity, read once instead of once per row."""

    def __init__(self, session: Session):
        self.by_external: dict[str, Client] = {}
        self.by_identity: dict[tuple, Client] = {}
        for c in session.scalars(select(Client)):
            self.add(c)

    def add(self, c: Client) -> None:
        if c.external_id:
            self.by_external[c.external_id] = c
        self.by_identity[(c.first_norm, c.last_norm, c.dob)] = c


def _import(session: Session, rows: list[dict[str, str]], report: ImportReport, tick) -> None:  # noqa: ANN001
    with db_errors():
        known = _Known(session)
        for n, row in enumerate(rows, start=2):  # line 1 is the header
            try:
                _one(session, known, row, report)
            except ValueError as e:
                report.errors.append((n, str(e)))
            tick()
            if n % COMMIT_EVERY == 0:
                session.commit()
        session.commit()


def _one(session: Session, known: _Known, row: dict[str, str], report: ImportReport) -> None:
    if row.get("name"):
        name = row["name"]
        key = name_key(name)
    else:
        name = " ".join(p for p in (row.get("first", ""), row.get("last", "")) if p)
        key = name_key(None, first=row.get("first"), last=row.get("last"))
    if key is None or not key.last:
        raise ValueError("no name")
    if not row.get("dob"):
        raise ValueError("no date of birth")
    dob = parse_dob(row["dob"])
    external_id = row.get("external_id") or None
    phone = row.get("phone") or None

    identity = (key.first, key.last, dob)
    client = known.by_external.get(external_id) if external_id else None
    other = known.by_identity.get(identity)
    if client is None:
        client = other
        if client is not None and external_id and client.external_id and client.external_id != external_id:
            raise ValueError(f"same name and date of birth as the client with external id {client.external_id}")
    elif other is not None and other is not client:
        raise ValueError("another client already has this name and date of birth")
    if client is None:
        client = Client(name=name, first_norm=key.first, last_norm=key.last, dob=dob,
                        external_id=external_id, phone=phone, source="import", needs_review=False)
        session.add(client)
        known.add(client)
        report.created += 1
        return
    new = {"name": name, "first_norm": key.first, "last_norm": key.last, "dob": dob,
           "needs_review": False, "external_id": external_id or client.external_id, "phone": phone or client.phone}
    changed = {k: v for k, v in new.items() if getattr(client, k) != v}
    old_identity = (client.first_norm, client.last_norm, client.dob)
    for k, v in changed.items():
        setattr(client, k, v)
    if changed:
        if known.by_identity.get(old_identity) is client:
            del known.by_identity[old_identity]
        known.add(client)
        report.updated += 1
    else:
        report.unchanged += 1
