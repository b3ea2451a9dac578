"""`rxintake run`, `rxintake worker` and `rxintake demo`: the background service and its showcase."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def _serve(until_idle: bool, processes: Optional[int], threads: Optional[int], workers: bool = True) -> int:
    import signal
    import threading

    from rxintake.errors import RxIntakeError
    from rxintake.logs import setup_logging
    from rxintake.settings import get_settings

    setup_logging()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        from worker.service import Service

        return Service(get_settings(), until_idle=until_idle, processes=processes, threads=threads,
                       workers=workers, stop=stop).run()
    except RxIntakeError as exc:
        typer.echo(f"rxintake run: {exc.message}", err=True)
        return exc.exit_code


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main `rxintake` app."""

    @app.command()
    def run(
        until_idle: bool = typer.Option(False, "--until-idle",
                                        help="Exit 0 once no message is waiting and every job is filed."),
        processes: Optional[int] = typer.Option(
            None, "--processes", min=0,
            help="Worker processes to start with a Redis/RabbitMQ broker (0: threads inside this process). "
                 "Default: RXINTAKE_WORKER_PROCESSES."),
        threads: Optional[int] = typer.Option(None, "--threads", min=1,
                                              help="Threads per worker. Default: RXINTAKE_WORKER_THREADS."),
        workers: bool = typer.Option(True, "--workers/--no-workers",
                                     help="--no-workers: only take and send; `rxintake worker` elsewhere files."),
    ) -> None:
        """The background service: watch the mailbox and/or the inbox folder, file every message.

        Runs until SIGTERM/SIGINT (a clean stop), or with --until-idle until nothing is left to do.
        Exit 78 when neither RXINTAKE_IMAP_HOST nor RXINTAKE_INBOX_DIR is set.
        """
        raise typer.Exit(_serve(until_idle, processes, threads, workers))

    @app.command()
    def worker(
        threads: Optional[int] = typer.Option(None, "--threads", min=1,
                                              help="Worker threads. Default: RXINTAKE_WORKER_THREADS."),
    ) -> None:
        """A worker only (no mailbox): for more workers on other machines beside one `rxintake run`."""
        from worker.process import main

        raise typer.Exit(main(["--threads", str(threads)] if threads else []))

    @app.command()
    def demo(
        data_dir: Path = typer.Option(Path("rxintake-data/demo"), "--data-dir",
                                      help="Where the demo keeps its database and originals (emptied first)."),
        samples: Path = typer.Option(Path("samples"), "--samples", help="Files to feed the demo."),
    ) -> None:
        """The whole pipeline on samples/ with embedded defaults: no server needed.

        Stub broker, SQLite, a watched folder; prints the filed prescriptions and the open alerts.
        """
        from rxintake.commands.demo_run import run_demo

        raise typer.Exit(run_demo(data_dir, samples))
