"""The Dramatiq workers `rxintake run` brings along: threads in-process, or child processes.

Child processes (`python -m worker.process`) are watched on every pass of the run loop: one that
died (killed, out of memory) is started again, and its jobs come back through the broker.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

from rxintake.logs import log_event
from rxintake.settings import Settings

log = logging.getLogger("rxintake.service")


class Workers:
    def __init__(self, broker, settings: Settings, *, processes: int, threads: int, enabled: bool = True):
        self.enabled = enabled
        self.broker = broker
        self.settings = settings
        self.processes = max(0, processes)
        self.threads = max(1, threads)
        self.children: list[subprocess.Popen] = []
        self.inproc = None
        self._started: dict[int, float] = {}
        self._restart_at: dict[int, float] = {}
        self._delay: dict[int, float] = {}

    def start(self) -> None:
        if not self.enabled:
            return
        if self.processes == 0:
            from worker.actors import warm_up
            from worker.process import start_worker

            warm_up()
            self.inproc = start_worker(self.broker, self.threads)
            return
        self.children = [self._spawn() for _ in range(self.processes)]
        self._started = dict.fromkeys(range(self.processes), time.monotonic())

    def _spawn(self) -> subprocess.Popen:
        child = subprocess.Popen([sys.executable, "-m", "worker.process", "--threads", str(self.threads),
                                  "--parent", str(os.getpid())], env=os.environ.copy())
        log_event(log, "worker.spawned", pid=child.pid)
        return child

    def pids(self) -> list[int]:
        return [c.pid for c in self.children if c.poll() is None]

    def supervise(self) -> None:
        """Start again any worker that died; one that keeps dying is started less and less often."""
        now = time.monotonic()
        for i, child in enumerate(self.children):
            code = child.poll()
            if code is None:
                continue
            if i not in self._restart_at:
                quick = now - self._started.get(i, 0.0) < 30.0  # died soon after its start
                self._delay[i] = min((self._delay.get(i) or 0.5) * 2, 60.0) if quick else 0.0
                self._restart_at[i] = now + self._delay[i]
                log_event(log, "worker.died", level=logging.WARNING, pid=child.pid, exit_code=code,
                          restart_in=self._delay[i])
            if now >= self._restart_at[i]:
                del self._restart_at[i]
                self.children[i] = self._spawn()
                self._started[i] = now

    def stop(self, timeout: float = 30.0) -> None:
        if self.inproc is not None:
            self.inproc.stop(timeout=int(timeout * 1000))
            self.inproc = None
        for child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.children = []
