"""`python -m meshapp_kit.healthcheck <path>`: the container health check ECS runs where no proxy of
ours probes the app (dataplane: serviceConnect). It must answer by exit status, and run in every
image that holds the kit, so it may import the standard library only."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fargate_mesh.components.serviceconnect.service import KIT_HEALTH_CHECK

KIT = Path(__file__).resolve().parents[2] / "apps" / "kit"
MODULE = KIT / "meshapp_kit" / "healthcheck.py"


class _App(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def app_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _App)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def run_check(*args: str, port: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORT": str(port), "PYTHONPATH": str(KIT)}
    return subprocess.run(
        [sys.executable, "-m", "meshapp_kit.healthcheck", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_healthy_app_passes_and_an_unhealthy_one_fails(app_port: int):
    """GIVEN an app that answers 200 on /health and 503 elsewhere WHEN the check runs
    THEN /health exits 0, another path exits 1 naming the status"""
    assert run_check("/health", port=app_port).returncode == 0
    failed = run_check("/ready", port=app_port)
    assert failed.returncode == 1
    assert "503" in failed.stderr


def test_no_app_listening_fails():
    """GIVEN nothing listening on PORT WHEN the check runs THEN it exits 1"""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert run_check("/health", port=free).returncode == 1


def test_bad_usage_exits_2(app_port: int):
    """GIVEN no path, or one without a leading slash WHEN the check runs THEN it exits 2"""
    assert run_check(port=app_port).returncode == 2
    assert run_check("health", port=app_port).returncode == 2


def test_the_check_imports_the_standard_library_only():
    """GIVEN the module's source WHEN its imports are read THEN each is a standard library module"""
    tree = ast.parse(MODULE.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported - {"__future__"} <= set(sys.stdlib_module_names)


def test_the_command_ecs_runs_is_this_module():
    """GIVEN the container health check the Service Connect data plane writes WHEN its module is looked up
    THEN it is this file, in the kit the sample apps' image installs"""
    assert KIT_HEALTH_CHECK[:3] == ("CMD", "python", "-m")
    assert KIT / (KIT_HEALTH_CHECK[3].replace(".", "/") + ".py") == MODULE
