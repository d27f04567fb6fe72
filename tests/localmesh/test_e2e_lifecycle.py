"""Start and stop: nothing may outlive a local mesh, whether it stops cleanly, a child crashes during
startup, startup times out, or `localmesh up` is told to stop."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from fargate_mesh import spec as meshspec
from fargate_mesh.localmesh.runner import LocalMesh, ProcessFailure, StartupError
from fargate_mesh.render.envoy.plan import Endpoint
from tests.helpers.localmesh import flaky_app, free_port, wait_all_gone
from tests.helpers.meshes import APPS, ROOT, STACKS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def dev() -> meshspec.Mesh:
    return meshspec.load_stack_file(STACKS / "Pulumi.dev.yaml")


def crash_prices(service: str, version: str, at: Endpoint) -> Sequence[str] | None:
    if service != "prices":
        return None  # the real app
    return [sys.executable, "-c", "print('prices: config missing, giving up'); raise SystemExit(3)"]


def test_a_child_crashing_during_startup_tears_everything_down(dev: meshspec.Mesh, tmp_path: Path) -> None:
    mesh = LocalMesh(dev, gateway_port=free_port(), run_dir=tmp_path, apps_dir=APPS, app_command=crash_prices)
    with pytest.raises(StartupError) as raised:
        mesh.start()
    message = str(raised.value)
    assert "prices-v1 app exited with code 3 during startup" in message
    assert "prices: config missing, giving up" in message  # the tail of its log
    assert len(mesh.processes) == 3  # the apps were started; no Envoy was
    wait_all_gone([p.pid for p in mesh.processes], [str(e) for e in mesh.endpoints])


def test_startup_timeout_tears_everything_down(dev: meshspec.Mesh, tmp_path: Path) -> None:
    def never_ready(service: str, version: str, at: Endpoint) -> Sequence[str]:
        return [sys.executable, "-c", "import time; print('thinking', flush=True); time.sleep(60)"]

    mesh = LocalMesh(dev, run_dir=tmp_path, app_command=never_ready, ready_timeout=1.5)
    started = time.monotonic()
    with pytest.raises(StartupError, match=r"not ready after 1.5s: still waiting for .*app health /health"):
        mesh.start()
    assert time.monotonic() - started < 10
    wait_all_gone([p.pid for p in mesh.processes], [str(e) for e in mesh.endpoints])


def test_a_child_dying_after_startup_is_reported(tmp_path: Path) -> None:
    spec = {
        "name": "one",
        "namespace": "t.local",
        "domain": "api.t.example.com",
        "hostedZone": "example.com",
        "gateway": {"routes": [{"match": {"prefix": "/"}, "service": "flaky"}]},
        "services": {"flaky": {"versions": {"v1": {"weight": 100}}}},
    }

    with LocalMesh(meshspec.parse_mesh(spec), run_dir=tmp_path, app_command=flaky_app) as running:
        running.check()  # all alive
        app = running.process("flaky-v1 app")
        os.kill(app.pid, signal.SIGKILL)
        app.popen.wait(timeout=5)  # type: ignore[union-attr]
        with pytest.raises(ProcessFailure, match="flaky-v1 app exited unexpectedly with code -9"):
            running.check()
    wait_all_gone([p.pid for p in running.processes], [str(e) for e in running.endpoints])


def ignore_sigint() -> None:
    """As a shell starts a background job (`localmesh up &`, nohup, some CI runners): SIGINT ignored,
    which Python then leaves ignored instead of raising KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    ("stop_signal", "preexec"),
    [
        pytest.param(signal.SIGTERM, None, id="SIGTERM"),
        pytest.param(signal.SIGINT, ignore_sigint, id="SIGINT-though-started-with-SIGINT-ignored"),
    ],
)
def test_localmesh_up_stops_every_process_and_frees_every_port(
    tmp_path: Path, stop_signal: signal.Signals, preexec: Callable[[], None] | None
) -> None:
    """GIVEN `python -m localmesh up` running the dev stack (for SIGINT: started with SIGINT ignored, as
    a non-interactive shell does)
    WHEN it gets SIGTERM or SIGINT
    THEN it says it stopped, exits 0, and every process it started is gone and every port free"""
    port = free_port()
    run_dir = tmp_path / "run"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(ROOT)}
    up = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fargate_mesh.localmesh",
            "up",
            "--stack",
            "dev",
            "--port",
            str(port),
            "--run-dir",
            str(run_dir),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=preexec,
    )
    try:
        output = Output(up)
        printed = output.until(f"localmesh ready: http://127.0.0.1:{port}", timeout=40)
        state = json.loads((run_dir / "processes.json").read_text())
        pids = [p["pid"] for p in state["processes"]]
        assert len(pids) == 7
        assert f"127.0.0.1:{port}" in state["endpoints"]
        assert state["plan"]["gateway"] == f"127.0.0.1:{port}"  # the same plan as render's addresses.json
        assert "gateway prefix=/v1/products" in printed  # the route table is printed

        up.send_signal(stop_signal)
        output.until("localmesh stopped", timeout=20)
        assert up.wait(timeout=10) == 0
        wait_all_gone(pids, state["endpoints"])
    finally:
        if up.poll() is None:
            up.kill()
            up.wait(timeout=10)


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
