"""The rest of App Mesh's route API in Envoy's shapes, validated by Envoy itself.

The mesh is the one tests/localmesh/test_e2e_route_api.py runs (where each feature is exercised by
real requests); here every bootstrap of it, under the loopback and the Fargate address plans, passes
`envoy --mode validate`, and the shapes each feature renders to are pinned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fargate_mesh import naming
from tests.helpers.envoy import clusters, listeners, rendered, validate_all, vhosts
from tests.helpers.meshes import compiled
from tests.localmesh.test_e2e_route_api import SPEC

MESH = compiled(SPEC)


def configs(plan: str) -> dict[str, dict[str, Any]]:
    return rendered(MESH, plan)


def gateway_routes() -> dict[str, dict[str, Any]]:
    public = listeners(configs("loopback")["gateway"])[naming.gateway_listener(8080)]
    (vhost,) = vhosts(public).values()
    return {r["name"]: r for r in vhost["routes"]}


@pytest.mark.parametrize("plan", ["loopback", "fargate"])
def test_every_bootstrap_passes_envoy_validate(plan: str, tmp_path: Path) -> None:
    """GIVEN the route-API mesh rendered under one address plan
    WHEN each bootstrap is given to `envoy --mode validate`
    THEN Envoy rejects none"""
    assert validate_all(configs(plan), tmp_path) == {}


def test_presence_scheme_and_query_matches() -> None:
    """GIVEN web's routes as the gateway flattens them
    WHEN their matches are read
    THEN present is present_match, absent is present_match inverted, ?preview is a query
    present_match, and scheme https is a :scheme header match"""
    routes = gateway_routes()
    assert routes["web-root/debug-present"]["match"]["headers"] == [
        {"name": "x-debug", "present_match": True}
    ]
    assert routes["web-root/anonymous"]["match"]["headers"] == [
        {"name": "x-user", "present_match": True, "invert_match": True}
    ]
    assert routes["web-root/preview"]["match"]["query_parameters"] == [
        {"name": "preview", "present_match": True}
    ]
    assert routes["web-root/https-only"]["match"]["headers"] == [
        {"name": ":scheme", "string_match": {"exact": "https"}}
    ]


def test_equal_priorities_render_longest_path_first() -> None:
    """GIVEN eq-short (/eq) written before eq-long (/eq/long), both priority 5
    WHEN the gateway's route table is read
    THEN eq-long comes first"""
    names = list(gateway_routes())
    assert names.index("web-root/eq-long") < names.index("web-root/eq-short")


def test_path_rewrite_replaces_the_whole_path_at_the_first_stage() -> None:
    """GIVEN gateway route status (exact /status → /rewritten/status)
    WHEN the gateway's route is read
    THEN it forwards to web's second stage with a regex rewrite of the whole path"""
    action = gateway_routes()["status"]["route"]
    assert action["cluster"] == naming.virtual_service_cluster("routeapi", "web.test.local")
    assert action["regex_rewrite"] == {"pattern": {"regex": "^.*$"}, "substitution": "/rewritten/status"}


def test_connection_pool_and_listener_timeout_sit_on_the_sidecar_in_front_of_the_app() -> None:
    """GIVEN pool (1 connection, 1 pending) and slow (route timeout 1s, listener timeout 3s)
    WHEN their sidecars are read
    THEN pool's cluster for its app has those circuit breakers (requests and retries left at App
    Mesh's), and slow's ingress route times out at 3s"""
    pool = configs("fargate")["pool-v1"]
    app = clusters(pool)[naming.ingress_cluster("routeapi", "pool-v1", "http", 8080)]
    (limits,) = app["circuit_breakers"]["thresholds"]
    assert (limits["max_connections"], limits["max_pending_requests"]) == (1, 1)
    assert limits["max_requests"] == limits["max_retries"] == 2_147_483_647
    slow = listeners(configs("fargate")["slow-v1"])[naming.SIDECAR_INGRESS_LISTENER]
    (vhost,) = vhosts(slow).values()
    assert vhost["routes"][0]["route"]["timeout"] == "3s"


def test_grpc_routes_match_paths_of_grpc_requests_and_retry_on_grpc_status() -> None:
    """GIVEN greeter's routes behind the gateway route by service name demo.Greeter
    WHEN the flattened routes and greeter's clusters are read
    THEN Hello is the exact path /demo.Greeter/Hello with the x-tier metadata as a header, only for
    gRPC requests; flaky retries on `unavailable`; the catch-all is the prefix /demo.Greeter/; the
    clusters speak HTTP/2 and check health with the gRPC health checking protocol"""
    routes = gateway_routes()
    hello = routes["greeter-demo-greeter/hello-gold"]["match"]
    assert hello == {
        "path": "/demo.Greeter/Hello",
        "headers": [{"name": "x-tier", "string_match": {"exact": "gold"}}],
        "grpc": {},
    }
    assert routes["greeter-demo-greeter/greeter"]["match"] == {"prefix": "/demo.Greeter/", "grpc": {}}
    assert routes["greeter-demo-greeter/flaky"]["route"]["retry_policy"]["retry_on"] == "unavailable"
    egress = clusters(configs("loopback")["gateway"])[
        naming.egress_cluster("routeapi", "greeter-v1", "grpc", 8080)
    ]
    assert "http2_protocol_options" in str(egress["typed_extension_protocol_options"])
    assert egress["health_checks"][0]["grpc_health_check"] == {"authority": "greeter.test.local"}
