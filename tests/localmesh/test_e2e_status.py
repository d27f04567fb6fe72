"""`localmesh status` and `localmesh stop-task` against a running mesh: what the callers' Envoys
see of each task, and stopping one by name (it is then replaced, as ECS would)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fargate_mesh.localmesh.cli import main
from fargate_mesh.localmesh.runner import LocalMesh
from fargate_mesh.localmesh.status import TaskStatus, collect, load_run
from tests.helpers.localmesh import Said, flaky_app, free_port, one_service_mesh, running_mesh

pytestmark = pytest.mark.e2e

# Ejected at the third 5xx in a row, for longer than the test runs.
EJECT_AFTER_3 = {
    "maxServerErrors": 3,
    "maxEjectionPercent": 100,
    "interval": "10s",
    "baseEjectionDuration": "60s",
}


@pytest.fixture(scope="module")
def said() -> Said:
    return Said()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, said: Said) -> Iterator[LocalMesh]:
    mesh = LocalMesh(
        one_service_mesh(outlierDetection=EJECT_AFTER_3),
        gateway_port=free_port(),
        run_dir=tmp_path_factory.mktemp("status-run"),
        app_command=flaky_app,
        say=said,
    )
    yield from running_mesh(mesh)


def status(running: LocalMesh) -> dict[str, TaskStatus]:
    with httpx.Client(trust_env=False, timeout=2) as client:
        report = collect(load_run(running.run_path), client)
    assert report.not_asked == []
    return {row.name: row for row in report.tasks}


def test_status_shows_requests_errors_and_an_ejection_as_the_callers_see_them(
    running: LocalMesh, client: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a running mesh: the gateway in front of flaky-v1, which outlier detection ejects after
    three 5xx in a row
    WHEN 5 requests succeed, then 3 get a 500 from the app
    THEN status shows for flaky-v1: 8 requests, 3 of them 5xx, ejected as the gateway sees it; for the
    gateway: the 8 requests it answered; each with its pids, running, no restarts"""
    for i in range(5):
        assert client.get(f"{running.gateway_url}/ok/{i}").status_code == 200
    for i in range(3):
        assert client.get(f"{running.gateway_url}/broken/{i}/status/500").status_code == 500

    rows = status(running)
    flaky, gateway = rows["flaky-v1"], rows["gateway"]
    assert (flaky.requests, flaky.errors, flaky.seen_by) == (8, 3, {"gateway": "ejected"})
    assert (gateway.requests, gateway.errors) == (8, 3)
    assert flaky.pids == {
        "app": running.process("flaky-v1 app").pid,
        "envoy": running.process("flaky-v1 envoy").pid,
    }
    assert [(r.state, r.restarts) for r in rows.values()] == [("running", 0), ("running", 0)]

    assert main(["status", "--run-dir", str(running.run_path)]) == 0
    printed = capsys.readouterr().out
    print(printed)
    assert f"localmesh pid {os.getpid()}" in printed
    assert "TASK" in printed and "AS ITS CALLERS SEE IT" in printed
    flaky_line = next(line for line in printed.splitlines() if line.lstrip().startswith("flaky-v1"))
    assert flaky_line.split()[:4] == ["flaky-v1", "running", "0", "app"]
    assert flaky_line.rstrip().endswith("8    3  ejected (gateway)")


def test_stop_task_stops_a_task_by_name_and_it_is_replaced(
    running: LocalMesh, said: Said, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN the running mesh
    WHEN `localmesh stop-task flaky-v1` (SIGTERM), then `stop-task flaky-v1 --kill` (SIGKILL)
    THEN each time both its processes get the signal, the mesh says the task stopped and starts it
    again, and status shows the new pids and the restart count"""
    # The stdlib app dies of SIGTERM; Envoy catches it and exits 0: whichever the supervisor sees first.
    cases = [
        ([], r"app was killed by SIGTERM|envoy exited with code 0"),
        (["--kill"], r"was killed by SIGKILL"),
    ]
    for restart, (flag, how) in enumerate(cases, 1):
        before = len(said.lines)
        pids = status(running)["flaky-v1"].pids
        assert main(["stop-task", "flaky-v1", *flag, "--run-dir", str(running.run_path)]) == 0
        out = capsys.readouterr().out
        signal_name = "SIGKILL" if flag else "SIGTERM"
        assert out.startswith(
            f"sent {signal_name} to flaky-v1 (app pid {pids['app']}, envoy pid {pids['envoy']})"
        )
        _, _, stopped = said.wait_for("flaky-v1 task stopped", after=before)
        assert re.search(how, stopped), stopped
        said.wait_for(f"flaky-v1 task started again (restart {restart})", after=before)
        row = status(running)["flaky-v1"]
        assert (row.state, row.restarts) == ("running", restart)
        assert set(row.pids.values()).isdisjoint(pids.values())


def test_status_and_stop_task_need_a_running_mesh_and_a_known_task(
    running: LocalMesh, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stop-task", "nope-v1", "--run-dir", str(running.run_path)]) == 2
    assert "no task 'nope-v1' in this mesh (tasks: gateway, flaky-v1)" in capsys.readouterr().err
    assert main(["status", "--runs-root", str(tmp_path)]) == 1
    assert f"no running mesh under {tmp_path}/" in capsys.readouterr().err
