"""The `rxintake` command. Heavy imports stay inside the commands so `--help` starts fast."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from rxintake import __version__

app = typer.Typer(
    name="rxintake",
    help="Turns physicians' prescription emails into checked records for the clinic.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SUPPORTED = {".eml", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}


def _version(value: bool) -> None:
    if value:
        from parsers.icd10 import read_release  # reads one line of the code table, not the table

        typer.echo(f"rxintake {__version__}")
        typer.echo(read_release())
        raise typer.Exit()


@app.callback()
def main(
    version: Optional[bool] = typer.Option(None, "--version", callback=_version, is_eager=True,
                                           help="Print the version and the ICD-10-CM release, then exit."),
) -> None:
    """rxintake: prescription emails in, checked prescription records out."""


@app.command()
def extract(
    paths: list[Path] = typer.Argument(..., help="Files or folders: .eml, .pdf, .png, .jpg, .tif/.tiff."),
    progress: Optional[bool] = typer.Option(
        None, "--progress/--no-progress", help="Progress bar on stderr (default: when stderr is a terminal)."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Files read at once, each in its own process; "
                                                           "the output keeps the order of the inputs."),
) -> None:
    """Read each file and print one JSON object per input (JSON Lines). No broker, mailbox or database.

    Exit 0 when every input was read, even if it carries alerts; 66 when an input is missing.
    """
    files: list[Path] = []
    missing = 0
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.suffix.lower() in SUPPORTED)
        elif p.is_file():
            files.append(p)
        else:
            typer.echo(f"rxintake: {p}: no such file", err=True)
            missing += 1
    if progress is None:
        progress = sys.stderr.isatty() and len(files) > 1
    lines = _extracted(files, jobs)
    if progress:
        from rich.console import Console
        from rich.progress import track

        lines = track(lines, total=len(files), description="Reading", console=Console(stderr=True))
    for line in lines:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    if missing:
        raise typer.Exit(66)  # EX_NOINPUT


def _extract_json(path: Path) -> str:
    from rxintake.pipeline import extract_path

    return extract_path(path).to_json()


def _extracted(files: list[Path], jobs: int):
    """Each file's JSON line, in input order; `jobs` processes when more than one."""
    if jobs <= 1 or len(files) <= 1:
        yield from map(_extract_json, files)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=min(jobs, len(files))) as pool:
        yield from pool.map(_extract_json, files)


def _register_areas() -> None:
    from rxintake.commands import bench, codes, records_cmd, review_cmd, rules_cmd, service

    for area in (codes, rules_cmd, records_cmd, service, review_cmd, bench):
        area.register(app)


_register_areas()

if __name__ == "__main__":  # pragma: no cover
    app()
