"""A `consentry worker` process beside the web server, kept running while the server is.

`consentry serve` starts one (`WorkerProcess.start`) so that propagations queued by
requests are carried out in a process of their own, never in a request's thread. The
child inherits the server's environment, so it reads the same settings and database.

Supervision: a child that dies (killed, crashed) is started again after a pause that
grows while it keeps dying quickly; its running job is taken over by the new child (the
queue sees that the old process is gone). A child that exits on its own with status 0
was asked to stop (Ctrl-C reaches the whole process group) and is not restarted.
`stop` asks the child to stop with SIGTERM, which hands its running job back to the
queue, and kills it only if it does not exit in time.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

log = logging.getLogger("consentry.worker")

COMMAND = (sys.executable, "-m", "consentry.cli", "worker")
#: A child that ran at least this long before dying is restarted after the shortest pause.
_STEADY_S = 30.0


class WorkerProcess:
    """One supervised `consentry worker` child process."""

    def __init__(self, *, restart_after_s: float = 1.0, max_pause_s: float = 30.0) -> None:
        self._restart_after_s = restart_after_s
        self._max_pause_s = max_pause_s
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._monitor: threading.Thread | None = None
        #: How many times the child was started (1 + restarts).
        self.starts = 0

    @property
    def pid(self) -> int | None:
        """The running child's process id (None before start or after stop)."""
        with self._lock:
            return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Start the child and the thread that restarts it when it dies."""
        self._spawn()
        self._monitor = threading.Thread(target=self._watch, name="worker-monitor", daemon=True)
        self._monitor.start()

    def _spawn(self) -> None:
        with self._lock:
            self._proc = subprocess.Popen(COMMAND, env=os.environ.copy())
            self.starts += 1

    def _watch(self) -> None:
        pause = self._restart_after_s
        while not self._stopping.is_set():
            with self._lock:
                proc = self._proc
            if proc is None:
                return
            started = time.monotonic()
            code = proc.wait()
            if self._stopping.is_set() or code == 0:
                return  # asked to stop, by us or by a Ctrl-C sent to the process group
            ran = time.monotonic() - started
            pause = self._restart_after_s if ran >= _STEADY_S else min(pause * 2, self._max_pause_s)
            log.warning("propagation worker %s exited with %s; restarting", proc.pid, code)
            if self._stopping.wait(pause):
                return
            self._spawn()

    def stop(self, *, timeout_s: float = 30.0) -> None:
        """Ask the child to stop (SIGTERM: its running job goes back to the queue); kill
        it if it has not exited within `timeout_s`."""
        self._stopping.set()
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._monitor is not None:
            self._monitor.join(timeout=5)
