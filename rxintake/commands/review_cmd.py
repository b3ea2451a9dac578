"""Staff commands: `review` (the web page), `users`, `alerts`, `prescriptions`, `renewals`, `visits`.

Each list or show command prints a readable table, or JSON with `--json` (an array for lists,
an object for one record). Changes are recorded in the audit trail under `--by` (default: the
login name of whoever runs the command). Exit codes: 66 no such record, 65 action refused.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Optional

import typer

from review import terminal as T  # light: rich and the database load inside its functions

users_app = typer.Typer(help="Staff accounts for the review page.", no_args_is_help=True)
alerts_app = typer.Typer(help="Alerts on prescriptions: list, show, resolve.", no_args_is_help=True)
rx_app = typer.Typer(help="Prescriptions: list, show, approve, reject.", no_args_is_help=True)
renewals_app = typer.Typer(help="Filed prescriptions that need renewing soon.", invoke_without_command=True)
visits_app = typer.Typer(help="Visits used per prescription.", no_args_is_help=True)

BY = typer.Option(None, "--by", help="Who does this, for the audit trail (default: your login name).")
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _who(by: str | None) -> str:
    return (by or getpass.getuser()).strip()


def _session(write: bool = False):  # noqa: ANN202
    from records.db import ensure_schema, get_engine, session_factory

    engine = get_engine()
    ensure_schema(engine)
    factory = session_factory(engine)
    return factory.begin() if write else factory()


def _fail(err) -> None:  # noqa: ANN001
    typer.echo(f"rxintake: {err.message}", err=True)
    raise typer.Exit(err.exit_code)


def _run(fn):  # noqa: ANN001, ANN202
    """Call fn, turning rxintake errors into a message on stderr and their exit code."""
    from rxintake.errors import RxIntakeError

    try:
        return fn()
    except RxIntakeError as err:
        _fail(err)


# ---- review server -------------------------------------------------------------------------

def review(
    host: Optional[str] = typer.Option(None, help="Address to listen on (default RXINTAKE_REVIEW_HOST, 127.0.0.1)."),
    port: Optional[int] = typer.Option(None, help="Port (default RXINTAKE_REVIEW_PORT, 8765)."),
) -> None:
    """Serve the review page for staff. Open http://HOST:PORT/ in a browser and log in."""
    import uvicorn

    from review.app import create_app
    from rxintake.logs import setup_logging
    from rxintake.settings import get_settings

    setup_logging()  # logins, approvals, rejections as JSON lines on stderr (ids and user names only)
    settings = get_settings()
    host = host or settings.review_host
    port = port or settings.review_port
    if host not in ("127.0.0.1", "localhost", "::1") and not settings.review_cookie_secure:
        typer.echo("rxintake: warning: the review page is reachable from the network without HTTPS; put it "
                   "behind a TLS proxy and set RXINTAKE_REVIEW_COOKIE_SECURE=true", err=True)
    app = _run(lambda: create_app(settings))
    typer.echo(f"Review page: http://{host}:{port}/  (Ctrl+C stops it)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)


# ---- users ---------------------------------------------------------------------------------

@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="The user name staff type to log in."),
    display_name: Optional[str] = typer.Option(None, "--display-name", help="Full name shown on the page."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    reset: bool = typer.Option(False, "--reset", help="Set a new password for an existing user (and enable it)."),
) -> None:
    """Add a staff account (or reset its password with --reset). The password is stored as an argon2 hash."""
    from sqlalchemy import select

    from records.models import User
    from review.security import hash_password, password_problem

    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        typer.echo("rxintake: a user name is one word of at most 100 characters", err=True)
        raise typer.Exit(64)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)
    if problem:
        typer.echo(f"rxintake: {problem}", err=True)
        raise typer.Exit(65)

    def add() -> str:
        with _session(write=True) as s:
            user = s.scalar(select(User).where(User.username == name))
            if user is not None and not reset:
                typer.echo(f"rxintake: user {name} exists; use --reset to set a new password", err=True)
                raise typer.Exit(65)
            if user is None:
                s.add(User(username=name, password_hash=hash_password(password), display_name=display_name,
                           active=True))
                return "added"
            user.password_hash, user.active = hash_password(password), True
            if display_name:
                user.display_name = display_name
            return "password reset"

    typer.echo(f"User {name}: {_run(add)}.")


@users_app.command("list")
def users_list(as_json: bool = JSON) -> None:
    """The staff accounts."""
    from sqlalchemy import select

    from records.models import User

    def rows() -> list[dict]:
        with _session() as s:
            return [{"username": u.username, "display_name": u.display_name, "active": u.active,
                     "created_at": u.created_at.isoformat() if u.created_at else None}
                    for u in s.scalars(select(User).order_by(User.username))]

    data = _run(rows)
    if as_json:
        T.print_json(data)
    else:
        T.table("Staff accounts", ["User", "Name", "Active", "Created"],
               [[u["username"], u["display_name"], "yes" if u["active"] else "no", u["created_at"]] for u in data])


@users_app.command("disable")
def users_disable(name: str = typer.Argument(...)) -> None:
    """Disable an account: its sessions end at the next request and it cannot log in."""
    from sqlalchemy import select

    from records.models import User
    from rxintake.errors import NotFound

    def disable() -> None:
        with _session(write=True) as s:
            user = s.scalar(select(User).where(User.username == name))
            if user is None:
                raise NotFound(f"There is no user {name}.")
            user.active = False

    _run(disable)
    typer.echo(f"User {name}: disabled.")


# ---- alerts --------------------------------------------------------------------------------

@alerts_app.command("list")
def alerts_list(
    status: str = typer.Option("open", help="open, resolved or all."),
    code: Optional[str] = typer.Option(None, help="Only this alert code, e.g. nonbillable_diagnosis."),
    prescription: Optional[int] = typer.Option(None, "--prescription", help="Only this prescription's alerts."),
    limit: int = typer.Option(500, help="At most this many, oldest first."),
    as_json: bool = JSON,
) -> None:
    """Alerts, oldest first (open ones by default)."""
    from review import queries

    if status not in ("open", "resolved", "all"):
        typer.echo("rxintake: --status is open, resolved or all", err=True)
        raise typer.Exit(64)

    def rows() -> list[dict]:
        with _session() as s:
            return [T.alert_dict(a) for a in queries.alerts(s, None if status == "all" else status, code,
                                                          prescription, limit)]

    data = _run(rows)
    if as_json:
        T.print_json(data)
        return
    T.table(f"Alerts ({status}): {len(data)}", ["Alert", "Rx", "Severity", "Code", "Message", "Status"],
           [[a["id"], a["prescription_id"], a["severity"], a["code"], a["message"],
             a["status"] + (f" by {a['resolved_by']}" if a["resolved_by"] else "")] for a in data])


@alerts_app.command("show")
def alerts_show(alert_id: int = typer.Argument(...), as_json: bool = JSON) -> None:
    """One alert in full."""
    from review import actions

    def one() -> dict:
        with _session() as s:
            return T.alert_dict(actions.get_alert(s, alert_id))

    data = _run(one)
    if as_json:
        T.print_json(data)
    else:
        T.table(f"Alert #{alert_id}", ["Field", "Value"], [[k, v] for k, v in data.items()])


@alerts_app.command("resolve")
def alerts_resolve(
    alert_id: int = typer.Argument(...),
    note: str = typer.Option(..., "--note", help="Why the alert is resolved: what was checked or corrected."),
    by: Optional[str] = BY,
    as_json: bool = JSON,
) -> None:
    """Resolve an alert with a note (recorded in the audit trail)."""
    from review import actions

    def resolve() -> dict:
        with _session(write=True) as s:
            return T.alert_dict(actions.resolve_alert(s, alert_id, _who(by), note))

    data = _run(resolve)
    if as_json:
        T.print_json(data)
    else:
        typer.echo(f"Alert #{alert_id} ({data['code']}) resolved by {data['resolved_by']}.")


# ---- prescriptions -------------------------------------------------------------------------

@rx_app.command("list")
def rx_list(
    status: str = typer.Option("needs_review", help="needs_review, filed, rejected or all."),
    limit: int = typer.Option(200, help="At most this many, oldest first."),
    as_json: bool = JSON,
) -> None:
    """Prescriptions, oldest first (those waiting for review by default)."""
    from sqlalchemy import select

    from records.models import Prescription

    def rows() -> list[dict]:
        with _session() as s:
            stmt = select(Prescription).order_by(Prescription.created_at, Prescription.id).limit(limit)
            if status != "all":
                stmt = stmt.where(Prescription.status == status)
            return [T.rx_dict(rx) for rx in s.scalars(stmt)]

    data = _run(rows)
    if as_json:
        T.print_json(data)
        return
    T.table(f"Prescriptions ({status.replace('_', ' ')}): {len(data)}",
           ["Rx", "Received", "Patient", "Prescriber", "Codes", "Open alerts"],
           [[r["id"], (r["received_at"] or "")[:16], r["patient_name"], r["prescriber_name"],
             ", ".join(d["code"] for d in r["diagnoses"] or []),
             "; ".join(a["message"] for a in r["alerts"] if a["status"] == "open")] for r in data])


@rx_app.command("show")
def rx_show(rx_id: int = typer.Argument(...), as_json: bool = JSON) -> None:
    """One prescription with its alerts and audit trail."""
    from review import actions
    from review.fields import FIELDS, show

    def one() -> dict:
        with _session() as s:
            return T.rx_dict(actions.get_rx(s, rx_id), audit=True)

    data = _run(one)
    if as_json:
        T.print_json(data)
        return
    labels = {f.name: f.label for f in FIELDS}
    T.table(f"Prescription #{rx_id} ({data['status'].replace('_', ' ')})", ["Field", "Value"],
           [[labels[k], show(v) if not isinstance(v, list) else ", ".join(
               d["code"] if isinstance(d, dict) else str(d) for d in v)] for k, v in data.items() if k in labels])
    T.table("Alerts", ["Alert", "Severity", "Message", "Status"],
           [[a["id"], a["severity"], a["message"], a["status"]] for a in data["alerts"]])
    if data["audit"]:
        T.table("Audit trail", ["When", "Who", "What", "Field", "Before", "After", "Note"],
               [[e["at"][:16], e["user"], e["action"], e["field"], e["before"], e["after"], e["note"]]
                for e in data["audit"]])


@rx_app.command("approve")
def rx_approve(rx_id: int = typer.Argument(...), by: Optional[str] = BY, as_json: bool = JSON) -> None:
    """Approve a prescription (→ filed). Refused while an error alert is open: resolve it first."""
    from review import actions

    def approve() -> dict:
        with _session(write=True) as s:
            return T.rx_dict(actions.approve(s, rx_id, _who(by)))

    data = _run(approve)
    T.print_json(data) if as_json else typer.echo(f"Prescription #{rx_id} approved and filed.")


@rx_app.command("reject")
def rx_reject(rx_id: int = typer.Argument(...),
              reason: str = typer.Option(..., "--reason", help="Why it is rejected (kept on the record)."),
              by: Optional[str] = BY, as_json: bool = JSON) -> None:
    """Reject a prescription with a reason; its open alerts are closed with that reason."""
    from review import actions

    def reject() -> dict:
        with _session(write=True) as s:
            return T.rx_dict(actions.reject(s, rx_id, _who(by), reason))

    data = _run(reject)
    T.print_json(data) if as_json else typer.echo(f"Prescription #{rx_id} rejected.")


# ---- renewals and visits -------------------------------------------------------------------

@renewals_app.callback()
def renewals(ctx: typer.Context,
             days: Optional[int] = typer.Option(None, help="Ending within this many days (default RXINTAKE_RENEWAL_DAYS, 14)."),
             as_json: bool = JSON) -> None:
    """List filed prescriptions that need renewal: ending soon or with few visits left."""
    if ctx.invoked_subcommand:
        return
    from datetime import date

    from review import queries
    from rxintake.settings import get_settings

    settings = get_settings()

    def rows() -> list[dict]:
        with _session() as s:
            items = queries.renewals(s, date.today(), days if days is not None else settings.renewal_days,
                                     settings.renewal_visits_left, settings.renewal_lookback_days)
            return [{**{k: v for k, v in T.rx_dict(i.rx).items() if k != "alerts"}, "reasons": i.reasons}
                    for i in items]

    data = _run(rows)
    if as_json:
        T.print_json(data)
        return
    T.table(f"Renewal needed: {len(data)}", ["Rx", "Patient", "Prescriber", "Codes", "Ends", "Visits used", "Why"],
           [[r["id"], r["patient_name"], r["prescriber_name"], ", ".join(d["code"] for d in r["diagnoses"] or []),
             r["end_date"], f"{r['visits_used']} of {r['visits'] if r['visits'] is not None else '?'}",
             "; ".join(r["reasons"])] for r in data])


@renewals_app.command("letter")
def renewals_letter(rx_id: int = typer.Argument(...),
                    output: Path = typer.Option(..., "-o", "--output", help="Where to write the PDF.")) -> None:
    """Write the renewal request letter to the prescriber as a PDF."""
    from review import actions
    from review.views_renewal import letter_for
    from rxintake.settings import get_settings

    def make() -> bytes:
        with _session() as s:
            return letter_for(actions.get_rx(s, rx_id), get_settings())

    pdf = _run(make)
    output.write_bytes(pdf)
    typer.echo(f"Wrote {output} ({len(pdf)} bytes).")


@visits_app.command("import")
def visits_import(file: Path = typer.Argument(..., help="CSV with columns prescription_id, visits_used."),
                  by: Optional[str] = BY) -> None:
    """Record visits used from the clinic's scheduling export. Rows that fail are listed; exit 65 if any."""
    from review.terminal import import_visits

    if not file.is_file():
        typer.echo(f"rxintake: {file}: no such file", err=True)
        raise typer.Exit(66)
    result = _run(lambda: import_visits(file, _who(by)))
    for line in result.problems:
        typer.echo(line, err=True)
    updated, failed, rows = result.updated, len(result.problems), result.rows
    typer.echo(f"Visits recorded: {updated} changed, {rows - updated - failed} unchanged, {failed} failed.")
    if failed:
        raise typer.Exit(65)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main `rxintake` app."""
    app.command("review")(review)
    app.add_typer(users_app, name="users")
    app.add_typer(alerts_app, name="alerts")
    app.add_typer(rx_app, name="prescriptions")
    app.add_typer(renewals_app, name="renewals")
    app.add_typer(visits_app, name="visits")
