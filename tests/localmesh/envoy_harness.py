"""Hand-built Envoy bootstraps and one Envoy (or any server) process for a test: start, wait, read stats.

For tests of pieces the renderer does not emit yet (DNS discovery through localmesh's DNS server,
the container lifecycle): the bootstraps here are the smallest that exercise them.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from fargate_mesh.localmesh.processes import ManagedProcess, stop_all
from fargate_mesh.render.envoy.addresses import load_assignment, socket_address
from fargate_mesh.render.envoy.plan import Endpoint

_ROUTER = {
    "name": "envoy.filters.http.router",
    "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"},
}


def bootstrap(
    admin: Endpoint, listener: Endpoint, routes: Sequence[tuple[str, str]], clusters: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """An admin interface and one HTTP listener routing each (prefix, cluster) in order."""
    manager = {
        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "ingress",
        "route_config": {
            "virtual_hosts": [
                {
                    "name": "all",
                    "domains": ["*"],
                    "routes": [{"match": {"prefix": p}, "route": {"cluster": c}} for p, c in routes],
                }
            ]
        },
        "http_filters": [_ROUTER],
    }
    return {
        "admin": {"address": socket_address(admin)},
        "static_resources": {
            "listeners": [
                {
                    "name": "ingress",
                    "address": socket_address(listener),
                    "filter_chains": [
                        {
                            "filters": [
                                {
                                    "name": "envoy.filters.network.http_connection_manager",
                                    "typed_config": manager,
                                }
                            ]
                        }
                    ],
                }
            ],
            "clusters": list(clusters),
        },
    }


def named_cluster(name: str, target: Endpoint, cluster_type: dict[str, Any]) -> dict[str, Any]:
    """A cluster whose one endpoint is a DNS name, discovered as `cluster_type` says."""
    return {
        "name": name,
        "connect_timeout": "1s",
        "cluster_type": cluster_type,
        "load_assignment": load_assignment(name, [socket_address(target)]),
    }


@contextmanager
def running(
    name: str, argv: Sequence[str], folder: Path, env: dict[str, str] | None = None
) -> Iterator[ManagedProcess]:
    """A process in its own group, logging to `folder/<name>.log`, always stopped afterwards."""
    process = ManagedProcess(name, argv, folder / f"{name}.log", env)
    process.start()
    try:
        yield process
    finally:
        stop_all([process])


def wait_for(condition: Callable[[], bool], timeout: float = 5) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def wait_serving(process: ManagedProcess, serving: Callable[[], bool], what: str, timeout: float) -> None:
    """Until `serving()`; fails with the process's log if it exits first or takes too long."""

    def ready() -> bool:
        if process.exit_code() is not None:
            pytest.fail(f"{process.name} exited with {process.exit_code()}:\n{process.tail(40)}")
        return serving()

    if not wait_for(ready, timeout):
        pytest.fail(f"{process.name} is not {what} after {timeout}s:\n{process.tail(40)}")


def wait_listening(at: Endpoint, process: ManagedProcess, timeout: float = 10) -> None:
    def accepts() -> bool:
        try:
            with socket.create_connection((at.host, at.port), timeout=1):
                return True
        except OSError:
            return False

    wait_serving(process, accepts, f"listening on {at}", timeout)


def admin_get(admin: Endpoint, path: str) -> httpx.Response:
    # trust_env off: a proxy from the environment must not sit between us and Envoy.
    return httpx.get(f"http://{admin}{path}", trust_env=False, timeout=5)


def admin_ready(admin: Endpoint) -> str | None:
    """The body of admin /ready (LIVE, INITIALIZING, ...), or None while nothing answers."""
    try:
        return admin_get(admin, "/ready").text.strip()
    except httpx.TransportError:
        return None


def wait_live(admin: Endpoint, process: ManagedProcess, timeout: float = 20) -> None:
    wait_serving(process, lambda: admin_ready(admin) == "LIVE", "LIVE", timeout)


def stat(admin: Endpoint, name: str) -> int:
    """One counter or gauge (0 when Envoy has not created it yet)."""
    text = admin_get(admin, f"/stats?filter=^{re.escape(name)}$").text
    match = re.search(rf"^{re.escape(name)}: (\d+)$", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def validate(envoy: str, config: dict[str, Any], folder: Path) -> subprocess.CompletedProcess[str]:
    """`envoy --mode validate` of a config dict, at log level warning so deprecated fields show too."""
    path = folder / "validate.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    argv = [envoy, "--mode", "validate", "-c", str(path), "--disable-hot-restart", "-l", "warning"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
