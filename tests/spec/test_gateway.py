"""The ingress gateway: its port, its routes into services, their matches, names, priorities and rewrites."""

from __future__ import annotations

from typing import Any

import pytest

from fargate_mesh.spec import GatewayRoute
from tests.helpers.spec import accepted, expect_problem, problems_of, with_mesh

G = "gateway.routes[0]"


def gateway(*routes: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """The minimal mesh plus a 'prices' service, with these gateway routes and gateway fields."""
    changes = {"services.prices": {"versions": {"v1": {"weight": 100}}}, "gateway.routes": list(routes)}
    changes |= {f"gateway.{k}": v for k, v in fields.items()}
    return with_mesh(**changes)


def to(service: str, prefix: str | None = "/v1/products", **fields: Any) -> dict[str, Any]:
    match = {"prefix": prefix} if prefix is not None else {}
    return {"service": service, "match": match} | fields


def test_gateway_routes_are_accepted_with_defaults() -> None:
    """GIVEN two gateway routes to two services
    WHEN the spec is parsed
    THEN they are kept, the path is kept (no prefix strip) and Host is rewritten by default
    """
    mesh = accepted(gateway(to("products"), to("prices", "/v1/prices")))
    first = mesh.gateway.routes[0]
    assert first.rewrite.prefix is None
    assert first.rewrite.strip_prefix is False
    assert first.rewrite.hostname is True
    assert mesh.gateway.port == 8080


def test_gateway_route_to_an_unknown_service() -> None:
    """GIVEN a gateway route to a service that is not declared
    WHEN the spec is parsed
    THEN routes[i].service is reported with the services that exist
    """
    problem = expect_problem(gateway(to("orders")), f"{G}.service", "unknown service 'orders'")
    assert "services are: prices, products" in problem.message


def test_gateway_route_cannot_target_an_external_backend() -> None:
    """GIVEN a gateway route to the name of an external backend
    WHEN the spec is parsed
    THEN it is refused: the gateway routes into mesh services only
    """
    data = gateway(to("payments"))
    data["external"] = {"payments": {"host": "api.payments.example"}}
    expect_problem(data, f"{G}.service", "unknown service 'payments'")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"prefix": "/v1/products"}, {"prefix": "/v1/products"}),
        ({}, {"prefix": "/"}),  # no prefix means '/'
        (
            {"prefix": "/a", "headers": [{"name": "X-Beta", "exact": "1"}]},
            {"prefix": "/a", "headers": [{"name": "x-beta", "exact": "1"}]},
        ),
        ({"prefix": "/a"}, {"prefix": "/a", "headers": []}),
    ],
)
def test_duplicate_gateway_matches_are_refused(first: dict[str, Any], second: dict[str, Any]) -> None:
    """GIVEN two gateway routes whose matches select the same requests, however spelled
    WHEN the spec is parsed
    THEN the second match is reported: it would never be used
    """
    data = gateway(
        {"name": "one", "service": "products", "match": first},
        {"name": "two", "service": "prices", "match": second},
    )
    expect_problem(data, "gateway.routes[1].match", "same match as gateway.routes[0]")


def test_matches_differing_by_hostname_are_distinct() -> None:
    """GIVEN two gateway routes on the same prefix but different hostnames
    WHEN the spec is parsed
    THEN both are accepted
    """
    data = gateway(
        {"name": "a", "service": "products", "match": {"prefix": "/", "hostname": {"exact": "a.myshop.com"}}},
        {"name": "b", "service": "prices", "match": {"prefix": "/", "hostname": {"suffix": ".myshop.com"}}},
        # The ALB's health check carries no hostname: it needs a plain route.
        {"name": "health", "service": "prices", "match": {"path": {"exact": "/health"}}},
    )
    assert len(accepted(data).gateway.routes) == 3


def test_duplicate_gateway_route_names_are_refused() -> None:
    """GIVEN two gateway routes with the same explicit name
    WHEN the spec is parsed
    THEN the second name is reported with the fix
    """
    data = gateway(to("products", name="api"), to("prices", "/v1/prices", name="api"))
    expect_problem(data, "gateway.routes[1].name", "set distinct names")


def test_derived_gateway_route_names_that_clash_are_refused() -> None:
    """GIVEN two routes to one service whose derived names collide (/v1/products and /v1-products)
    WHEN the spec is parsed
    THEN the clash is reported at the second route's name, so the user can name one
    """
    data = gateway(to("products", "/v1/products"), to("products", "/v1-products"))
    expect_problem(data, "gateway.routes[1].name", "'products-v1-products'")


def test_equal_gateway_priorities_are_accepted() -> None:
    """GIVEN two gateway routes with the same priority
    WHEN the spec is parsed
    THEN it is accepted: App Mesh orders them by path length (model/ordering.py)
    """
    accepted(gateway(to("products", priority=3), to("prices", "/v1/prices", priority=3)))


@pytest.mark.parametrize("priority", [-1, 1001])
def test_gateway_priority_must_be_0_to_1000(priority: int) -> None:
    """GIVEN a gateway route priority outside 0..1000
    WHEN the spec is parsed
    THEN the priority is reported
    """
    expect_problem(gateway(to("products", priority=priority)), f"{G}.priority", f"(got {priority})")


@pytest.mark.parametrize("name", ["api route", "_api", "a/b"])
def test_gateway_route_name_must_be_an_app_mesh_name(name: str) -> None:
    """GIVEN a gateway route name App Mesh would reject
    WHEN the spec is parsed
    THEN the name is reported with the allowed characters
    """
    expect_problem(gateway(to("products", name=name)), f"{G}.name", "letters, digits, '-' or '_'")


def test_gateway_prefix_must_start_with_a_slash() -> None:
    """GIVEN a gateway prefix without a leading '/'
    WHEN the spec is parsed
    THEN the prefix is reported
    """
    expect_problem(gateway(to("products", "v1/products")), f"{G}.match.prefix", "must start with '/'")


@pytest.mark.parametrize(
    ("prefix", "text"),
    [("new/", "must start with '/'"), ("/new", "must start and end with '/'")],
)
def test_rewrite_prefix_must_start_and_end_with_a_slash(prefix: str, text: str) -> None:
    """GIVEN a rewrite prefix that does not start and end with '/'
    WHEN the spec is parsed
    THEN rewrite.prefix is reported
    """
    data = gateway(to("products", "/v1/products/", rewrite={"prefix": prefix}))
    expect_problem(data, f"{G}.rewrite.prefix", text)


def test_rewrite_prefix_needs_a_match_prefix_ending_in_a_slash() -> None:
    """GIVEN a rewrite prefix on a route whose match prefix does not end with '/'
    WHEN the spec is parsed
    THEN rewrite.prefix is reported with the prefix to use instead
    """
    data = gateway(to("products", "/v1/products", rewrite={"prefix": "/"}))
    problem = expect_problem(data, f"{G}.rewrite.prefix", "end with '/'")
    assert "'/v1/products/'" in problem.message


@pytest.mark.parametrize(
    ("rewrite", "field"), [({"prefix": "/x/"}, "prefix"), ({"stripPrefix": True}, "stripPrefix")]
)
def test_prefix_rewrite_needs_a_prefix_match(rewrite: dict[str, Any], field: str) -> None:
    """GIVEN a prefix rewrite (value or strip) on a route that matches an exact path
    WHEN the spec is parsed
    THEN the rewrite field is reported: there is no prefix to rewrite
    """
    data = gateway({"service": "products", "match": {"path": {"exact": "/v1/products"}}, "rewrite": rewrite})
    expect_problem(data, f"{G}.rewrite.{field}", "needs a prefix match")


def test_rewrite_takes_prefix_or_strip_prefix_not_both() -> None:
    """GIVEN a rewrite with both prefix and stripPrefix
    WHEN the spec is parsed
    THEN the rewrite is reported
    """
    data = gateway(to("products", "/v1/", rewrite={"prefix": "/x/", "stripPrefix": True}))
    expect_problem(data, f"{G}.rewrite", "one of prefix, stripPrefix, path (got prefix, stripPrefix)")


def test_valid_rewrites_are_accepted() -> None:
    """GIVEN a prefix rewrite on a '/'-terminated prefix and a strip on another route
    WHEN the spec is parsed
    THEN both are kept
    """
    data = gateway(
        to("products", "/shop/products/", rewrite={"prefix": "/v1/products/", "hostname": False}),
        to("prices", "/shop/prices", rewrite={"stripPrefix": True}),
        healthCheckPath="/shop/prices/health",
    )
    routes = accepted(data).gateway.routes
    assert routes[0].rewrite.prefix == "/v1/products/"
    assert routes[0].rewrite.hostname is False
    assert routes[1].rewrite.strip_prefix is True


@pytest.mark.parametrize("port", [80, 443, 1024])
def test_gateway_port_must_be_above_1024(port: int) -> None:
    """GIVEN a gateway listener port of 1024 or below (App Mesh refuses it on Fargate)
    WHEN the spec is parsed
    THEN gateway.port is reported with the allowed range
    """
    expect_problem(gateway(to("products"), port=port), "gateway.port", "1025..65535")


@pytest.mark.parametrize(("port", "text"), [(65536, "less than or equal to 65535"), (9901, "used by Envoy")])
def test_gateway_port_upper_bound_and_envoy_ports(port: int, text: str) -> None:
    """GIVEN a gateway port above 65535 or Envoy's admin port
    WHEN the spec is parsed
    THEN gateway.port is reported
    """
    expect_problem(gateway(to("products"), port=port), "gateway.port", text)


def test_gateway_port_1025_is_allowed() -> None:
    """GIVEN the lowest allowed gateway port
    WHEN the spec is parsed
    THEN it is accepted
    """
    assert accepted(gateway(to("products"), port=1025)).gateway.port == 1025


def test_gateway_needs_a_route() -> None:
    """GIVEN a gateway with no routes
    WHEN the spec is parsed
    THEN gateway.routes is reported
    """
    expect_problem(gateway(), "gateway.routes", "at least 1 item")


def test_gateway_health_check_path_must_start_with_a_slash() -> None:
    """GIVEN an ALB health check path without '/'
    WHEN the spec is parsed
    THEN it is reported
    """
    data = gateway(to("products"), healthCheckPath="health")
    expect_problem(data, "gateway.healthCheckPath", "must start with '/'")


def test_alb_health_check_path_is_given_or_the_first_plain_route() -> None:
    """GIVEN gateway routes where the first matches on a header and the second on a plain prefix
    WHEN the ALB health check path is asked for
    THEN it is the plain route's prefix; an explicit healthCheckPath wins over it
    """
    header = {"service": "products", "match": {"prefix": "/", "headers": [{"name": "x-a", "exact": "1"}]}}
    mesh = accepted(gateway(header, to("prices", "/v1/prices")))
    assert mesh.gateway.alb_health_check_path() == "/v1/prices"
    mesh = accepted(gateway(header, to("prices", "/v1/prices"), healthCheckPath="/v1/prices/health"))
    assert mesh.gateway.alb_health_check_path() == "/v1/prices/health"


def test_derived_gateway_route_names_are_stable_and_order_independent() -> None:
    """GIVEN the same gateway routes in two different orders
    WHEN their resource names are derived
    THEN each route gets the same name in both orders, built from service and match
    """
    routes = [
        to("products", "/v1/products"),
        to("prices", "/v1/prices"),
        to("products", None, name="explicit"),
        {"service": "prices", "match": {"path": {"exact": "/v1/prices/health"}}},
    ]
    forward = accepted(gateway(*routes)).gateway.routes
    backward = accepted(gateway(*reversed(routes))).gateway.routes

    def names(rs: list[GatewayRoute]) -> dict[str, str]:
        return {r.match.describe() + " -> " + r.service: r.resource_name for r in rs}

    assert names(forward) == names(backward)
    assert [r.resource_name for r in forward] == [
        "products-v1-products",
        "prices-v1-prices",
        "explicit",
        "prices-v1-prices-health",
    ]
    assert GatewayRoute(service="products").resource_name == "products-root"


def test_gateway_route_typo_is_reported_with_a_suggestion() -> None:
    """GIVEN a typo in a gateway route (servce)
    WHEN the spec is parsed
    THEN the typo and the missing service are both reported at their paths
    """
    data = gateway({"servce": "products", "match": {"prefix": "/v1"}})
    expect_problem(data, f"{G}.servce", "did you mean 'service'?")
    assert any(p.path == f"{G}.service" and p.message == "is required" for p in problems_of(data))


def test_health_check_path_must_reach_a_plain_route() -> None:
    """GIVEN a healthCheckPath that no gateway route matches
    WHEN the spec is parsed
    THEN gateway.healthCheckPath is reported: the ALB's check would get Envoy's 404
    """
    expect_problem(
        gateway(to("products"), healthCheckPath="/nomatch"), "gateway.healthCheckPath", "would get 404"
    )


def test_health_check_path_is_not_matched_by_a_header_route() -> None:
    """GIVEN the only route matching the check path needs a header the ALB never sends
    WHEN the spec is parsed
    THEN gateway.healthCheckPath is reported
    """
    data = gateway(
        {
            "service": "products",
            "match": {"prefix": "/v1/products", "headers": [{"name": "x-a", "exact": "1"}]},
        },
        to("prices", "/v1/prices"),
        healthCheckPath="/v1/products",
    )
    expect_problem(data, "gateway.healthCheckPath", "without header, hostname or query conditions")


def test_health_check_path_cannot_be_derived_through_a_rewrite() -> None:
    """GIVEN no healthCheckPath and a first plain route that strips its prefix
    WHEN the spec is parsed
    THEN gateway.healthCheckPath is asked for (the derived path would be rewritten to '/')
    """
    data = gateway(to("prices", "/shop/", rewrite={"stripPrefix": True}))
    expect_problem(data, "gateway.healthCheckPath", "rewrites the path")


def test_health_check_path_is_derived_from_the_first_plain_route() -> None:
    """GIVEN no healthCheckPath, a header route first and a plain prefix route second
    WHEN the spec is parsed
    THEN the ALB checks the plain route's prefix
    """
    data = gateway(
        {"service": "products", "match": {"prefix": "/beta", "headers": [{"name": "x-beta", "exact": "1"}]}},
        to("prices", "/v1/prices"),
    )
    assert accepted(data).gateway.alb_health_check_path() == "/v1/prices"
