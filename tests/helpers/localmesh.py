"""Helpers for tests that run a local mesh: a controllable app, free ports, "is everything gone"."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pytest

from fargate_mesh.localmesh.ports import PortAllocator, port_is_free
from fargate_mesh.localmesh.processes import pid_alive
from fargate_mesh.localmesh.runner import LocalMesh
from fargate_mesh.render.envoy.plan import Endpoint

FIXTURES = Path(__file__).resolve().parents[1] / "localmesh" / "fixtures"


def flaky_app(service: str, version: str, at: Endpoint) -> Sequence[str]:
    """LocalMesh app_command: run the controllable stdlib upstream instead of a sample app."""
    return [sys.executable, str(FIXTURES / "flaky_app.py"), "--host", at.host, "--port", str(at.port)]


def running_mesh(mesh: LocalMesh) -> Iterator[LocalMesh]:
    """Body of a module-scoped fixture: start the mesh, hand it to the tests, always stop it."""
    try:
        yield mesh.start()
    finally:
        mesh.stop()


def free_port() -> int:
    """A gateway port for a test, picked the way localmesh picks its own (outside the ephemeral range)."""
    return PortAllocator()()


def wait_all_gone(pids: Iterable[int], endpoints: Iterable[str], timeout: float = 5.0) -> None:
    """Assert every pid has ended and every host:port can be bound again (bounded wait)."""
    pids, endpoints = list(pids), list(endpoints)
    deadline = time.monotonic() + timeout
    while True:
        alive = [pid for pid in pids if pid_alive(pid)]
        busy = [e for e in endpoints if not port_is_free(*_split(e))]
        if not alive and not busy:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"still running: pids {alive}; still listening: {busy}")
        time.sleep(0.05)


def _split(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    return host, int(port)
