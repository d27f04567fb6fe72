"""Router routes as Envoy renders them: targets, retries, timeouts and matches, translated.

Which route comes first, which policy a route has and which targets get traffic is the compiled mesh's
(tests/model); here each is checked only as Envoy writes it. Each spec has `products` calling `prices`;
the routes under test are prices' router routes as products-v1's egress renders them (the gateway
renders the same ones, flattened or at its second stage).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from fargate_mesh.model import CompiledMesh
from fargate_mesh.render.envoy import render_gateway, render_sidecar
from fargate_mesh.render.envoy.retries import GATEWAY_ERROR_CODES, SERVER_ERROR_CODES
from tests.helpers.envoy import hcm, listeners, vhosts
from tests.helpers.meshes import SHOP, compiled, fixed_plan

BASE: dict[str, Any] = {
    **SHOP,
    "gateway": {"routes": [{"match": {"prefix": "/v1/prices"}, "service": "prices"}]},
    "services": {
        "products": {"backends": ["prices"], "versions": {"v1": {"weight": 100}}},
        "prices": {"versions": {"v1": {"weight": 90}, "v2": {"weight": 10}}},
    },
}

DEFAULT_RETRY = {
    "retry_on": "connect-failure,refused-stream,reset,retriable-status-codes,unavailable",
    "num_retries": 2,
    "retriable_status_codes": [503],
    "retry_host_predicate": [
        {
            "name": "envoy.retry_host_predicates.previous_hosts",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"
            },
        }
    ],
}


def mesh_with(**prices: Any) -> CompiledMesh:
    spec = copy.deepcopy(BASE)
    spec["services"]["prices"].update(prices)
    routes = prices.get("routes", [])
    if routes and not any(r["targets"].get("v2") for r in routes):
        # The spec insists an unreached version says why.
        spec["services"]["prices"]["versions"]["v2"]["unrouted"] = "not under test"
    return compiled(spec)


def prices_routes(mesh: CompiledMesh) -> list[dict[str, Any]]:
    """prices' router routes as products-v1's egress renders them."""
    config = render_sidecar(mesh, fixed_plan(mesh), "products", "v1")
    return vhosts(listeners(config)["lds_egress_0.0.0.0_15001"])["prices.shop.local"]["routes"]


def names_of(routes: list[dict[str, Any]]) -> list[str]:
    return [r["name"] for r in routes]


V1 = "cds_egress_shop_prices-v1_http_8080"
V2 = "cds_egress_shop_prices-v2_http_8080"


# --- weights -----------------------------------------------------------------------------------


def test_versions_weights_become_weighted_clusters():
    """GIVEN prices v1 weight 90 and v2 weight 10, no routes written
    WHEN products-v1's egress is rendered
    THEN one catch-all route splits 90/10 over the two versions' egress clusters"""
    [route] = prices_routes(mesh_with())
    assert route["match"] == {"prefix": "/"}
    assert route["route"]["weighted_clusters"] == {
        "clusters": [{"name": V1, "weight": 90}, {"name": V2, "weight": 10}]
    }
    assert "cluster" not in route["route"]


def test_a_route_with_one_live_target_routes_to_one_cluster():
    """GIVEN a route with targets v1: 100 and v2: 0 (the compiled route's only live target is v1)
    WHEN rendered
    THEN it goes straight to v1's cluster, with no weighted clusters"""
    mesh = mesh_with(routes=[{"name": "only-v1", "targets": {"v1": 100, "v2": 0}}])
    [route] = prices_routes(mesh)
    assert route["route"]["cluster"] == V1
    assert "weighted_clusters" not in route["route"]


# --- order -------------------------------------------------------------------------------------


def test_routes_are_rendered_in_the_compiled_order():
    """GIVEN the dev stack's pattern: a canary header route (priority 1) written after the default (10)
    WHEN rendered
    THEN the routes follow the compiled order, canary first, sending x-canary: true to v2 only"""
    mesh = mesh_with(
        routes=[
            {"name": "default", "priority": 10, "match": {"prefix": "/"}, "targets": {"v1": 90, "v2": 10}},
            {
                "name": "canary-header",
                "priority": 1,
                "match": {"headers": [{"name": "x-canary", "exact": "true"}]},
                "targets": {"v2": 100},
            },
        ]
    )
    canary, default = prices_routes(mesh)
    assert [canary["name"], default["name"]] == [r.name for r in mesh.services["prices"].routes]
    assert canary["name"] == "canary-header"
    assert canary["match"] == {
        "prefix": "/",
        "headers": [{"name": "x-canary", "string_match": {"exact": "true"}}],
    }
    assert canary["route"]["cluster"] == V2
    assert default["name"] == "default"


# --- retries -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "retry_on", "codes"),
    [
        ("server-error", "reset,retriable-status-codes", [*range(500, 509), 510, 511]),
        ("gateway-error", "reset,retriable-status-codes", [502, 503, 504]),
        ("client-error", "retriable-status-codes", [409]),
        ("stream-error", "refused-stream", None),
    ],
)
def test_each_http_retry_event_maps_as_app_mesh_does(event: str, retry_on: str, codes: list[int] | None):
    """GIVEN a retry policy with one HTTP event
    WHEN rendered
    THEN retry_on and the retriable codes are App Mesh's mapping, with num_retries and per_try_timeout"""
    mesh = mesh_with(retryPolicy={"maxRetries": 3, "perRetryTimeout": "1500ms", "httpRetryEvents": [event]})
    [route] = prices_routes(mesh)
    expected: dict[str, Any] = {"retry_on": retry_on, "num_retries": 3, "per_try_timeout": "1.500s"}
    if codes is not None:
        expected["retriable_status_codes"] = codes
    assert route["route"]["retry_policy"] == expected


def test_server_error_leaves_out_509():
    """GIVEN App Mesh's server-error family
    WHEN compared with the codes the renderer lists
    THEN 509 is the one 5xx code between 500 and 511 that is not retried"""
    assert set(range(500, 512)) - set(SERVER_ERROR_CODES) == {509}
    assert GATEWAY_ERROR_CODES == (502, 503, 504)


def test_tcp_connection_error_maps_to_connect_failure():
    """GIVEN a retry policy with only tcpRetryEvents [connection-error]
    WHEN rendered
    THEN Envoy retries on connect-failure and lists no status codes"""
    mesh = mesh_with(
        retryPolicy={"maxRetries": 1, "perRetryTimeout": "2s", "tcpRetryEvents": ["connection-error"]}
    )
    [route] = prices_routes(mesh)
    assert route["route"]["retry_policy"] == {
        "retry_on": "connect-failure",
        "num_retries": 1,
        "per_try_timeout": "2s",
    }


def test_retry_events_combine_as_a_union():
    """GIVEN gateway-error, client-error and stream-error plus connection-error
    WHEN rendered
    THEN retry_on is the union of their conditions and the codes the union of their codes, each once"""
    mesh = mesh_with(
        retryPolicy={
            "maxRetries": 2,
            "perRetryTimeout": "2s",
            "httpRetryEvents": ["gateway-error", "client-error", "stream-error"],
            "tcpRetryEvents": ["connection-error"],
        }
    )
    [route] = prices_routes(mesh)
    policy = route["route"]["retry_policy"]
    assert policy["retry_on"] == "connect-failure,refused-stream,reset,retriable-status-codes"
    assert policy["retriable_status_codes"] == [409, 502, 503, 504]


def test_server_and_gateway_error_codes_are_not_duplicated():
    """GIVEN server-error and gateway-error together (502-504 are in both)
    WHEN rendered
    THEN each code is listed once"""
    mesh = mesh_with(
        retryPolicy={
            "maxRetries": 2,
            "perRetryTimeout": "2s",
            "httpRetryEvents": ["server-error", "gateway-error"],
        }
    )
    [route] = prices_routes(mesh)
    assert route["route"]["retry_policy"]["retriable_status_codes"] == list(SERVER_ERROR_CODES)


def test_app_meshs_default_retry_is_written_out():
    """GIVEN no retry policy on the service or the route (the compiled route carries App Mesh's default)
    WHEN rendered
    THEN Envoy retries as App Mesh's Envoy does: 2 retries on 503, reset, connect-failure,
    refused-stream and gRPC unavailable, each retry on another host"""
    [route] = prices_routes(mesh_with())
    assert route["route"]["retry_policy"] == DEFAULT_RETRY


# --- timeouts ----------------------------------------------------------------------------------


def test_timeouts_in_envoys_durations_and_zero_disables():
    """GIVEN the service's timeout perRequest 0s and idle 2500ms, and the default 15 s / 300 s
    WHEN rendered
    THEN the route timeout is 0s (Envoy: none, App Mesh: disabled) and idle 2.5 s; defaults in seconds"""
    [route] = prices_routes(mesh_with(timeout={"perRequest": "0s", "idle": "2500ms"}))
    assert (route["route"]["timeout"], route["route"]["idle_timeout"]) == ("0s", "2.500s")
    [default] = prices_routes(mesh_with())
    assert (default["route"]["timeout"], default["route"]["idle_timeout"]) == ("15s", "300s")


# --- matches -----------------------------------------------------------------------------------


def single_match(match: dict[str, Any]) -> dict[str, Any]:
    [route] = prices_routes(mesh_with(routes=[{"name": "r", "match": match, "targets": {"v1": 100}}]))
    return route["match"]


@pytest.mark.parametrize(
    ("header", "rendered"),
    [
        ({"name": "X-Tier", "exact": "gold"}, {"name": "x-tier", "string_match": {"exact": "gold"}}),
        ({"name": "x-tier", "prefix": "go"}, {"name": "x-tier", "string_match": {"prefix": "go"}}),
        ({"name": "x-tier", "suffix": "ld"}, {"name": "x-tier", "string_match": {"suffix": "ld"}}),
        (
            {"name": "x-tier", "regex": "g.*d"},
            {"name": "x-tier", "string_match": {"safe_regex": {"regex": "g.*d"}}},
        ),
        (
            {"name": "x-build", "range": {"start": 10, "end": 20}},
            {"name": "x-build", "range_match": {"start": 10, "end": 20}},
        ),
        (
            {"name": "x-tier", "exact": "free", "invert": True},
            {"name": "x-tier", "string_match": {"exact": "free"}, "invert_match": True},
        ),
    ],
)
def test_header_matches(header: dict[str, Any], rendered: dict[str, Any]):
    """GIVEN a route matching one header by exact, prefix, suffix, regex, range or inverted
    WHEN rendered
    THEN the header matcher uses string_match / range_match (end exclusive) / invert_match"""
    assert single_match({"headers": [header]}) == {"prefix": "/", "headers": [rendered]}


def test_method_query_and_exact_path_matches():
    """GIVEN a match on exact path, method and a query parameter
    WHEN rendered
    THEN path is exact, the method is a :method header, the query parameter an exact string_match"""
    match = single_match(
        {
            "path": {"exact": "/v1/prices"},
            "method": "POST",
            "queryParameters": [{"name": "dry", "exact": "1"}],
        }
    )
    assert match == {
        "path": "/v1/prices",
        "headers": [{"name": ":method", "string_match": {"exact": "POST"}}],
        "query_parameters": [{"name": "dry", "string_match": {"exact": "1"}}],
    }


def test_regex_path_match():
    """GIVEN a match on a path regex
    WHEN rendered
    THEN it is a safe_regex path match and no prefix is added"""
    assert single_match({"path": {"regex": "/v1/prices/[a-z]-[0-9]+"}}) == {
        "safe_regex": {"regex": "/v1/prices/[a-z]-[0-9]+"}
    }


ROUTES_UNDER_TEST: dict[str, Any] = {
    "retryPolicy": {"maxRetries": 2, "perRetryTimeout": "2s", "httpRetryEvents": ["server-error"]},
    "routes": [
        {
            "name": "canary",
            "priority": 1,
            "match": {"headers": [{"name": "x-canary", "exact": "1"}]},
            "targets": {"v2": 100},
        },
        {"name": "default", "targets": {"v1": 50, "v2": 50}},
    ],
}


def test_gateway_flattened_routes_carry_the_same_router_routes():
    """GIVEN a service with routes, retries and timeouts, behind gateway route /v1/prices (path kept)
    WHEN both a peer's egress and the gateway are rendered
    THEN the gateway's public listener has one route per router route, in the same order, with the
    router route's match under /v1/prices and exactly the peer's action plus the Host rewrite"""
    mesh = mesh_with(**ROUTES_UNDER_TEST)
    gateway = render_gateway(mesh, fixed_plan(mesh))
    public = next(x for x in gateway["static_resources"]["listeners"] if "address" in x)
    [vhost] = hcm(public)["route_config"]["virtual_hosts"]
    peer = prices_routes(mesh)
    assert [r["name"] for r in vhost["routes"]] == [f"prices-v1-prices/{r['name']}" for r in peer]
    for flat, route in zip(vhost["routes"], peer, strict=True):
        assert flat["route"] == {**route["route"], "host_rewrite_literal": "prices.shop.local"}
        assert flat["match"] == {**route["match"], "prefix": "/v1/prices"}


def test_gateway_second_stage_renders_the_same_router_routes():
    """GIVEN a service with routes, retries and timeouts, behind a gateway route that strips its prefix
    WHEN both a peer's egress and the gateway are rendered
    THEN the gateway's internal listener for the service has exactly the peer's routes"""
    spec = copy.deepcopy(BASE)
    spec["gateway"]["routes"][0]["rewrite"] = {"stripPrefix": True}
    spec["gateway"]["healthCheckPath"] = "/v1/prices"
    spec["services"]["prices"].update(copy.deepcopy(ROUTES_UNDER_TEST))
    mesh = compiled(spec)
    gateway = render_gateway(mesh, fixed_plan(mesh))
    inner = next(
        x
        for x in gateway["static_resources"]["listeners"]
        if x["name"] == "lds_virtual_service_prices.shop.local"
    )
    [vhost] = hcm(inner)["route_config"]["virtual_hosts"]
    assert vhost["routes"] == prices_routes(mesh)
    assert vhost["domains"] == ["*"]


def test_regexes_given_to_envoy_are_the_spec_regexes():
    """GIVEN a header regex with RE2-compatible syntax
    WHEN rendered
    THEN it is passed through unchanged (no anchors added: Envoy's safe_regex matches the whole value)"""
    match = single_match({"headers": [{"name": "x-id", "regex": "[0-9]{3}"}]})
    regex = match["headers"][0]["string_match"]["safe_regex"]["regex"]
    assert regex == "[0-9]{3}"
    assert re.fullmatch(regex, "123") and not re.fullmatch(regex, "1234")
