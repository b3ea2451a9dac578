"""`rxintake codes ...`: the ICD-10-CM code set in force, looking codes up, installing a newer release."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

codes_app = typer.Typer(help="The ICD-10-CM code set: which release, look codes up, load a newer CMS release.",
                        no_args_is_help=True)


def _fail(exc: Exception) -> None:
    typer.echo(f"rxintake: {getattr(exc, 'message', exc)}", err=True)
    raise typer.Exit(getattr(exc, "exit_code", 1))


@codes_app.command("info")
def info() -> None:
    """Which ICD-10-CM release is in force, where its table is, how many codes, and how long it takes to load."""
    import time

    from parsers import icd10

    path = icd10.table_path()
    started = time.perf_counter()
    icd10.use_table(path)
    took = (time.perf_counter() - started) * 1000
    s = icd10.stats()
    typer.echo(f"release   {s['release']}")
    typer.echo(f"table     {s['path']} ({path.stat().st_size / 1e6:.2f} MB)"
               f"{'  [shipped]' if path == icd10.SHIPPED else '  [loaded by the clinic]'}")
    typer.echo(f"codes     {s['codes']} ({s['billable']} billable, {s['headers']} headers)")
    typer.echo(f"load time {took:.0f} ms")
    if path == icd10.SHIPPED:
        typer.echo("A newer release published by CMS can be installed with: rxintake codes load icd10cm_order_YYYY.txt")


@codes_app.command("lookup")
def lookup(codes: list[str] = typer.Argument(..., help="Codes in any form: M54.5, m545, S134XXA.")) -> None:
    """Say for each code whether it exists, whether it is billable, and what it means. Exit 1 if any is not billable."""
    from parsers import icd10

    bad = 0
    for raw in codes:
        code = icd10.normalize(raw)
        hit = icd10.lookup(code) if code else None
        if hit is None:
            bad += 1
            under = icd10.billable_children(code) if code else []
            hint = f"  (needs more characters: {', '.join(c.code for c in under[:6])}" \
                   f"{' ...' if len(under) > 6 else ''})" if under else ""
            typer.echo(f"{raw}\tnot in the code set{hint}")
            continue
        if not hit.billable:
            bad += 1
            under = icd10.billable_children(code)
            typer.echo(f"{code}\theader\t{hit.description}\t(billable: {', '.join(c.code for c in under[:6])}"
                       f"{' ...' if len(under) > 6 else ''})")
        else:
            typer.echo(f"{code}\tbillable\t{hit.description}")
    raise typer.Exit(1 if bad else 0)


@codes_app.command("load")
def load(file: Path = typer.Argument(..., help="A CMS/CDC icd10cm_order_YYYY.txt or icd10cm_codes_YYYY.txt."),
         release: Optional[str] = typer.Option(None, "--release", help="Name the release, e.g. 'ICD-10-CM FY2027'.")
         ) -> None:
    """Install a newer ICD-10-CM release from a CMS/CDC code file; it then wins over the shipped one."""
    from parsers import icd10
    from parsers.icd10_build import rows_from_cms, write_table
    from rxintake.errors import RxIntakeError
    from rxintake.settings import get_settings

    settings = get_settings()
    out = Path(settings.data_dir) / icd10.TABLE_NAME
    try:
        rows, named = rows_from_cms(file)
        n = write_table(rows, release or named, out)
    except RxIntakeError as exc:
        _fail(exc)
    billable = sum(1 for _, b, _ in rows if b)
    typer.echo(f"Loaded {release or named}: {n} codes ({billable} billable) into {out}")
    if settings.codes_file:
        typer.echo(f"Note: RXINTAKE_CODES_FILE={settings.codes_file} is set and still takes precedence.", err=True)


@codes_app.command("unload")
def unload() -> None:
    """Remove a release loaded with `codes load`: the shipped table is used again."""
    from parsers import icd10
    from rxintake.settings import get_settings

    out = Path(get_settings().data_dir) / icd10.TABLE_NAME
    if out.exists():
        out.unlink()
        typer.echo(f"Removed {out}; in force now: {icd10.read_release()}")
    else:
        typer.echo(f"No loaded table at {out}; in force: {icd10.read_release()}")


@codes_app.command("build")
def build(out: Optional[Path] = typer.Option(None, "--out", help="Where to write (default: the shipped table).")
          ) -> None:
    """Rebuild the shipped table from the simple-icd-10-cm package (needs the optional extra 'icd')."""
    from parsers import icd10
    from parsers.icd10_build import rows_from_package, write_table
    from rxintake.errors import RxIntakeError

    target = out or icd10.SHIPPED
    try:
        rows, release = rows_from_package()
        n = write_table(rows, release, target)
    except RxIntakeError as exc:
        _fail(exc)
    billable = sum(1 for _, b, _ in rows if b)
    typer.echo(f"Wrote {release}: {n} codes ({billable} billable, {n - billable} headers), "
               f"{target.stat().st_size / 1e6:.2f} MB, to {target}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main `rxintake` app."""
    app.add_typer(codes_app, name="codes")
