"""The Envoy container's exact command and health check, run here with bash and the real Envoy binary.

As in a Fargate task: Envoy's admin is on 9901 and its listener on 15000 of the task's address, here
a loopback address of its own, with the app (flaky_app) on 8080 behind the listener. The bootstrap
goes inline (`--config-yaml`), as delivery.py chooses for a bootstrap this small. SIGTERM goes to
bash alone, as `docker stop` signals only the container's main process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from fargate_mesh.localmesh.loopback import LoopbackBlock, random_block
from fargate_mesh.localmesh.processes import ManagedProcess
from fargate_mesh.render.envoy.addresses import load_assignment, socket_address
from fargate_mesh.render.envoy.delivery import choose_delivery
from fargate_mesh.render.envoy.discovery import dns_discovery
from fargate_mesh.render.envoy.lifecycle import Lifecycle, container_command, health_check
from fargate_mesh.render.envoy.plan import Endpoint
from tests.helpers.localmesh import flaky_app
from tests.localmesh.envoy_harness import (
    admin_get,
    admin_ready,
    bootstrap,
    named_cluster,
    running,
    stat,
    wait_for,
    wait_listening,
    wait_live,
    wait_serving,
)

pytestmark = pytest.mark.e2e

DRAIN_SECONDS = 3  # short, for the test's sake; the shipped default is 15 within a 25 s stopTimeout
STOP_TIMEOUT_SECONDS = 8
ENVOY_FLAGS = ["--disable-hot-restart", "--concurrency", "1"]


@dataclass
class Task:
    block: LoopbackBlock
    folder: Path

    @property
    def admin(self) -> Endpoint:
        return Endpoint(self.block.host(1), 9901)

    @property
    def listener(self) -> Endpoint:
        return Endpoint(self.block.host(1), 15000)

    @property
    def app(self) -> Endpoint:
        return Endpoint(self.block.host(1), 8080)

    @property
    def lifecycle(self) -> Lifecycle:
        return Lifecycle(self.admin, DRAIN_SECONDS, STOP_TIMEOUT_SECONDS)


def app_cluster(app: Endpoint) -> dict[str, Any]:
    return {
        "name": "app",
        "connect_timeout": "1s",
        "type": "STATIC",
        "load_assignment": load_assignment("app", [socket_address(app)]),
    }


def envoy_container(task: Task, config: dict[str, Any], envoy_path: str) -> list[str]:
    delivery = choose_delivery(config)
    assert delivery.mode == "inline"
    return container_command(
        delivery.envoy_config_args, task.lifecycle, envoy=envoy_path, extra_args=ENVOY_FLAGS
    )


def run_health_check(lifecycle: Lifecycle) -> subprocess.CompletedProcess[str]:
    """ECS's `CMD` form: everything after "CMD" is the argv, run directly (here from this test)."""
    command = health_check(lifecycle)["command"]
    assert command[0] == "CMD"
    return subprocess.run(
        command[1:], capture_output=True, text=True, timeout=lifecycle.timeout_seconds, check=False
    )


@pytest.fixture
def task(tmp_path: Path) -> Task:
    return Task(random_block(), tmp_path)


@pytest.fixture
def app(task: Task) -> Iterator[ManagedProcess]:
    with running("app", flaky_app("products", "v1", task.app), task.folder) as process:
        wait_listening(task.app, process)
        yield process


@pytest.fixture
def envoy(task: Task, app: ManagedProcess, envoy_path: str) -> Iterator[ManagedProcess]:
    """The Envoy container's command, serving the app; LIVE when handed over."""
    config = bootstrap(task.admin, task.listener, routes=[("/", "app")], clusters=[app_cluster(task.app)])
    with running("envoy-container", envoy_container(task, config, envoy_path), task.folder) as process:
        wait_live(task.admin, process)
        yield process


def test_the_health_check_passes_when_envoy_is_live(task: Task, envoy: ManagedProcess):
    """GIVEN the Envoy container running, its admin /ready answering LIVE
    WHEN ECS runs the health check command
    THEN it exits 0, and the app answers through Envoy"""
    result = run_health_check(task.lifecycle)
    assert result.returncode == 0, result.stderr
    assert httpx.get(f"http://{task.listener}/", trust_env=False).status_code == 200


def test_the_health_check_fails_when_envoy_is_not_live(task: Task, envoy: ManagedProcess):
    """GIVEN the Envoy container running
    WHEN its server state is DRAINING (admin healthcheck/fail: /ready answers 503)
    THEN the health check exits non-zero; and 0 again once the state is LIVE"""
    admin = f"http://{task.admin}"
    httpx.post(f"{admin}/healthcheck/fail", trust_env=False)
    assert admin_get(task.admin, "/ready").status_code == 503
    assert run_health_check(task.lifecycle).returncode != 0
    httpx.post(f"{admin}/healthcheck/ok", trust_env=False)
    assert run_health_check(task.lifecycle).returncode == 0


def test_the_health_check_fails_while_envoy_initialises(task: Task, envoy_path: str):
    """GIVEN an Envoy whose DNS cluster waits on a resolver that never answers (it stays INITIALIZING)
    WHEN the health check runs once its admin interface answers
    THEN it exits non-zero: an app that depends on Envoy being HEALTHY does not start yet"""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind((task.block.host(53), 0))
        waiting = named_cluster(
            "products-v1",
            Endpoint("products-v1.shop.local", 8080),
            dns_discovery(Endpoint(*silent.getsockname())),
        )
        config = bootstrap(task.admin, task.listener, routes=[("/", "products-v1")], clusters=[waiting])
        with running("envoy-container", envoy_container(task, config, envoy_path), task.folder) as process:
            wait_serving(process, lambda: admin_ready(task.admin) is not None, "answering", timeout=20)
            assert admin_ready(task.admin) in {"PRE_INITIALIZING", "INITIALIZING"}
            result = run_health_check(task.lifecycle)
            assert admin_get(task.admin, "/ready").status_code == 503  # still not LIVE after the check
    assert result.returncode != 0


def test_the_health_check_fails_when_nothing_listens(task: Task):
    assert run_health_check(task.lifecycle).returncode != 0


def test_sigterm_drains_then_exits_zero_within_the_stop_timeout(task: Task, envoy: ManagedProcess):
    """GIVEN the Envoy container serving, a caller on a keep-alive connection
    WHEN bash alone gets SIGTERM (as from `docker stop`)
    THEN Envoy drains: it still answers, but closes each connection after its response
         (`connection: close`, the drain_close counter); the container keeps running for the drain
         period, then exits 0 before the stop timeout"""
    url = f"http://{task.listener}/"
    with httpx.Client(trust_env=False, timeout=5) as client:
        assert client.get(url).headers.get("connection") != "close"
        os.kill(envoy.pid, signal.SIGTERM)
        signalled = time.monotonic()
        closing = wait_for(
            lambda: client.get(url).headers.get("connection") == "close", timeout=DRAIN_SECONDS
        )
    assert closing, envoy.tail()
    assert stat(task.admin, "http.ingress.downstream_cx_drain_close") > 0
    assert envoy.exit_code() is None  # still draining
    wait_for(lambda: envoy.exit_code() is not None, timeout=STOP_TIMEOUT_SECONDS + 2)
    stopped_after = time.monotonic() - signalled
    assert envoy.exit_code() == 0, envoy.tail(40)
    assert DRAIN_SECONDS - 1 <= stopped_after < STOP_TIMEOUT_SECONDS, stopped_after
    assert "envoy-lifecycle: admin: HTTP/1.1 200 OK" in envoy.tail(40)


def test_an_envoy_that_exits_ends_the_container_with_its_status(task: Task, envoy_path: str):
    """GIVEN a bootstrap Envoy rejects
    WHEN the Envoy container starts
    THEN it exits with Envoy's non-zero status at once (an essential container: the task stops)"""
    broken = {"static_resources": {"clusters": [{"name": "x", "type": "NO_SUCH_TYPE"}]}}
    with running("envoy-container", envoy_container(task, broken, envoy_path), task.folder) as process:
        assert wait_for(lambda: process.exit_code() is not None, timeout=20), process.tail()
        assert process.exit_code() not in (None, 0)
