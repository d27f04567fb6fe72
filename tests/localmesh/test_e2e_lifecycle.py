"""Start and stop: nothing may outlive a local mesh, whether it stops cleanly, a child crashes during
startup, startup times out, `localmesh up` is told to stop, or localmesh is killed with SIGKILL."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from fargate_mesh import spec as meshspec
from fargate_mesh.localmesh.processes import pid_alive
from fargate_mesh.localmesh.runner import LocalMesh, StartupError
from fargate_mesh.render.envoy.plan import Endpoint
from tests.helpers.localmesh import Output, free_port, localmesh_up, wait_all_gone
from tests.helpers.meshes import APPS, STACKS

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
    assert str(raised.value).splitlines() == [
        "prices-v1 app exited with code 3 during startup: prices: config missing, giving up",  # its last words
        f"  log: {tmp_path / 'logs' / 'prices-v1.app.log'}",
    ]
    assert len(mesh.processes) == 3  # the apps were started; no Envoy was
    wait_all_gone([p.pid for p in mesh.processes], [str(e) for e in mesh.endpoints])


def test_startup_timeout_tears_everything_down(dev: meshspec.Mesh, tmp_path: Path) -> None:
    def never_ready(service: str, version: str, at: Endpoint) -> Sequence[str]:
        return [sys.executable, "-c", "import time; print('thinking', flush=True); time.sleep(60)"]

    mesh = LocalMesh(dev, run_dir=tmp_path, app_command=never_ready, ready_timeout=1.5)
    started = time.monotonic()
    with pytest.raises(StartupError, match=r"not ready after 1.5s: .*app health /health: connection refused"):
        mesh.start()
    assert time.monotonic() - started < 10
    wait_all_gone([p.pid for p in mesh.processes], [str(e) for e in mesh.endpoints])


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
    up = localmesh_up("--stack", "dev", "--port", str(port), "--run-dir", str(run_dir), preexec=preexec)
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


def test_sigkill_of_localmesh_leaves_no_envoy_or_app_running(tmp_path: Path) -> None:
    """GIVEN `localmesh up` running the dev stack, with one task already replaced (so that some of its
    children were started by the supervisor's thread, not the main one)
    WHEN localmesh itself is killed with SIGKILL, which it cannot catch or clean up after
    THEN every Envoy and app it started ends anyway (Linux's parent-death signal), and every port is free"""
    port = free_port()
    run_dir = tmp_path / "run"
    up = localmesh_up("--stack", "dev", "--port", str(port), "--run-dir", str(run_dir))
    pids: list[int] = []
    try:
        output = Output(up)
        output.until(f"localmesh ready: http://127.0.0.1:{port}", timeout=40)
        state = json.loads((run_dir / "processes.json").read_text())
        prices_app = next(p["pid"] for p in state["processes"] if p["name"] == "prices-v1 app")
        os.kill(prices_app, signal.SIGKILL)
        output.until("prices-v1 task started again (restart 1)", timeout=20)
        state = json.loads((run_dir / "processes.json").read_text())
        pids = [p["pid"] for p in state["processes"]]
        assert len(pids) == 7 and prices_app not in pids

        up.kill()
        assert up.wait(timeout=10) == -signal.SIGKILL
        wait_all_gone(pids, state["endpoints"], timeout=8.0)
    finally:
        if up.poll() is None:
            up.kill()
            up.wait(timeout=10)
        for pid in pids:  # only when the safeguard failed: leave nothing behind
            if pid_alive(pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
