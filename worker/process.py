"""A Dramatiq worker process (`python -m worker.process --threads N`), started by `rxintake run`.

It stops cleanly on SIGTERM (jobs in hand finish, prefetched ones go back to the broker) and
asks the kernel for SIGTERM when its parent dies, so a killed `run` leaves no orphan workers.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import signal
import sys
import threading

from rxintake.logs import log_event, setup_logging

log = logging.getLogger("rxintake.worker")


def die_with_parent() -> None:
    """Linux prctl(PR_SET_PDEATHSIG, SIGTERM); harmless elsewhere."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


def start_worker(broker, threads: int):
    from dramatiq import Worker

    # what the `dramatiq` CLI does at boot: starts the TimeLimit watchdog among others
    broker.emit_after("process_boot")
    # an idle queue is polled at most 250 ms apart: work starts soon after arrival, and with Redis
    # the heartbeats (and dead-worker checks) come often
    worker = Worker(broker, worker_threads=threads, worker_timeout=250)
    worker.start()
    return worker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="worker.process")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--parent", type=int, default=None, help="pid of the `rxintake run` that started us")
    args = parser.parse_args(argv)
    if args.parent is not None:
        die_with_parent()
        if os.getppid() != args.parent:  # the parent died before we asked to follow it
            return 0
    setup_logging(os.environ.get("RXINTAKE_LOG_LEVEL", "INFO"))
    from rxintake.settings import get_settings
    from worker.actors import declare
    from worker.broker import make_broker

    settings = get_settings()
    broker = make_broker(settings)
    declare(broker, settings)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    from worker.actors import warm_up

    warm_up()
    worker = start_worker(broker, args.threads or settings.worker_threads)
    log_event(log, "worker.started", pid=os.getpid(), threads=args.threads or settings.worker_threads)
    stop.wait()
    worker.stop(timeout=20_000)
    broker.close()
    log_event(log, "worker.stopped", pid=os.getpid())
    return 0


if __name__ == "__main__":
    sys.exit(main())
