"""The safeguards of localmesh/processes.py, each against a child that misbehaves in exactly the way it
guards against. (The parent-death signal, for `kill -9` of localmesh itself, is tested with a whole
mesh in test_e2e_lifecycle.)"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fargate_mesh.localmesh.processes import ManagedProcess, pid_alive, stop_all
from tests.helpers.localmesh import wait_all_gone

pytestmark = pytest.mark.e2e


def wait_for_output(proc: ManagedProcess, pattern: str, timeout: float = 10.0) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while (match := re.search(pattern, proc.output())) is None:
        if time.monotonic() > deadline:
            pytest.fail(f"{proc.name} wrote no {pattern!r} within {timeout}s: {proc.output()!r}")
        time.sleep(0.02)
    return match


@contextlib.contextmanager
def killed_afterwards(*pids: int) -> Iterator[None]:
    """Whatever the test finds, nothing it started outlives it (even when a safeguard is broken)."""
    try:
        yield
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def test_stopping_a_child_also_stops_what_it_forked(tmp_path: Path) -> None:
    """GIVEN a child that forks and waits, as a shell or uvicorn with workers does:
    sh -c 'sleep 30 & wait'
    WHEN it is stopped
    THEN the grandchild (the sleep) has ended too, not only the shell: the signal went to its group"""
    proc = ManagedProcess("forker", ["sh", "-c", 'sleep 30 & echo "grandchild $!"; wait'], tmp_path / "f.log")
    proc.start()
    grandchild = int(wait_for_output(proc, r"grandchild (\d+)")[1])
    with killed_afterwards(grandchild):
        assert pid_alive(grandchild)
        stop_all([proc], grace_seconds=2.0)
        wait_all_gone([proc.pid, grandchild], [], timeout=3.0)


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    """GIVEN a child that ignores SIGTERM
    WHEN it is stopped with a grace period of 1 s
    THEN stopping waits out the grace period, then SIGKILLs it: it has ended, killed by SIGKILL"""
    ignore = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ignoring SIGTERM', flush=True); time.sleep(60)"
    )
    proc = ManagedProcess("stubborn", [sys.executable, "-c", ignore], tmp_path / "s.log")
    proc.start()
    with killed_afterwards(proc.pid):
        wait_for_output(proc, "ignoring SIGTERM")
        started = time.monotonic()
        stop_all([proc], grace_seconds=1.0)
        took = time.monotonic() - started
        assert proc.exit_code() == -signal.SIGKILL
        assert 1.0 <= took < 2.0, took
        print(f"\nSIGTERM ignored: killed {took:.2f}s after stopping began (grace period 1 s)")
