"""The ingress gateway's Envoy: gateway and router routes in one table or two stages, order, matches
and rewrites."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import re
from typing import Any

import pytest

from fargate_mesh.model import CompiledMesh
from fargate_mesh.render.envoy import render_gateway
from fargate_mesh.render.envoy.plan import Endpoint, MeshPlan, fargate_plan, loopback_plan
from tests.helpers.envoy import clusters, hcm, listeners
from tests.helpers.meshes import SHOP, compiled

BASE: dict[str, Any] = {
    **SHOP,
    "gateway": {"routes": [{"match": {"prefix": "/v1/products"}, "service": "products"}]},
    "services": {
        "products": {"versions": {"v1": {"weight": 90}, "v2": {"weight": 10}}},
        "prices": {"versions": {"v1": {"weight": 100}}},
        "reviews": {"versions": {"v1": {"weight": 100}}},
    },
}


ALB_HEALTH_ROUTE = {"name": "alb-health", "match": {"path": {"exact": "/alb-health"}}, "service": "prices"}


def mesh_with(routes: list[dict[str, Any]] | None = None, **services: Any) -> CompiledMesh:
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
    return compiled(spec)


def plan_for(mesh: CompiledMesh, host: str = "127.0.0.1") -> MeshPlan:
    ports = itertools.count(20000)
    return loopback_plan(mesh, lambda: next(ports), gateway_port=8080, host=host)


def public_routes(config: dict[str, Any]) -> list[dict[str, Any]]:
    public = next(x for x in config["static_resources"]["listeners"] if "address" in x)
    [vhost] = hcm(public)["route_config"]["virtual_hosts"]
    return vhost["routes"]


def inner_routes(config: dict[str, Any], service: str) -> list[dict[str, Any]]:
    inner = listeners(config)[f"lds_virtual_service_{service}.shop.local"]
    [vhost] = hcm(inner)["route_config"]["virtual_hosts"]
    return vhost["routes"]


def routes_for(routes: list[dict[str, Any]], **services: Any) -> list[dict[str, Any]]:
    """The public listener's routes, without the ALB health check route mesh_with may add."""
    mesh = mesh_with(routes, **services)
    rendered = public_routes(render_gateway(mesh, plan_for(mesh)))
    return [r for r in rendered if not r["name"].startswith("alb-health")]


def stage1_route(routes: list[dict[str, Any]], **services: Any) -> dict[str, Any]:
    return routes_for(routes, **services)[0]


def summary(routes: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], str]]:
    """(name, match, where it goes) per route: a cluster, 'split', 404 or the internal listener's cluster."""

    def target(route: dict[str, Any]) -> str:
        if "direct_response" in route:
            return str(route["direct_response"]["status"])
        action = route["route"]
        return action.get("cluster", "split")

    return [(r["name"], r["match"], target(r)) for r in routes]


V1, V2 = "cds_egress_shop_products-v1_http_8080", "cds_egress_shop_products-v2_http_8080"
PRICES_V1 = "cds_egress_shop_prices-v1_http_8080"
PRODUCTS_VS = "cds_virtual_service_shop_products.shop.local"
CANARY = {"name": "x-canary", "string_match": {"exact": "true"}}
CANARY_SPEC = {"name": "x-canary", "exact": "true"}


def products_routes(*routes: dict[str, Any]) -> dict[str, Any]:
    """products' router routes; a version no route reaches is marked unrouted, as the spec asks."""
    reached = {v for r in routes for v, w in r["targets"].items() if w}
    versions = {
        v: {"weight": w, **({} if v in reached else {"unrouted": "not under test"})}
        for v, w in (("v1", 90), ("v2", 10))
    }
    return {"routes": list(routes), "versions": versions}


# --- one route table (flattened) ---------------------------------------------------------------


def test_flattened_route_goes_straight_to_each_versions_sidecar_ingress():
    """GIVEN a gateway route to products (path kept), products v1 90 / v2 10
    WHEN the gateway is rendered
    THEN the public listener on the plan's gateway address has one route `<gateway route>/<router
    route>` that splits 90/10 over clusters at each version's sidecar ingress, and there is no
    internal listener, internal cluster or internal listener extension"""
    mesh = mesh_with()
    plan = plan_for(mesh)
    config = render_gateway(mesh, plan)
    public = listeners(config)["lds_ingress_0.0.0.0_8080"]
    assert public["address"] == {"socket_address": {"address": "127.0.0.1", "port_value": 8080}}
    [route] = public_routes(config)
    assert route["name"] == "products-v1-products/default"
    assert route["match"] == {"prefix": "/v1/products"}
    assert route["route"]["weighted_clusters"]["clusters"] == [
        {"name": V1, "weight": 90},
        {"name": V2, "weight": 10},
    ]
    assert route["route"]["host_rewrite_literal"] == "products.shop.local"
    for version, name in (("v1", V1), ("v2", V2)):
        ingress = plan.sidecar("products", version).ingress
        [endpoint] = clusters(config)[name]["load_assignment"]["endpoints"][0]["lb_endpoints"]
        assert endpoint["endpoint"]["address"]["socket_address"] == {
            "address": ingress.host,
            "port_value": ingress.port,
        }
    assert list(listeners(config)) == ["lds_ingress_0.0.0.0_8080"]
    assert not [c for c in clusters(config) if c.startswith("cds_virtual_service_")]
    assert "bootstrap_extensions" not in config


def test_flattened_route_carries_the_router_routes_timeouts_and_retries():
    """GIVEN a service with a 60 s per-request timeout and a retry policy, one route overriding both
    WHEN the gateway is rendered
    THEN each flattened route has its router route's timeouts and retry policy (the router's policy
    governs, as the second stage's did), nothing from the gateway route but the host rewrite"""
    retry = {"maxRetries": 3, "perRetryTimeout": "1s", "httpRetryEvents": ["server-error"]}
    routes = routes_for(
        [{"match": {"prefix": "/v1/products"}, "service": "products"}],
        products={
            "timeout": {"perRequest": "60s"},
            "retryPolicy": retry,
            **products_routes(
                {
                    "name": "slow",
                    "match": {"prefix": "/v1/products/slow"},
                    "targets": {"v1": 100},
                    "timeout": {"perRequest": "120s", "idle": "0s"},
                    "retryPolicy": {**retry, "maxRetries": 1},
                },
                {"name": "rest", "targets": {"v1": 100}},
            ),
        },
    )
    slow, rest = (r["route"] for r in routes)
    assert (slow["timeout"], slow["idle_timeout"], slow["retry_policy"]["num_retries"]) == ("120s", "0s", 1)
    assert (rest["timeout"], rest["idle_timeout"], rest["retry_policy"]["num_retries"]) == ("60s", "300s", 3)
    for action in (slow, rest):
        assert set(action) == {"cluster", "timeout", "idle_timeout", "retry_policy", "host_rewrite_literal"}


def test_only_services_behind_gateway_routes_get_clusters():
    """GIVEN gateway routes to products only (prices and reviews exist)
    WHEN the gateway is rendered
    THEN there is no listener or cluster for prices or reviews"""
    mesh = mesh_with()
    config = render_gateway(mesh, plan_for(mesh))
    assert not [n for n in [*listeners(config), *clusters(config)] if "prices" in n or "reviews" in n]


def test_unmatched_requests_get_envoys_404_no_catch_all_is_added():
    """GIVEN gateway routes for two prefixes, each service with a catch-all router route
    WHEN the gateway is rendered
    THEN only those routes exist (no '/' fallback, no 404 route: each router route takes every
    request of its gateway route), so anything else is Envoy's 404 like App Mesh's gateway"""
    routes = routes_for(
        [
            {"match": {"prefix": "/v1/products"}, "service": "products"},
            {"match": {"prefix": "/v1/prices"}, "service": "prices"},
        ]
    )
    assert [r["match"] for r in routes] == [{"prefix": "/v1/products"}, {"prefix": "/v1/prices"}]
    assert all("direct_response" not in r for r in routes)


def test_header_canary_and_default_under_a_gateway_prefix():
    """GIVEN gateway route /v1/products and products' router: a header canary on '/' (priority 1),
    then a default on '/'
    WHEN rendered
    THEN the canary combines to /v1/products + x-canary → v2, then the default to /v1/products →
    split; the default takes every request left, so no 404 route follows"""
    routes = routes_for(
        [{"name": "products", "match": {"prefix": "/v1/products"}, "service": "products"}],
        products=products_routes(
            {
                "name": "canary",
                "priority": 1,
                "match": {"headers": [{"name": "x-canary", "exact": "true"}]},
                "targets": {"v2": 100},
            },
            {"name": "default", "priority": 10, "targets": {"v1": 90, "v2": 10}},
        ),
    )
    assert summary(routes) == [
        ("products/canary", {"prefix": "/v1/products", "headers": [CANARY]}, V2),
        ("products/default", {"prefix": "/v1/products"}, "split"),
    ]


@pytest.mark.parametrize(
    ("gateway", "router", "combined"),
    [
        ({"prefix": "/v1"}, {"prefix": "/v1/products/"}, {"prefix": "/v1/products/"}),
        ({"prefix": "/v1/products"}, {"prefix": "/v1"}, {"prefix": "/v1/products"}),
        ({"prefix": "/v1/products"}, {"path": {"exact": "/v1/products/p-1"}}, {"path": "/v1/products/p-1"}),
        ({"path": {"exact": "/v1/products/p-1"}}, {"prefix": "/v1/"}, {"path": "/v1/products/p-1"}),
        ({"path": {"exact": "/v1/products"}}, {"path": {"exact": "/v1/products"}}, {"path": "/v1/products"}),
    ],
)
def test_paths_combine_to_the_narrower(
    gateway: dict[str, Any], router: dict[str, Any], combined: dict[str, Any]
):
    """GIVEN a gateway route's path rule and a router route's
    WHEN rendered
    THEN the flattened route has the narrower of the two (a request meets both iff it meets it),
    followed by the gateway route's 404 unless it takes every request of the gateway route"""
    routes = routes_for(
        [{"name": "g", "match": gateway, "service": "products"}],
        products=products_routes({"name": "r", "match": router, "targets": {"v1": 100}}),
    )
    assert routes[0]["name"] == "g/r"
    assert routes[0]["match"] == combined
    own = {"path": gateway["path"]["exact"]} if "path" in gateway else gateway
    if combined == own:
        assert len(routes) == 1
    else:
        assert summary(routes[1:]) == [("g/(no-route)", own, "404")]


@pytest.mark.parametrize(
    ("gateway", "router"),
    [
        ({"prefix": "/v1/products"}, {"prefix": "/v2/"}),
        ({"prefix": "/v1/products"}, {"prefix": "/v1/prod/"}),
        ({"prefix": "/v1/products"}, {"path": {"exact": "/v1/prices"}}),
        ({"path": {"exact": "/v1/products"}}, {"prefix": "/v1/products/"}),
        ({"path": {"exact": "/a"}}, {"path": {"exact": "/b"}}),
    ],
)
def test_unsatisfiable_combinations_are_left_out(gateway: dict[str, Any], router: dict[str, Any]):
    """GIVEN a router route no request of the gateway route can match
    WHEN rendered
    THEN there is no route for that combination, only the ones that can match and the 404"""
    routes = routes_for(
        [{"name": "g", "match": gateway, "service": "products"}],
        products=products_routes(
            {"name": "never", "priority": 1, "match": router, "targets": {"v2": 100}},
            {"name": "header", "priority": 2, "match": {"headers": [CANARY_SPEC]}, "targets": {"v1": 100}},
        ),
    )
    assert [r["name"] for r in routes] == ["g/header", "g/(no-route)"]


def test_prefix_combination_is_a_string_prefix_like_envoys():
    """GIVEN gateway prefix /v1/products and a router prefix /v1/productsX (Envoy prefixes are string
    prefixes, not path segments)
    WHEN rendered
    THEN the combination is /v1/productsX, the longer one"""
    routes = routes_for(
        [{"name": "g", "match": {"prefix": "/v1/product"}, "service": "products"}],
        products=products_routes({"name": "r", "match": {"prefix": "/v1/products"}, "targets": {"v1": 100}}),
    )
    assert summary(routes) == [
        ("g/r", {"prefix": "/v1/products"}, V1),
        ("g/(no-route)", {"prefix": "/v1/product"}, "404"),
    ]


def test_method_of_the_router_route_is_kept():
    """GIVEN a router route on POST under gateway route /v1/products
    WHEN rendered
    THEN the flattened route adds the :method header condition"""
    routes = routes_for(
        [{"name": "g", "match": {"prefix": "/v1/products"}, "service": "products"}],
        products=products_routes(
            {"name": "writes", "match": {"method": "POST"}, "targets": {"v2": 100}},
            {"name": "reads", "targets": {"v1": 100}},
        ),
    )
    assert summary(routes) == [
        (
            "g/writes",
            {"prefix": "/v1/products", "headers": [{"name": ":method", "string_match": {"exact": "POST"}}]},
            V2,
        ),
        ("g/reads", {"prefix": "/v1/products"}, V1),
    ]


def test_headers_and_query_parameters_of_both_are_required():
    """GIVEN a gateway route with a header and a query parameter, a router route with others
    WHEN rendered
    THEN the flattened route requires all of them (Envoy ANDs them), the gateway route's first"""
    routes = routes_for(
        [
            {
                "name": "g",
                "match": {
                    "prefix": "/v1/products",
                    "headers": [{"name": "x-beta", "prefix": "yes"}],
                    "queryParameters": [{"name": "lang", "exact": "en"}],
                },
                "service": "products",
            },
            {"name": "plain", "match": {"prefix": "/v1/products"}, "service": "prices"},
        ],
        products=products_routes(
            {
                "name": "r",
                "match": {"headers": [CANARY_SPEC], "queryParameters": [{"name": "cur", "exact": "eur"}]},
                "targets": {"v2": 100},
            }
        ),
    )
    g = {
        "prefix": "/v1/products",
        "headers": [{"name": "x-beta", "string_match": {"prefix": "yes"}}],
        "query_parameters": [{"name": "lang", "string_match": {"exact": "en"}}],
    }
    combined = {
        "prefix": "/v1/products",
        "headers": [g["headers"][0], CANARY],
        "query_parameters": [g["query_parameters"][0], {"name": "cur", "string_match": {"exact": "eur"}}],
    }
    assert summary(routes) == [
        ("g/r", combined, V2),
        ("g/(no-route)", g, "404"),
        ("plain/default", {"prefix": "/v1/products"}, PRICES_V1),
    ]


def test_hostname_stays_an_authority_condition_before_the_host_rewrite():
    """GIVEN a gateway route for hostname beta.shop.com and a router route with a header canary
    WHEN rendered
    THEN the flattened route matches the client's :authority (a header condition, evaluated before
    the route's action rewrites Host) and the canary header, and rewrites Host to the service"""
    routes = routes_for(
        [
            {
                "name": "beta",
                "match": {"prefix": "/", "hostname": {"exact": "beta.shop.com"}},
                "service": "products",
            }
        ],
        products=products_routes(
            {"name": "canary", "priority": 1, "match": {"headers": [CANARY_SPEC]}, "targets": {"v2": 100}},
            {"name": "default", "priority": 2, "targets": {"v1": 100}},
        ),
    )
    authority = {
        "name": ":authority",
        "string_match": {"safe_regex": {"regex": r"(?i)beta\.shop\.com(:[0-9]+)?"}},
    }
    assert summary(routes) == [
        ("beta/canary", {"prefix": "/", "headers": [authority, CANARY]}, V2),
        ("beta/default", {"prefix": "/", "headers": [authority]}, V1),
    ]
    assert {r["route"]["host_rewrite_literal"] for r in routes} == {"products.shop.local"}


def test_404_route_stops_a_request_falling_through_to_a_later_gateway_route():
    """GIVEN gateway route /v1/products → products, whose router only knows /v1/products/special,
    and a later gateway route /v1 → prices
    WHEN rendered
    THEN /v1/products's 404 route comes before /v1's route: a request for /v1/products/other gets
    404 (as products' router answered at stage 2), it does not reach prices"""
    routes = routes_for(
        [
            {"name": "products", "match": {"prefix": "/v1/products"}, "service": "products"},
            {"name": "v1", "match": {"prefix": "/v1"}, "service": "prices"},
        ],
        products=products_routes(
            {"name": "special", "match": {"path": {"exact": "/v1/products/special"}}, "targets": {"v1": 100}}
        ),
    )
    assert summary(routes) == [
        ("products/special", {"path": "/v1/products/special"}, V1),
        ("products/(no-route)", {"prefix": "/v1/products"}, "404"),
        ("v1/default", {"prefix": "/v1"}, PRICES_V1),
    ]
    assert routes[1]["direct_response"] == {"status": 404}
    assert "route" not in routes[1]


def test_router_routes_after_one_that_takes_every_request_are_left_out():
    """GIVEN a router whose first route (a plain '/') takes everything, then a header route
    WHEN rendered
    THEN the gateway route has the first combination only: the rest could never match"""
    routes = routes_for(
        [{"name": "g", "match": {"prefix": "/v1/products"}, "service": "products"}],
        products=products_routes(
            {"name": "all", "priority": 1, "targets": {"v1": 100}},
            {"name": "late", "priority": 2, "match": {"headers": [CANARY_SPEC]}, "targets": {"v2": 100}},
        ),
    )
    assert summary(routes) == [("g/all", {"prefix": "/v1/products"}, V1)]


# --- two stages (fallback) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gateway_route", "products"),
    [
        ({"match": {"prefix": "/v1/products/"}, "rewrite": {"stripPrefix": True}}, {}),
        ({"match": {"prefix": "/v1/products"}, "rewrite": {"stripPrefix": True}}, {}),
        ({"match": {"prefix": "/store/"}, "rewrite": {"prefix": "/v1/"}}, {}),
        ({"match": {"path": {"regex": "/v1/products/[0-9]+"}}}, {}),
        (
            {"match": {"prefix": "/v1/products"}},
            products_routes(
                {"name": "ids", "match": {"path": {"regex": "/v1/products/[0-9]+"}}, "targets": {"v1": 100}}
            ),
        ),
    ],
    ids=["strip-slash", "strip", "prefix-value", "gateway-regex", "router-regex"],
)
def test_rewrites_and_regex_paths_fall_back_to_two_stages(
    gateway_route: dict[str, Any], products: dict[str, Any]
):
    """GIVEN a gateway route that rewrites the path, or a regex path on it or on a router route of its
    service, next to a plain gateway route to prices
    WHEN the gateway is rendered
    THEN that gateway route is one stage-1 route to a cluster whose only endpoint is products'
    internal listener, which runs products' router routes (the internal listener extension enabled);
    prices' gateway route is still flattened and prices has no internal listener"""
    mesh = mesh_with(
        [
            {"name": "g", "priority": 1, "service": "products", **gateway_route},
            {"name": "prices", "match": {"prefix": "/v1/prices"}, "service": "prices"},
        ],
        products=products,
    )
    config = render_gateway(mesh, plan_for(mesh))
    routes = [r for r in public_routes(config) if not r["name"].startswith("alb-health")]
    assert [(r["name"], r["route"]["cluster"]) for r in routes] == [
        ("g", PRODUCTS_VS),
        ("prices/default", PRICES_V1),
    ]
    internal = clusters(config)[PRODUCTS_VS]
    [endpoint] = internal["load_assignment"]["endpoints"][0]["lb_endpoints"]
    assert endpoint["endpoint"]["address"] == {
        "envoy_internal_address": {"server_listener_name": "lds_virtual_service_products.shop.local"}
    }
    inner = listeners(config)["lds_virtual_service_products.shop.local"]
    assert inner["internal_listener"] == {}
    assert "address" not in inner
    assert [r["name"] for r in inner_routes(config, "products")] == [
        r.name for r in mesh.services["products"].routes
    ]
    assert [e["name"] for e in config["bootstrap_extensions"]] == ["envoy.bootstrap.internal_listener"]
    assert set(listeners(config)) == {"lds_ingress_0.0.0.0_8080", "lds_virtual_service_products.shop.local"}


def test_a_service_behind_both_kinds_gets_one_internal_listener():
    """GIVEN two gateway routes to products, one flattened, one with a rewrite
    WHEN rendered
    THEN the first goes straight to the versions, the second through products' internal listener"""
    mesh = mesh_with(
        [
            {"name": "api", "match": {"prefix": "/v1/products"}, "service": "products"},
            {
                "name": "store",
                "match": {"prefix": "/store/"},
                "service": "products",
                "rewrite": {"prefix": "/v1/"},
            },
        ]
    )
    config = render_gateway(mesh, plan_for(mesh))
    assert [(r["name"], r["route"].get("cluster", "split")) for r in public_routes(config)] == [
        ("api/default", "split"),
        ("store", PRODUCTS_VS),
    ]
    assert [x for x in listeners(config) if x.startswith("lds_virtual_service_")] == [
        "lds_virtual_service_products.shop.local"
    ]


def test_stage_one_leaves_timeouts_and_retries_to_stage_two():
    """GIVEN a service with a 60 s per-request timeout, behind a gateway route with a rewrite
    WHEN the gateway is rendered
    THEN stage 1 has no timeout or retries of its own (0s disables), stage 2 has the service's 60 s"""
    route = {"match": {"prefix": "/v1/products/"}, "service": "products", "rewrite": {"stripPrefix": True}}
    mesh = mesh_with([route], products={"timeout": {"perRequest": "60s"}})
    config = render_gateway(mesh, plan_for(mesh))
    [stage1] = public_routes(config)
    assert (stage1["route"]["timeout"], stage1["route"]["idle_timeout"]) == ("0s", "0s")
    assert "retry_policy" not in stage1["route"]
    assert inner_routes(config, "products")[0]["route"]["timeout"] == "60s"


def test_gateway_identity_admin_and_edge_settings():
    """GIVEN a mesh named shop with a two-stage gateway route
    WHEN the gateway is rendered
    THEN node id/cluster name the virtual gateway, admin is on the plan's gateway admin endpoint, and
    the public listener is an edge (trusts the peer address, not a client's x-request-id), the
    internal one not"""
    mesh = mesh_with(
        [{"match": {"prefix": "/v1/products/"}, "service": "products", "rewrite": {"stripPrefix": True}}]
    )
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


def test_gateway_routes_are_rendered_in_the_compiled_order():
    """GIVEN gateway routes written shortest prefix first, one with a priority
    WHEN rendered
    THEN the public routes follow the compiled order (prioritised first, then longest prefix)"""
    mesh = mesh_with(
        [
            {"name": "root", "match": {"prefix": "/"}, "service": "reviews"},
            {"name": "prices", "match": {"prefix": "/v1/prices"}, "service": "prices"},
            {"name": "v1", "match": {"prefix": "/v1"}, "service": "products"},
            {"name": "pinned", "priority": 5, "match": {"prefix": "/a"}, "service": "prices"},
            {"name": "special", "match": {"prefix": "/v1/prices/special"}, "service": "products"},
        ]
    )
    routes = public_routes(render_gateway(mesh, plan_for(mesh)))
    assert [r["name"] for r in routes] == [f"{r.name}/default" for r in mesh.gateway.routes]
    assert [r.name for r in mesh.gateway.routes] == ["pinned", "special", "prices", "v1", "root"]


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


def test_a_plans_resolver_is_the_only_one_asked():
    """GIVEN the Fargate plan with a resolver (localmesh's DNS server at 127.9.8.1:53)
    WHEN the gateway is rendered
    THEN its DNS clusters ask c-ares at that address, and no other resolver as a fallback"""
    mesh = mesh_with()
    plan = dataclasses.replace(fargate_plan(mesh), resolver=Endpoint("127.9.8.1", 53))
    cluster = clusters(render_gateway(mesh, plan))["cds_egress_shop_products-v1_http_8080"]
    cares = cluster["cluster_type"]["typed_config"]["typed_dns_resolver_config"]["typed_config"]
    assert cares["resolvers"] == [{"socket_address": {"address": "127.9.8.1", "port_value": 53}}]
    assert cares["use_resolvers_as_fallback"] is False


def test_plan_endpoint_names_are_resolved_by_dns():
    """GIVEN the Fargate plan, whose sidecars are reached by their Cloud Map names
    WHEN the gateway is rendered
    THEN clusters to those names are discovered by DNS (the `envoy.clusters.dns` extension, STRICT_DNS's
    successor) through the system's resolver, dialling products-v1.shop.local:15000; a loopback plan's
    are STATIC"""
    mesh = mesh_with()
    cluster = clusters(render_gateway(mesh, fargate_plan(mesh)))["cds_egress_shop_products-v1_http_8080"]
    assert "type" not in cluster
    assert cluster["cluster_type"]["name"] == "envoy.clusters.dns"
    assert "typed_dns_resolver_config" not in cluster["cluster_type"]["typed_config"]
    endpoint = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]
    assert endpoint["address"]["socket_address"] == {"address": "products-v1.shop.local", "port_value": 15000}
    assert (
        clusters(render_gateway(mesh, plan_for(mesh)))["cds_egress_shop_products-v1_http_8080"]["type"]
        == "STATIC"
    )
