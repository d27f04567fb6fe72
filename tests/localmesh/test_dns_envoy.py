"""Real Envoy finds tasks by DNS through localmesh's DNS server, as it finds them through Cloud Map on Fargate.

Each "task" is the flaky_app fixture on a loopback address of its own, at Fargate's app port 8080;
its x-app-version header is that address, so every answer says which task served it. Envoy's
cluster names `products-v1.shop.local:8080` and discovers it with render/envoy/discovery.py's
settings, the resolver pointed at our server.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from fargate_mesh.localmesh.dns import LocalDnsServer
from fargate_mesh.localmesh.loopback import random_block
from fargate_mesh.localmesh.processes import ManagedProcess
from fargate_mesh.render.envoy.discovery import dns_discovery
from fargate_mesh.render.envoy.plan import Endpoint
from tests.helpers.localmesh import flaky_app
from tests.localmesh.envoy_harness import (
    admin_get,
    bootstrap,
    named_cluster,
    running,
    stat,
    validate,
    wait_for,
    wait_listening,
    wait_live,
)

pytestmark = pytest.mark.e2e

NAME = "products-v1.shop.local"
MISSING = "orders-v1.shop.local"  # no record: NXDOMAIN
TTL = 1
APP_PORT = 8080


@dataclass
class Setup:
    dns: LocalDnsServer
    tasks: list[str]  # the tasks' addresses
    listener: Endpoint
    admin: Endpoint
    envoy: ManagedProcess


def config(resolver: Endpoint | None, admin: Endpoint, listener: Endpoint) -> dict:
    discovery = dns_discovery(resolver)
    return bootstrap(
        admin,
        listener,
        routes=[("/missing", "orders-v1"), ("/", "products-v1")],
        clusters=[
            named_cluster("products-v1", Endpoint(NAME, APP_PORT), discovery),
            named_cluster("orders-v1", Endpoint(MISSING, APP_PORT), discovery),
        ],
    )


@pytest.fixture(scope="module")
def setup(envoy_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    folder = tmp_path_factory.mktemp("dns-envoy")
    block = random_block()
    tasks = [block.host(10), block.host(11)]
    admin, listener = Endpoint(block.host(1), 9901), Endpoint(block.host(1), 15000)
    with LocalDnsServer("shop.local", {NAME: tasks}, host=block.host(53), ttl=TTL) as dns:
        resolver = Endpoint(*dns.address)
        envoy_config = folder / "envoy.json"
        envoy_config.write_text(json.dumps(config(resolver, admin, listener)), encoding="utf-8")
        apps = [
            running(
                f"task-{n}",
                flaky_app("products", "v1", Endpoint(host, APP_PORT)),
                folder,
                env={**os.environ, "APP_VERSION": host},
            )
            for n, host in enumerate(tasks)
        ]
        argv = [envoy_path, "-c", str(envoy_config), "--disable-hot-restart", "--concurrency", "1"]
        with apps[0] as first, apps[1] as second, running("envoy", argv, folder) as envoy:
            for host, app in zip(tasks, (first, second), strict=True):
                wait_listening(Endpoint(host, APP_PORT), app)
            wait_live(admin, envoy)
            yield Setup(dns, tasks, listener, admin, envoy)


def served_by(setup: Setup, requests: int = 20) -> set[str]:
    with httpx.Client(trust_env=False, timeout=5) as client:
        return {client.get(f"http://{setup.listener}/").headers["x-app-version"] for _ in range(requests)}


def cluster_hosts(setup: Setup) -> set[str]:
    """The hosts Envoy currently has in products-v1, from admin /clusters ("products-v1::ip:port::...")."""
    lines = admin_get(setup.admin, "/clusters").text.splitlines()
    return {
        line.split("::")[1].rsplit(":", 1)[0]
        for line in lines
        if line.startswith("products-v1::") and "::cx_total::" in line
    }


def wait_hosts(setup: Setup, expected: set[str], timeout: float = 12) -> None:
    if not wait_for(lambda: cluster_hosts(setup) == expected, timeout):
        pytest.fail(f"products-v1 has hosts {cluster_hosts(setup)}, not {expected}, after {timeout}s")


@pytest.mark.parametrize("local", [True, False], ids=["localmesh-resolver", "fargate-system-resolver"])
def test_the_discovery_settings_pass_envoy_validation_without_deprecations(
    envoy_path: str, tmp_path: Path, local: bool
):
    """GIVEN the DNS discovery of a Cloud Map name, with our resolver (localmesh) or the system's (Fargate)
    WHEN the bootstrap is given to `envoy --mode validate` at log level warning
    THEN Envoy accepts it and warns about no deprecated field"""
    resolver = Endpoint("127.0.0.53", 53) if local else None
    result = validate(
        envoy_path, config(resolver, Endpoint("127.0.0.1", 9901), Endpoint("0.0.0.0", 15000)), tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Deprecated" not in result.stderr, result.stderr


def test_requests_reach_every_task_the_name_resolves_to(setup: Setup):
    """GIVEN products-v1.shop.local resolving to two tasks
    WHEN requests go through Envoy
    THEN Envoy has both as hosts, both serve requests, and it asked our server for A records only"""
    wait_hosts(setup, set(setup.tasks))
    assert served_by(setup) == set(setup.tasks)
    asked = setup.dns.queries(NAME)
    assert asked and {q.qtype for q in asked} == {1}  # V4_ONLY: no AAAA round trips


def test_a_stopped_task_leaves_the_cluster_after_its_ttl(setup: Setup):
    """GIVEN both tasks serving
    WHEN one task's record is removed (ECS deregistered it from Cloud Map)
    THEN Envoy drops that host on its next refresh and only the other task serves; back when re-added"""
    wait_hosts(setup, set(setup.tasks))
    try:
        setup.dns.set_records({NAME: setup.tasks[1:]})
        wait_hosts(setup, {setup.tasks[1]})
        assert served_by(setup) == {setup.tasks[1]}
    finally:
        setup.dns.set_records({NAME: setup.tasks})
    wait_hosts(setup, set(setup.tasks))


def test_envoy_refreshes_at_the_record_ttl_not_the_refresh_rate(setup: Setup):
    """GIVEN records with a TTL of 1 s and a dns_refresh_rate of 5 s, with respect_dns_ttl
    WHEN Envoy runs for 4.5 s
    THEN it asks our server at least three times (at the 5 s rate it would ask at most once)"""
    before = len(setup.dns.queries(NAME))
    time.sleep(4.5)
    assert len(setup.dns.queries(NAME)) - before >= 3


def test_a_name_without_records_has_no_hosts(setup: Setup):
    """GIVEN orders-v1.shop.local, which our server answers with NXDOMAIN
    WHEN a request is routed to its cluster
    THEN Envoy answers 503 (no healthy upstream), having asked our server for the name"""
    with httpx.Client(trust_env=False, timeout=5) as client:
        response = client.get(f"http://{setup.listener}/missing")
    assert response.status_code == 503
    assert setup.dns.queries(MISSING)
    assert stat(setup.admin, "cluster.orders-v1.membership_total") == 0
