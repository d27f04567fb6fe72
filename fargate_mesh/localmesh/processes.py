"""Child processes of a local mesh: each in its own process group, logging to its own file.

Stopping is SIGTERM to the whole group, then SIGKILL after a grace period, so whatever a child
forked (uvicorn workers, shells) ends with it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _parent_death_hook() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when we die, even by SIGKILL.

    Without it, `kill -9` of localmesh (or of pytest) would leave Envoys and apps running, because
    they sit in their own sessions where no terminal hangup reaches them. Linux sends the signal when
    the *thread* that started the child ends, so children are started only from threads that live as
    long as the mesh: the one that called LocalMesh.start(), and the supervisor's for restarts.
    """
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    prctl = ctypes.CDLL(libc_name, use_errno=True).prctl  # resolved here, not in the forked child
    parent = os.getpid()

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return hook


@dataclass
class ManagedProcess:
    name: str  # e.g. "products-v1 app", "gateway envoy"
    argv: Sequence[str]
    log_path: Path
    env: Mapping[str, str] | None = None
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    # Where this run's output starts in the log: a restart appends to the same file.
    log_offset: int = field(default=0, repr=False)
    # Standard output to a file of its own (an Envoy's access log to /dev/stdout, as in a task); None:
    # with standard error into log_path.
    stdout_path: Path | None = None

    def start(self) -> None:
        """Start (or start again, with the same command, environment and log) as a new process."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.ExitStack() as files:
            log = files.enter_context(self.log_path.open("ab"))
            self.log_offset = log.tell()
            out = files.enter_context(self.stdout_path.open("ab")) if self.stdout_path else None
            self.popen = subprocess.Popen(
                list(self.argv),
                stdin=subprocess.DEVNULL,
                stdout=out or log,
                stderr=log if out else subprocess.STDOUT,
                env=dict(self.env) if self.env is not None else None,
                start_new_session=True,  # own process group: one signal reaches its children too
                preexec_fn=_parent_death_hook(),
            )

    @property
    def pid(self) -> int:
        if self.popen is None:
            raise RuntimeError(f"{self.name} was not started")
        return self.popen.pid

    def exit_code(self) -> int | None:
        """None while running (or never started)."""
        return None if self.popen is None else self.popen.poll()

    def signal_group(self, sig: signal.Signals) -> None:
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone already
            os.killpg(self.popen.pid, sig)

    def output(self, limit: int = 65_536) -> str:
        """What the current process wrote to its log (at most the last `limit` bytes of it)."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(self.log_offset, log.tell() - limit))
                return log.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines: int = 20) -> str:
        """The last lines the current process wrote to its log."""
        return "\n".join(self.output(16_384).splitlines()[-lines:])


def terminate(processes: Iterable[ManagedProcess]) -> None:
    """The first step of stopping: SIGTERM to the group of every process still running."""
    for proc in processes:
        if proc.exit_code() is None:
            proc.signal_group(signal.SIGTERM)


def kill_and_reap(processes: Iterable[ManagedProcess]) -> None:
    """The last step: SIGKILL every group, then reap every leader."""
    started = [p for p in processes if p.popen is not None]
    for proc in started:
        # Also after a clean exit of the leader: anything it forked may still hold a port.
        proc.signal_group(signal.SIGKILL)
    for proc in started:
        assert proc.popen is not None
        with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL'ed: only a kernel hang waits
            proc.popen.wait(timeout=5)


def stop_all(processes: Iterable[ManagedProcess], grace_seconds: float = 5.0) -> None:
    """SIGTERM every group, wait up to the grace period, SIGKILL what is left, reap everything."""
    started = [p for p in processes if p.popen is not None]
    terminate(started)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and any(p.exit_code() is None for p in started):
        time.sleep(0.02)
    kill_and_reap(started)


def pid_alive(pid: int) -> bool:
    """True for a live process; a zombie (exited, not reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True  # no /proc (not Linux): trust kill(0)
