"""A small process supervisor for ``manage.py serve`` (one machine, no systemd).

Runs a list of named commands as child processes and keeps them running:

- a child that exits is restarted on its own, after a back-off that doubles on every quick
  failure (1 s, 2 s, 4 s … up to 30 s) and starts again from 1 s once the child had run for a
  minute; the other children keep running;
- every child runs in its own process group, and when a child exits, whatever is left of its
  group (e.g. the workers of a killed gunicorn master) is killed, so nothing keeps serving
  requests or holding the port on its own;
- on SIGINT (Ctrl+C) or SIGTERM every group gets SIGTERM, then SIGKILL after a timeout;
  a second Ctrl+C kills at once;
- on Linux every child also gets SIGTERM from the kernel when the supervisor itself dies,
  even by SIGKILL (``PR_SET_PDEATHSIG``), so no child is left orphaned.

Production uses systemd units (deploy/systemd) or the container platform instead.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: Sequence[str]
    env: dict[str, str] | None = None


@dataclass
class _Child:
    spec: ChildSpec
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    quick_failures: int = 0
    restarts: int = 0
    history: list[int] = field(default_factory=list)  # pids, oldest first


def _die_with_parent(parent_pid: int) -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None

    def preexec() -> None:
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except OSError:  # no libc (unusual): the stop path still kills the group
            return
        if os.getppid() != parent_pid:  # the supervisor died before prctl took effect
            os._exit(1)

    return preexec


def _killpg(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


class Supervisor:
    def __init__(
        self,
        children: Sequence[ChildSpec],
        *,
        cwd: str | Path | None = None,
        log: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
        stable_after: float = 60.0,
        stop_timeout: float = 15.0,
        poll: float = 0.2,
    ) -> None:
        names = [spec.name for spec in children]
        if len(set(names)) != len(names):
            raise ValueError(f"child names must be unique: {names}")
        self.children = [_Child(spec) for spec in children]
        self.cwd = str(cwd) if cwd is not None else None
        self.log = log
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.stable_after = stable_after
        self.stop_timeout = stop_timeout
        self.poll = poll
        self._stop_requested = 0

    # -- public -------------------------------------------------------------------------------
    def child(self, name: str) -> _Child:
        return next(c for c in self.children if c.spec.name == name)

    def request_stop(self, *_: object) -> None:
        self._stop_requested += 1

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)

    def run(self, *, until: Callable[[], bool] | None = None) -> None:
        """Start every child and supervise until a stop is requested (or ``until()``)."""
        try:
            for child in self.children:
                self._start(child)
            while not self._stop_requested and not (until and until()):
                self.step()
                time.sleep(self.poll)
        finally:
            self.stop()

    def step(self) -> None:
        now = time.monotonic()
        for child in self.children:
            proc = child.proc
            if proc is not None and proc.poll() is not None:
                ran = now - child.started_at
                # Leftovers of the group (gunicorn workers of a killed master) go with it.
                _killpg(proc.pid, signal.SIGKILL)
                child.proc = None
                if ran >= self.stable_after:
                    child.quick_failures = 0
                child.quick_failures += 1
                delay = min(self.backoff_max,
                            self.backoff_initial * 2 ** (child.quick_failures - 1))
                child.restart_at = now + delay
                self.log(f"{child.spec.name} (pid {proc.pid}) exited with {proc.returncode} "
                         f"after {ran:.1f} s; restarting in {delay:.1f} s")
            if child.proc is None and child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self._start(child)

    def stop(self) -> None:
        running = [c for c in self.children if c.proc is not None and c.proc.poll() is None]
        for child in running:
            assert child.proc is not None
            _killpg(child.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        asked = self._stop_requested
        while running and time.monotonic() < deadline and self._stop_requested <= max(asked, 1):
            running = [c for c in running if c.proc is not None and c.proc.poll() is None]
            time.sleep(0.05)
        for child in self.children:
            if child.proc is not None:
                # The whole group: a child that exited may have left processes behind.
                _killpg(child.proc.pid, signal.SIGKILL)
                try:
                    child.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.log(f"{child.spec.name} (pid {child.proc.pid}) did not stop")
                child.proc = None
            child.restart_at = None

    # -- internals ----------------------------------------------------------------------------
    def _start(self, child: _Child) -> None:
        env = None
        if child.spec.env:
            env = {**os.environ, **child.spec.env}
        child.proc = subprocess.Popen(  # noqa: S603  (our own commands, no shell)
            list(child.spec.argv), cwd=self.cwd, env=env, start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()),
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        child.history.append(child.proc.pid)
