"""A service with extraPorts in Envoy's shapes, validated by Envoy itself.

The mesh is the one tests/localmesh/test_e2e_ports.py runs: web serves 8080 and 9090, the gateway
targets both, client calls web. Every bootstrap passes `envoy --mode validate` under both address
plans, and the per-port listeners, clusters and virtual hosts are pinned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fargate_mesh import naming
from tests.helpers.envoy import clusters, listeners, rendered, validate_all, vhosts
from tests.helpers.meshes import compiled
from tests.localmesh.test_e2e_ports import ADMIN_PORT, SPEC

MESH = compiled(SPEC)


def configs(plan: str) -> dict[str, dict[str, Any]]:
    return rendered(MESH, plan)


@pytest.mark.parametrize("plan", ["loopback", "fargate"])
def test_every_bootstrap_with_extra_ports_passes_envoy_validate(plan: str, tmp_path: Path) -> None:
    """GIVEN the two-port mesh rendered under one address plan
    WHEN each bootstrap is given to `envoy --mode validate`
    THEN Envoy rejects none"""
    assert validate_all(configs(plan), tmp_path) == {}


def test_a_sidecar_has_an_ingress_listener_and_app_cluster_per_port() -> None:
    """GIVEN web v1 in a Fargate task
    WHEN its bootstrap is read
    THEN it listens on 15000 (for app port 8080) and 15101 (for 9090), each to its own app cluster"""
    web = configs("fargate")["web-v1"]
    found = listeners(web)
    ports = {name: item["address"]["socket_address"]["port_value"] for name, item in found.items()}
    assert ports == {
        "lds_ingress_0.0.0.0_15000": 15000,
        "lds_ingress_0.0.0.0_15101": 15101,
        naming.SIDECAR_EGRESS_LISTENER: 15001,
    }
    apps = {name for name in clusters(web) if name.startswith("cds_ingress_")}
    assert apps == {"cds_ingress_ports_web-v1_http_8080", f"cds_ingress_ports_web-v1_http_{ADMIN_PORT}"}


def test_a_caller_dials_each_port_at_its_own_ingress() -> None:
    """GIVEN client, which calls web
    WHEN its egress is read
    THEN web has a virtual host per port (a Host without a port means 8080), and web v2's cluster
    for 9090 dials web-v2's Cloud Map name at 15101"""
    client = configs("fargate")["client-v1"]
    hosts = vhosts(listeners(client)[naming.SIDECAR_EGRESS_LISTENER])
    assert hosts["web.test.local"]["domains"] == ["web.test.local", "web.test.local:8080"]
    assert hosts[f"web.test.local:{ADMIN_PORT}"]["domains"] == [f"web.test.local:{ADMIN_PORT}"]
    assert [r["name"] for r in hosts[f"web.test.local:{ADMIN_PORT}"]["routes"]] == ["admin"]
    cluster = clusters(client)[f"cds_egress_ports_web-v2_http_{ADMIN_PORT}"]
    (endpoint,) = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"]
    address = endpoint["endpoint"]["address"]["socket_address"]
    assert (address["address"], address["port_value"]) == ("web-v2.test.local", 15101)
