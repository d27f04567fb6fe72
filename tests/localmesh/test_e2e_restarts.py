"""A dead task is replaced, as ECS replaces a stopped Fargate task: the app and its sidecar are started
again on the same addresses with the same config after a back-off, and the rest of the mesh keeps
serving. Real processes: the flaky app behind real Envoy, killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from fargate_mesh.localmesh.runner import LocalMesh
from fargate_mesh.localmesh.supervisor import RestartPolicy
from fargate_mesh.render.envoy.plan import Endpoint
from tests.helpers.localmesh import Said, flaky_app, free_port, one_service_mesh, wait_all_gone

pytestmark = pytest.mark.e2e


def pids(running: LocalMesh) -> dict[str, int]:
    return {p.name: p.pid for p in running.processes}


def wait_until_served(client: httpx.Client, url: str, timeout: float = 15.0) -> float:
    """Poll until url answers 200; returns when it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if client.get(url).status_code == 200:
                return time.monotonic()
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    pytest.fail(f"{url} did not answer 200 within {timeout}s")


@pytest.mark.parametrize(
    ("killed", "task"),
    [
        pytest.param("flaky-v1 app", "flaky-v1", id="app"),
        pytest.param("flaky-v1 envoy", "flaky-v1", id="sidecar"),
        pytest.param("gateway envoy", "gateway", id="gateway"),
    ],
)
def test_a_killed_process_has_its_task_replaced_on_the_same_addresses(
    tmp_path: Path, client: httpx.Client, killed: str, task: str
) -> None:
    """GIVEN a running mesh with the default restart policy (1 s back-off first)
    WHEN one of its processes is killed with SIGKILL
    THEN the mesh says the task stopped and why, stops the rest of that task, waits 1 s, starts every
    process of the task again (new pids, same addresses: the gateway serves through them again),
    says so, and leaves the other tasks' processes alone"""
    said = Said()
    with LocalMesh(
        one_service_mesh(), gateway_port=free_port(), run_dir=tmp_path, app_command=flaky_app, say=said
    ) as running:
        before = pids(running)
        url = f"{running.gateway_url}/after-restart"
        assert client.get(url).status_code == 200

        killed_at = time.monotonic()
        os.kill(before[killed], signal.SIGKILL)
        role = killed.removeprefix(f"{task} ")
        _, _, stopped = said.wait_for(f"{task} task stopped")
        assert stopped == (
            f"{task} task stopped: {role} was killed by SIGKILL; will start it again in 1s (as ECS replaces a task)"
        )
        _, back_at, started = said.wait_for(f"{task} task started again (restart 1)")
        served_at = wait_until_served(client, url)

        after = pids(running)
        replaced = {name for name in before if name.startswith(f"{task} ")}
        assert all(after[name] != before[name] for name in replaced), (before, after)
        assert all(after[name] == before[name] for name in before if name not in replaced), (before, after)
        assert running.tasks[task].restarts == 1
        assert all(f"pid {after[name]}" in started for name in replaced)
        state = json.loads((running.run_path / "processes.json").read_text())
        assert {p["pid"] for p in state["processes"]} == set(after.values())  # rewritten for status
        # Not before the back-off: the new processes were started at least 1 s after the kill.
        assert back_at - killed_at >= 1.0
        print(
            f"\n{killed} killed: task started again {back_at - killed_at:.2f}s later, "
            f"gateway served 200 again {served_at - killed_at:.2f}s after the kill"
        )
    wait_all_gone(after.values(), [str(e) for e in running.endpoints])


def test_a_task_that_keeps_dying_waits_twice_as_long_each_time_up_to_the_cap(
    tmp_path: Path, client: httpx.Client
) -> None:
    """GIVEN a running mesh whose app, once killed, raises at every start while a file exists
    (restart policy: 0.3 s first, doubling to at most 1.2 s, stable after 2 s)
    WHEN its app is killed, and the file removed after the fourth failed start
    THEN the waits are 0.3, 0.6, 1.2, 1.2 s, each failed start is said with the app's exception and its
    log; the fifth start succeeds; and a death after a stable run waits 0.3 s again"""
    refuse = tmp_path / "refuse"

    def refusing_app(service: str, version: str, at: Endpoint) -> Sequence[str]:
        return [*flaky_app(service, version, at), "--refuse-to-start-if", str(refuse)]

    said = Said()
    policy = RestartPolicy(first_delay=0.3, max_delay=1.2, stable_after=2.0)
    mesh = one_service_mesh()
    with LocalMesh(
        mesh, run_dir=tmp_path / "run", app_command=refusing_app, say=said, restart=policy
    ) as running:
        refuse.touch()
        os.kill(running.process("flaky-v1 app").pid, signal.SIGKILL)
        at, _, line = said.wait_for("flaky-v1 task stopped")
        assert line.endswith("will start it again in 0.3s (as ECS replaces a task)")
        failures = []
        for expected_wait in (0.6, 1.2, 1.2):
            at, when, line = said.wait_for("flaky-v1 task failed to start again", after=at + 1)
            failures.append(when)
            log = running.process("flaky-v1 app").log_path
            assert line == (
                f"flaky-v1 task failed to start again: app exited with code 1: RuntimeError: refusing to "
                f"start: {refuse} exists (log: {log}); will try again in {expected_wait:g}s (as ECS replaces a task)"
            )
        refuse.unlink()
        _, back_at, _ = said.wait_for("flaky-v1 task started again (restart 4)", after=at + 1)
        assert client.get(f"{running.gateway_url}/x").status_code == 200
        gaps = [b - a for a, b in zip(failures, [*failures[1:], back_at], strict=True)]
        # Each next start comes after its wait (plus the time the app took to fail or become ready).
        assert all(gap >= wait for gap, wait in zip(gaps, (0.6, 1.2, 1.2), strict=True)), gaps
        print(
            f"\nwaits 0.6/1.2/1.2 s planned; measured between attempts: {', '.join(f'{g:.2f}s' for g in gaps)}"
        )

        time.sleep(policy.stable_after)
        os.kill(running.process("flaky-v1 app").pid, signal.SIGKILL)
        _, _, line = said.wait_for("flaky-v1 task stopped", after=at + 1)
        assert "will start it again in 0.3s" in line  # a stable run resets the back-off
        said.wait_for("flaky-v1 task started again (restart 5)", after=at + 1)


def test_a_task_started_again_that_never_becomes_ready_is_stopped_and_tried_again(
    tmp_path: Path, client: httpx.Client
) -> None:
    """GIVEN a running mesh whose app, once killed, comes back answering its health check with 503
    WHEN its app is killed
    THEN after the readiness timeout the mesh says the task failed to start again, naming the check,
    what it answered and the log, stops it, and tries again after a doubled back-off; the task is
    back once the app is healthy"""
    unhealthy = tmp_path / "unhealthy"

    def sickly_app(service: str, version: str, at: Endpoint) -> Sequence[str]:
        return [*flaky_app(service, version, at), "--unhealthy-if", str(unhealthy)]

    said = Said()
    policy = RestartPolicy(first_delay=0.2, max_delay=0.4, stable_after=5.0)
    mesh = LocalMesh(
        one_service_mesh(),
        run_dir=tmp_path / "run",
        app_command=sickly_app,
        say=said,
        restart=policy,
        ready_timeout=3,
    )
    with mesh as running:
        unhealthy.touch()
        os.kill(running.process("flaky-v1 app").pid, signal.SIGKILL)
        at, when, _ = said.wait_for("flaky-v1 task stopped")
        at, failed_at, line = said.wait_for("flaky-v1 task failed to start again", after=at + 1)
        log = running.process("flaky-v1 app").log_path
        assert line == (
            f"flaky-v1 task failed to start again: not ready after 3s: flaky-v1 app health /health: answered 503 "
            f"(log: {log}); will try again in 0.4s (as ECS replaces a task)"
        )
        assert failed_at - when >= 3.0
        unhealthy.unlink()
        said.wait_for("flaky-v1 task started again (restart 2)", after=at + 1)
        assert client.get(f"{running.gateway_url}/x").status_code == 200
