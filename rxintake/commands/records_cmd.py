"""Client records: `rxintake export`, `rxintake clients import FILE.csv`, `rxintake db upgrade`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

clients_app = typer.Typer(help="The clinic's client list.", no_args_is_help=True)
db_app = typer.Typer(help="The records database.", no_args_is_help=True)


def _fail(err) -> None:  # noqa: ANN001
    typer.echo(f"rxintake: {err.message}", err=True)
    raise typer.Exit(err.exit_code)


def export() -> None:
    """Print every filed record with its alerts as JSON Lines (the extract shape plus record fields).

    Adds record_id, client_id, message_uid, record_status, duplicate_of and filed_at to each object.
    """
    import json

    from records.db import ensure_schema, get_engine, session_factory
    from records.export import iter_records
    from rxintake.errors import RxIntakeError

    try:
        engine = get_engine()
        ensure_schema(engine)
        with session_factory(engine)() as session:
            for obj in iter_records(session):
                sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    except RxIntakeError as err:
        _fail(err)


@clients_app.command("import")
def clients_import(
    file: Path = typer.Argument(..., help="CSV with columns name (or first,last), dob, optional external_id, phone."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar on stderr."),
) -> None:
    """Load the clinic's client list. Importing the same file again adds nobody twice.

    Rows that cannot be read are listed on stderr and the exit code is 65; the others are imported.
    """
    from records.clients_import import import_clients
    from records.db import ensure_schema, get_engine, session_factory
    from rxintake.errors import RxIntakeError

    if not file.is_file():
        typer.echo(f"rxintake: {file}: no such file", err=True)
        raise typer.Exit(66)
    try:
        engine = get_engine()
        ensure_schema(engine)
        with session_factory(engine)() as session:
            report = import_clients(session, file, progress=progress)
    except RxIntakeError as err:
        _fail(err)
    for line, why in report.errors:
        typer.echo(f"rxintake: {file.name} line {line}: {why}", err=True)
    typer.echo(f"{report.created} added, {report.updated} updated, {report.unchanged} unchanged, "
               f"{len(report.errors)} rejected", err=True)
    if report.errors:
        raise typer.Exit(65)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database schema up to date (filing does this by itself on first use)."""
    from records.db import current_revision, get_engine, upgrade
    from rxintake.errors import RxIntakeError

    try:
        engine = get_engine()
        before = current_revision(engine)
        upgrade(engine, revision)
        after = current_revision(engine)
    except RxIntakeError as err:
        _fail(err)
    typer.echo(f"database schema: {before or 'empty'} -> {after}", err=True)


@db_app.command("current")
def db_current() -> None:
    """Print the database's schema revision and the latest one this version knows."""
    from records.db import current_revision, get_engine, head_revision
    from rxintake.errors import RxIntakeError

    try:
        typer.echo(f"{current_revision(get_engine()) or 'empty'} (latest {head_revision()})")
    except RxIntakeError as err:
        _fail(err)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main `rxintake` app."""
    app.command("export")(export)
    app.add_typer(clients_app, name="clients")
    app.add_typer(db_app, name="db")
