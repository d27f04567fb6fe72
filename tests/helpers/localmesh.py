"""Helpers for tests that run a local mesh: a controllable app, free ports, "is everything gone"."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import pytest

from fargate_mesh import spec as meshspec
from fargate_mesh.localmesh.ports import PortAllocator, port_is_free
from fargate_mesh.localmesh.processes import pid_alive
from fargate_mesh.localmesh.runner import LocalMesh
from fargate_mesh.render.envoy.plan import Endpoint
from tests.helpers.meshes import ROOT

FIXTURES = ROOT / "tests" / "localmesh" / "fixtures"


def flaky_app(service: str, version: str, at: Endpoint) -> Sequence[str]:
    """LocalMesh app_command: run the controllable stdlib upstream instead of a sample app."""
    return [sys.executable, str(FIXTURES / "flaky_app.py"), "--host", at.host, "--port", str(at.port)]


def fixture_mesh(
    spec: dict[str, Any],
    app_command: Callable[[str, str, Endpoint], Sequence[str]],
    tmp_path_factory: pytest.TempPathFactory,
    run_name: str,
) -> LocalMesh:
    """A LocalMesh of a test's spec and apps, on a free gateway port, with its run folder under tmp."""
    return LocalMesh(
        meshspec.parse_mesh(spec),
        gateway_port=free_port(),
        run_dir=tmp_path_factory.mktemp(run_name),
        app_command=app_command,
        ready_timeout=40,
    )


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


def one_service_mesh(**service: Any) -> meshspec.Mesh:
    """A mesh of one service, `flaky` (version v1), that the gateway sends every path to; `service`
    adds keys to the service's spec (camelCase, as in a stack file)."""
    spec = {
        "name": "one",
        "namespace": "t.local",
        "domain": "api.t.example.com",
        "hostedZone": "example.com",
        "gateway": {"routes": [{"match": {"prefix": "/"}, "service": "flaky"}]},
        "services": {"flaky": {"versions": {"v1": {"weight": 100}}, **service}},
    }
    return meshspec.parse_mesh(spec)


class Said:
    """LocalMesh's say= callback: keeps every line with the time it was said (the supervisor speaks
    from its own thread, so tests wait for lines rather than read them at once)."""

    def __init__(self) -> None:
        self.lines: list[tuple[float, str]] = []

    def __call__(self, line: str) -> None:
        self.lines.append((time.monotonic(), line))

    def wait_for(self, text: str, timeout: float = 15.0, after: int = 0) -> tuple[int, float, str]:
        """The first line from index `after` on that contains `text`: (index, when, line)."""
        deadline = time.monotonic() + timeout
        while True:
            for index, (when, line) in enumerate(self.lines[after:], start=after):
                if text in line:
                    return index, when, line
            if time.monotonic() > deadline:
                said = "\n".join(line for _, line in self.lines)
                pytest.fail(f"nothing containing {text!r} was said within {timeout}s; said:\n{said}")
            time.sleep(0.02)


def localmesh_up(*args: str, preexec: Callable[[], None] | None = None) -> subprocess.Popen[str]:
    """`python -m fargate_mesh.localmesh up ARGS` from the repo's root, stdout and stderr in one pipe."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "fargate_mesh.localmesh", "up", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=preexec,
    )


class Output:
    """A child's stdout, read by a thread (select() cannot see lines already in Python's buffer)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line)

    def until(self, marker: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None and self._queue.empty():
                    break
                continue
            self.lines.append(line)
            if marker in line:
                return "".join(self.lines)
        pytest.fail(f"no {marker!r} within {timeout}s (exit code {self.proc.poll()}):\n{''.join(self.lines)}")
