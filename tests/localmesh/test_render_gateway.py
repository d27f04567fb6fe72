"""The ingress gateway's Envoy: two-stage routing, gateway route order, matches and rewrites."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import re
from typing import Any

import pytest

from localmesh.envoy import render_gateway
from localmesh.plan import Endpoint, MeshPlan, plan_mesh
from meshspec import Mesh, parse_mesh

BASE: dict[str, Any] = {
    "name": "shop",
    "namespace": "shop.local",
    "domain": "api.shop.com",
    "hostedZone": "shop.com",
    "gateway": {"routes": [{"match": {"prefix": "/v1/products"}, "service": "products"}]},
    "services": {
        "products": {"versions": {"v1": {"weight": 90}, "v2": {"weight": 10}}},
        "prices": {"versions": {"v1": {"weight": 100}}},
        "reviews": {"versions": {"v1": {"weight": 100}}},
    },
}


ALB_HEALTH_ROUTE = {"name": "alb-health", "match": {"path": {"exact": "/alb-health"}}, "service": "prices"}


def mesh_with(routes: list[dict[str, Any]] | None = None, **services: Any) -> Mesh:
    spec = copy.deepcopy(BASE)
    if routes is not None:
        spec["gateway"]["routes"] = routes
        # The spec needs an ALB health check path a plain route serves; these tests render routes.
        plain = [r["match"]["prefix"] for r in routes if set(r.get("match", {})) == {"prefix"}]
        if plain:
            spec["gateway"].setdefault("healthCheckPath", plain[0])
        else:  # e.g. hostname-only routes: add the plain route the ALB's health check needs
            spec["gateway"]["routes"] = [*routes, ALB_HEALTH_ROUTE]
            spec["gateway"]["healthCheckPath"] = "/alb-health"
    for name, extra in services.items():
        spec["services"][name].update(extra)
    return parse_mesh(spec)


def plan_for(mesh: Mesh, host: str = "127.0.0.1") -> MeshPlan:
    ports = itertools.count(20000)
    return plan_mesh(mesh, lambda: next(ports), gateway_port=8080, host=host)


def hcm(listener: dict[str, Any]) -> dict[str, Any]:
    return listener["filter_chains"][0]["filters"][0]["typed_config"]


def listeners(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {x["name"]: x for x in config["static_resources"]["listeners"]}


def clusters(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in config["static_resources"]["clusters"]}


def stage1(config: dict[str, Any]) -> list[dict[str, Any]]:
    public = next(x for x in config["static_resources"]["listeners"] if "address" in x)
    [vhost] = hcm(public)["route_config"]["virtual_hosts"]
    return vhost["routes"]


def stage1_route(routes: list[dict[str, Any]]) -> dict[str, Any]:
    mesh = mesh_with(routes)
    return next(r for r in stage1(render_gateway(mesh, plan_for(mesh))) if r.get("name") != "alb-health")


# --- two stages --------------------------------------------------------------------------------


def test_stage_one_hands_the_request_to_the_services_internal_listener():
    """GIVEN a gateway route to products
    WHEN the gateway is rendered
    THEN the public listener sits on the plan's gateway address and routes to a cluster whose only
    endpoint is the internal listener that runs products' router, with the extension enabled"""
    mesh = mesh_with()
    config = render_gateway(mesh, plan_for(mesh))
    public = listeners(config)["lds_ingress_0.0.0.0_8080"]
    assert public["address"] == {"socket_address": {"address": "127.0.0.1", "port_value": 8080}}
    [route] = stage1(config)
    assert route["route"]["cluster"] == "cds_virtual_service_shop_products.shop.local"
    internal = clusters(config)["cds_virtual_service_shop_products.shop.local"]
    [endpoint] = internal["load_assignment"]["endpoints"][0]["lb_endpoints"]
    assert endpoint["endpoint"]["address"] == {
        "envoy_internal_address": {"server_listener_name": "lds_virtual_service_products.shop.local"}
    }
    inner = listeners(config)["lds_virtual_service_products.shop.local"]
    assert inner["internal_listener"] == {}
    assert "address" not in inner
    assert [e["name"] for e in config["bootstrap_extensions"]] == ["envoy.bootstrap.internal_listener"]


def test_stage_two_splits_by_router_weights_to_each_versions_sidecar_ingress():
    """GIVEN products v1 90 / v2 10
    WHEN the gateway is rendered
    THEN the internal listener's route splits 90/10 over clusters at each version's sidecar ingress"""
    mesh = mesh_with()
    plan = plan_for(mesh)
    config = render_gateway(mesh, plan)
    inner = listeners(config)["lds_virtual_service_products.shop.local"]
    [vhost] = hcm(inner)["route_config"]["virtual_hosts"]
    [route] = vhost["routes"]
    v1, v2 = "cds_egress_shop_products-v1_http_8080", "cds_egress_shop_products-v2_http_8080"
    assert route["route"]["weighted_clusters"]["clusters"] == [
        {"name": v1, "weight": 90},
        {"name": v2, "weight": 10},
    ]
    for version, name in (("v1", v1), ("v2", v2)):
        ingress = plan.sidecar("products", version).ingress
        [endpoint] = clusters(config)[name]["load_assignment"]["endpoints"][0]["lb_endpoints"]
        assert endpoint["endpoint"]["address"]["socket_address"] == {
            "address": ingress.host,
            "port_value": ingress.port,
        }


def test_stage_one_leaves_timeouts_and_retries_to_stage_two():
    """GIVEN a service with a 60 s per-request timeout
    WHEN the gateway is rendered
    THEN stage 1 has no timeout or retries of its own (0s disables), stage 2 has the service's 60 s"""
    mesh = mesh_with(products={"timeout": {"perRequest": "60s"}})
    config = render_gateway(mesh, plan_for(mesh))
    [route] = stage1(config)
    assert (route["route"]["timeout"], route["route"]["idle_timeout"]) == ("0s", "0s")
    assert "retry_policy" not in route["route"]
    inner = listeners(config)["lds_virtual_service_products.shop.local"]
    assert hcm(inner)["route_config"]["virtual_hosts"][0]["routes"][0]["route"]["timeout"] == "60s"


def test_only_services_behind_gateway_routes_get_a_second_stage():
    """GIVEN gateway routes to products only (prices and reviews exist)
    WHEN the gateway is rendered
    THEN there is no internal listener or cluster for prices or reviews"""
    mesh = mesh_with()
    config = render_gateway(mesh, plan_for(mesh))
    assert not [n for n in [*listeners(config), *clusters(config)] if "prices" in n or "reviews" in n]


def test_unmatched_requests_get_envoys_404_no_catch_all_is_added():
    """GIVEN gateway routes for two prefixes
    WHEN the gateway is rendered
    THEN only those routes exist (no '/' fallback), so anything else is a 404 like App Mesh's gateway"""
    mesh = mesh_with(
        [
            {"match": {"prefix": "/v1/products"}, "service": "products"},
            {"match": {"prefix": "/v1/prices"}, "service": "prices"},
        ]
    )
    routes = stage1(render_gateway(mesh, plan_for(mesh)))
    assert [r["match"] for r in routes] == [{"prefix": "/v1/products"}, {"prefix": "/v1/prices"}]
    assert all("direct_response" not in r for r in routes)


def test_gateway_identity_admin_and_edge_settings():
    """GIVEN a mesh named shop
    WHEN the gateway is rendered
    THEN node id/cluster name the virtual gateway, admin is on the plan's gateway admin endpoint, and
    the public listener is an edge (trusts the peer address, not a client's x-request-id)"""
    mesh = mesh_with()
    plan = plan_for(mesh)
    config = render_gateway(mesh, plan)
    assert config["node"] == {
        "id": "mesh/shop/virtualGateway/shop-gateway",
        "cluster": "mesh/shop/virtualGateway/shop-gateway",
    }
    assert config["admin"]["address"]["socket_address"] == {
        "address": plan.gateway_admin.host,
        "port_value": plan.gateway_admin.port,
    }
    public = hcm(listeners(config)["lds_ingress_0.0.0.0_8080"])
    assert public["use_remote_address"] is True
    assert public["preserve_external_request_id"] is False
    inner = hcm(listeners(config)["lds_virtual_service_products.shop.local"])
    assert inner["use_remote_address"] is False


# --- order -------------------------------------------------------------------------------------


def test_gateway_routes_priority_first_then_longest_prefix():
    """GIVEN gateway routes written shortest prefix first, one with a priority
    WHEN rendered
    THEN the prioritised route is first, then the rest longest prefix first"""
    mesh = mesh_with(
        [
            {"name": "root", "match": {"prefix": "/"}, "service": "reviews"},
            {"name": "prices", "match": {"prefix": "/v1/prices"}, "service": "prices"},
            {"name": "v1", "match": {"prefix": "/v1"}, "service": "products"},
            {"name": "pinned", "priority": 5, "match": {"prefix": "/a"}, "service": "prices"},
            {"name": "special", "match": {"prefix": "/v1/prices/special"}, "service": "products"},
        ]
    )
    routes = stage1(render_gateway(mesh, plan_for(mesh)))
    assert [r["name"] for r in routes] == ["pinned", "special", "prices", "v1", "root"]


# --- rewrites ----------------------------------------------------------------------------------


def test_path_is_kept_and_host_rewritten_by_default():
    """GIVEN a gateway route without rewrite
    WHEN rendered
    THEN the path is not rewritten and Host becomes the virtual service name"""
    route = stage1_route([{"match": {"prefix": "/v1/products"}, "service": "products"}])["route"]
    assert "prefix_rewrite" not in route
    assert "regex_rewrite" not in route
    assert route["host_rewrite_literal"] == "products.shop.local"


def test_strip_prefix_with_trailing_slash_rewrites_prefix_to_root():
    """GIVEN stripPrefix on a prefix ending in '/'
    WHEN rendered
    THEN the matched prefix is replaced with '/' (App Mesh's default rewrite)"""
    route = stage1_route(
        [{"match": {"prefix": "/v1/products/"}, "service": "products", "rewrite": {"stripPrefix": True}}]
    )
    assert route["route"]["prefix_rewrite"] == "/"


def test_strip_prefix_without_trailing_slash_also_strips_the_next_slash():
    """GIVEN stripPrefix on /v1/products (no trailing slash)
    WHEN rendered
    THEN a regex rewrite turns /v1/products/7 into /7 and /v1/products into /"""
    route = stage1_route(
        [{"match": {"prefix": "/v1/products"}, "service": "products", "rewrite": {"stripPrefix": True}}]
    )
    rewrite = route["route"]["regex_rewrite"]
    assert "prefix_rewrite" not in route["route"]
    assert rewrite["substitution"] == "/"
    pattern = rewrite["pattern"]["regex"]
    assert re.sub(pattern, "/", "/v1/products/7", count=1) == "/7"
    assert re.sub(pattern, "/", "/v1/products", count=1) == "/"


def test_prefix_value_rewrite():
    """GIVEN rewrite prefix /catalog/ on match prefix /v1/products/
    WHEN rendered
    THEN prefix_rewrite is /catalog/"""
    route = stage1_route(
        [{"match": {"prefix": "/v1/products/"}, "service": "products", "rewrite": {"prefix": "/catalog/"}}]
    )
    assert route["route"]["prefix_rewrite"] == "/catalog/"


def test_hostname_rewrite_can_be_turned_off():
    """GIVEN rewrite hostname: false
    WHEN rendered
    THEN Host is passed through unchanged"""
    route = stage1_route(
        [{"match": {"prefix": "/v1/products"}, "service": "products", "rewrite": {"hostname": False}}]
    )
    assert "host_rewrite_literal" not in route["route"]


# --- matches -----------------------------------------------------------------------------------


def authority_regex(hostname: dict[str, str]) -> str:
    route = stage1_route([{"match": {"prefix": "/", "hostname": hostname}, "service": "products"}])
    [header] = route["match"]["headers"]
    assert header["name"] == ":authority"
    return header["string_match"]["safe_regex"]["regex"]


@pytest.mark.parametrize(
    ("authority", "matches"),
    [
        ("api.shop.com", True),
        ("API.Shop.com", True),
        ("api.shop.com:8080", True),
        ("apixshop.com", False),
        ("www.api.shop.com", False),
        ("api.shop.com.evil", False),
    ],
)
def test_hostname_exact_matches_authority_with_or_without_port(authority: str, matches: bool):
    """GIVEN a gateway route matching hostname exact api.shop.com
    WHEN its :authority regex is applied (RE2 full match, as Envoy does)
    THEN it matches that host in any case and with any port, and nothing else"""
    regex = authority_regex({"exact": "api.shop.com"})
    assert bool(re.fullmatch(regex, authority)) is matches


@pytest.mark.parametrize(
    ("authority", "matches"),
    [("a.shop.com", True), ("a.b.shop.com:443", True), ("shop.com.evil", False), ("a.shop.org", False)],
)
def test_hostname_suffix_matches_authority(authority: str, matches: bool):
    """GIVEN a gateway route matching hostname suffix .shop.com
    WHEN its :authority regex is applied
    THEN hosts ending in .shop.com match, with or without a port"""
    regex = authority_regex({"suffix": ".shop.com"})
    assert bool(re.fullmatch(regex, authority)) is matches


def test_gateway_headers_query_and_regex_path_matches():
    """GIVEN a gateway route with a regex path, a header and a query parameter
    WHEN rendered
    THEN they are a safe_regex path, a string_match header and an exact query parameter"""
    route = stage1_route(
        [
            {
                "match": {
                    "path": {"regex": "/v1/products/[0-9]+"},
                    "headers": [{"name": "x-beta", "prefix": "yes"}],
                    "queryParameters": [{"name": "lang", "exact": "en"}],
                },
                "service": "products",
            }
        ]
    )
    assert route["match"] == {
        "safe_regex": {"regex": "/v1/products/[0-9]+"},
        "headers": [{"name": "x-beta", "string_match": {"prefix": "yes"}}],
        "query_parameters": [{"name": "lang", "string_match": {"exact": "en"}}],
    }


def test_gateway_clusters_carry_the_nodes_health_check_and_outlier_detection():
    """GIVEN products with a health check and outlier detection
    WHEN the gateway is rendered
    THEN the gateway's clusters for products' versions check /health and eject on 5xx"""
    mesh = mesh_with(
        products={
            "healthCheck": {"path": "/healthz"},
            "outlierDetection": {
                "maxServerErrors": 3,
                "maxEjectionPercent": 50,
                "interval": "10s",
                "baseEjectionDuration": "30s",
            },
        }
    )
    cluster = clusters(render_gateway(mesh, plan_for(mesh)))["cds_egress_shop_products-v1_http_8080"]
    assert cluster["health_checks"][0]["http_health_check"]["path"] == "/healthz"
    assert cluster["outlier_detection"]["consecutive_5xx"] == 3


def test_gateway_uses_only_plan_addresses():
    """GIVEN a plan on 10.1.2.3
    WHEN the gateway is rendered
    THEN no address in it is a loopback address"""
    mesh = mesh_with()
    text = repr(render_gateway(mesh, plan_for(mesh, host="10.1.2.3")))
    assert "127.0.0.1" not in text
    assert "10.1.2.3" in text


def test_plan_endpoint_names_are_resolved_by_dns():
    """GIVEN a plan whose sidecars are reached by DNS name (as on Fargate with Cloud Map)
    WHEN the gateway is rendered
    THEN clusters to those names are STRICT_DNS, not STATIC"""
    mesh = mesh_with()
    plan = plan_for(mesh)
    sidecars = {
        key: dataclasses.replace(sc, peer=Endpoint(f"{sc.service}-{sc.version}.shop.local", 15000))
        for key, sc in plan.sidecars.items()
    }
    dns_plan = MeshPlan(plan.gateway, plan.gateway_admin, sidecars, plan.external)
    cluster = clusters(render_gateway(mesh, dns_plan))["cds_egress_shop_products-v1_http_8080"]
    assert cluster["type"] == "STRICT_DNS"
    assert clusters(render_gateway(mesh, plan))["cds_egress_shop_products-v1_http_8080"]["type"] == "STATIC"
