"""`rxintake rules ...`: check a clinic's rules file before putting it in force."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

rules_app = typer.Typer(help="The clinic's rules: check a rules file, show the rules in force.",
                        no_args_is_help=True)


def _summary(rules) -> list[tuple[str, str]]:
    def days(v: int | None) -> str:
        return f"{v} days" if v else "none"

    rows = [
        ("required fields", ", ".join(rules.required) or "none"),
        ("covered codes", ", ".join(str(r) for r in rules.covered_codes) or "none"),
        ("max age at arrival", days(rules.max_age_days)),
        ("warn before expiry", days(rules.expiry_warning_days) if rules.expiry_warning_days is not None else "none"),
        ("default validity", days(rules.default_validity_days)),
        ("headers since", ", ".join(f"{c} ({d.isoformat()})" for c, d in rules.header_since.items()) or "none"),
    ]
    for payer in rules.payers:
        parts = []
        if payer.procedures is not None:
            parts.append("procedures " + ", ".join(payer.procedures))
        if payer.covered_codes is not None:
            parts.append("covered " + ", ".join(str(r) for r in payer.covered_codes))
        for key in ("max_age_days", "expiry_warning_days", "default_validity_days"):
            if getattr(payer, key) is not None:
                parts.append(f"{key} {getattr(payer, key)}")
        rows.append((f"payer {payer.name}", "; ".join(parts) or "no overrides"))
    return rows


def _print(rules, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_header=True)
    table.add_column("rule")
    table.add_column("value")
    for k, v in _summary(rules):
        table.add_row(k, v)
    Console().print(table)


@rules_app.command("check")
def check(file: Path = typer.Argument(..., help="The rules file (YAML) to check.")) -> None:
    """Check a rules file: print OK and a summary, or say what is wrong (file, line, key) and exit non-zero."""
    from rules.engine import load_rules
    from rxintake.errors import RulesError

    try:
        rules = load_rules(file)
    except RulesError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(exc.exit_code)
    typer.echo(f"OK: {file}")
    _print(rules, str(file))


@rules_app.command("show")
def show(file: Optional[Path] = typer.Argument(None, help="A rules file; default: the rules in force.")) -> None:
    """Show the rules in force (RXINTAKE_RULES_FILE, else the shipped default)."""
    from rules.engine import DEFAULT_RULES, load_rules
    from rxintake.errors import RulesError
    from rxintake.settings import get_settings

    path = file or get_settings().rules_file
    try:
        rules = load_rules(path)
    except RulesError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(exc.exit_code)
    _print(rules, str(path or DEFAULT_RULES))


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main `rxintake` app."""
    app.add_typer(rules_app, name="rules")
