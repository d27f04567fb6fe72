"""The rest of App Mesh's route API in the spec: presence matches, scheme, path rewrite, listener
timeouts, connection pools and gRPC routes. What each one refuses, at its field path."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.spec import accepted, expect_problem, with_mesh

P = "services.products"
G = "gateway.routes[1]"


def one_route(match: dict[str, Any], **service: Any) -> dict[str, Any]:
    """products with one written route to v1 that has `match`; `service` adds keys to products."""
    changes = {f"{P}.routes": [{"name": "r", "match": match, "targets": {"v1": 100}}]}
    return with_mesh(**changes, **{f"{P}.{k}": v for k, v in service.items()})


def second_gateway_route(**route: Any) -> dict[str, Any]:
    """The minimal mesh plus a second gateway route (the first stays plain for the ALB's check)."""
    first = {"service": "products", "match": {"prefix": "/v1/products"}}
    return with_mesh(**{"gateway.routes": [first, {"service": "products", **route}]})


def grpc_mesh(**greeter: Any) -> dict[str, Any]:
    """The minimal mesh plus `greeter`, a grpc service, and a gateway route into it by service name."""
    service = {"protocol": "grpc", "versions": {"v1": {"weight": 100}}, **greeter}
    gateway = [
        {"service": "products", "match": {"prefix": "/v1/products"}},
        {"service": "greeter", "match": {"serviceName": "demo.Greeter"}},
    ]
    return with_mesh(**{"services.greeter": service, "gateway.routes": gateway})


# --- presence --------------------------------------------------------------------------------


@pytest.mark.parametrize("present", [True, False])
def test_a_header_match_may_ask_only_whether_the_header_is_sent(present: bool) -> None:
    """GIVEN a header match with present: true (sent, any value) or false (not sent), and no value rule
    WHEN the spec is parsed
    THEN it is accepted with that rule"""
    mesh = accepted(one_route({"headers": [{"name": "x-debug", "present": present}]}))
    (header,) = mesh.services["products"].routes[0].match.headers  # type: ignore[index]
    assert header.rule == "present" and header.present is present


def test_presence_does_not_combine_with_a_value_rule_or_invert() -> None:
    """GIVEN present next to exact, and present next to invert
    WHEN the spec is parsed
    THEN both are reported: one rule per header, and absence is written present: false"""
    both = one_route({"headers": [{"name": "x-a", "present": True, "exact": "1"}]})
    expect_problem(
        both, f"{P}.routes[0].match.headers[0]", "exactly one of exact, prefix, suffix, regex, range, present"
    )
    inverted = one_route({"headers": [{"name": "x-a", "present": True, "invert": True}]})
    expect_problem(inverted, f"{P}.routes[0].match.headers[0].invert", "write present: false")


def test_a_query_parameter_takes_an_exact_value_or_presence() -> None:
    """GIVEN a query parameter with present: true, one with neither rule, and one with present: false
    WHEN the spec is parsed
    THEN presence is accepted; no rule is refused naming both; present: false is refused (App Mesh
    cannot match an absent parameter)"""
    accepted(one_route({"queryParameters": [{"name": "debug", "present": True}]}))
    expect_problem(
        one_route({"queryParameters": [{"name": "debug"}]}),
        f"{P}.routes[0].match.queryParameters[0]",
        "exactly one of exact, present",
    )
    expect_problem(
        one_route({"queryParameters": [{"name": "d", "present": False}]}),
        f"{P}.routes[0].match.queryParameters[0].present",
        "True",
    )


# --- scheme ----------------------------------------------------------------------------------


def test_scheme_is_http_or_https() -> None:
    """GIVEN a route matching scheme https, and one matching ftp
    WHEN the spec is parsed
    THEN https is accepted and ftp is refused with the allowed values"""
    accepted(one_route({"scheme": "https"}))
    expect_problem(one_route({"scheme": "ftp"}), f"{P}.routes[0].match.scheme", "'http' or 'https'")


# --- rewrite of the whole path ---------------------------------------------------------------


def test_a_path_rewrite_needs_a_path_match() -> None:
    """GIVEN a gateway route rewriting to the exact path /v2/status: on an exact path match, on a
    prefix match, and together with a prefix rewrite
    WHEN the spec is parsed
    THEN the path match is accepted; the prefix match and the double rewrite are refused"""
    accepted(second_gateway_route(match={"path": {"exact": "/status"}}, rewrite={"path": "/v2/status"}))
    expect_problem(
        second_gateway_route(match={"prefix": "/status/"}, rewrite={"path": "/v2/status"}),
        f"{G}.rewrite.path",
        "needs a path match",
    )
    expect_problem(
        second_gateway_route(match={"prefix": "/s/"}, rewrite={"path": "/v2", "prefix": "/x/"}),
        f"{G}.rewrite",
        "one of prefix, stripPrefix, path",
    )


# --- listener timeout and connection pool ----------------------------------------------------


def test_a_service_may_set_its_listener_timeout_apart_from_its_routes() -> None:
    """GIVEN products with timeout 5s and listenerTimeout 60s
    WHEN the spec is parsed
    THEN both are kept"""
    mesh = accepted(
        with_mesh(**{f"{P}.timeout": {"perRequest": "5s"}, f"{P}.listenerTimeout": {"perRequest": "60s"}})
    )
    service = mesh.services["products"]
    assert service.timeout.per_request == 5_000
    assert service.listener_timeout is not None and service.listener_timeout.per_request == 60_000


@pytest.mark.parametrize(
    ("protocol", "pool", "path", "text"),
    [
        ("http", {"maxPendingRequests": 5}, "maxConnections", "needs maxConnections"),
        ("http", {"maxConnections": 5, "maxRequests": 5}, "maxRequests", "for http2 and grpc services"),
        ("http2", {"maxConnections": 5, "maxRequests": 5}, "maxConnections", "for http services"),
        ("grpc", {"maxPendingRequests": 5}, "maxRequests", "needs maxRequests"),
    ],
)
def test_a_connection_pool_takes_the_limits_of_its_protocol(
    protocol: str, pool: dict[str, int], path: str, text: str
) -> None:
    """GIVEN a connection pool with limits App Mesh does not take for the service's protocol
    WHEN the spec is parsed
    THEN the limit (or the missing one) is reported at its key"""
    data = with_mesh(**{f"{P}.protocol": protocol, f"{P}.connectionPool": pool})
    expect_problem(data, f"{P}.connectionPool.{path}", text)


def test_valid_connection_pools_are_accepted() -> None:
    """GIVEN an http service limiting connections and pending requests, a grpc one limiting requests
    WHEN the spec is parsed
    THEN both are accepted"""
    accepted(with_mesh(**{f"{P}.connectionPool": {"maxConnections": 10, "maxPendingRequests": 2}}))
    accepted(grpc_mesh(connectionPool={"maxRequests": 100}))


# --- gRPC ------------------------------------------------------------------------------------


def test_grpc_routes_match_service_method_and_metadata() -> None:
    """GIVEN a grpc service with a route on demo.Greeter/Hello plus metadata, and gRPC retry events
    WHEN the spec is parsed
    THEN it is accepted; the match's path is the method's, /demo.Greeter/Hello"""
    route = {
        "name": "hello",
        "match": {
            "serviceName": "demo.Greeter",
            "methodName": "Hello",
            "metadata": [{"name": "x-tenant", "exact": "gold"}],
        },
        "targets": {"v1": 100},
        "retryPolicy": {"maxRetries": 2, "perRetryTimeout": "1s", "grpcRetryEvents": ["unavailable"]},
    }
    mesh = accepted(grpc_mesh(routes=[route]))
    match = mesh.services["greeter"].routes[0].match  # type: ignore[index]
    assert match.literal_path() == ("path", "/demo.Greeter/Hello")


def test_http_keys_on_a_grpc_service_and_grpc_keys_on_an_http_one_are_refused() -> None:
    """GIVEN a grpc service's route matching a prefix, and an http service's route matching serviceName
    WHEN the spec is parsed
    THEN each key is reported, saying which kind of match the service takes"""
    grpc_route = [{"name": "r", "match": {"prefix": "/x"}, "targets": {"v1": 100}}]
    expect_problem(
        grpc_mesh(routes=grpc_route),
        "services.greeter.routes[0].match.prefix",
        "serviceName, methodName and metadata",
    )
    expect_problem(one_route({"serviceName": "demo.Greeter"}), f"{P}.routes[0].match.serviceName", "not grpc")


def test_method_name_needs_service_name() -> None:
    """GIVEN a gRPC match with methodName alone
    WHEN the spec is parsed
    THEN methodName is reported"""
    route = [
        {
            "name": "r",
            "match": {"methodName": "Hello", "metadata": [{"name": "a", "present": True}]},
            "targets": {"v1": 100},
        }
    ]
    expect_problem(
        grpc_mesh(routes=route), "services.greeter.routes[0].match.methodName", "needs serviceName"
    )


def test_grpc_retry_events_need_a_grpc_service() -> None:
    """GIVEN an http service whose retry policy lists grpcRetryEvents
    WHEN the spec is parsed
    THEN the events are reported"""
    policy = {"maxRetries": 1, "perRetryTimeout": "1s", "grpcRetryEvents": ["unavailable"]}
    expect_problem(
        with_mesh(**{f"{P}.retryPolicy": policy}), f"{P}.retryPolicy.grpcRetryEvents", "need protocol: grpc"
    )


def test_a_gateway_route_into_a_grpc_service_matches_grpc_and_keeps_the_path() -> None:
    """GIVEN gateway routes into a grpc service: one by prefix, one by serviceName with stripPrefix
    WHEN the spec is parsed
    THEN the prefix and the path rewrite are reported"""
    data = grpc_mesh()
    data["gateway"]["routes"][1] = {"service": "greeter", "match": {"prefix": "/demo/"}}
    expect_problem(data, "gateway.routes[1].match.prefix", "not prefix")
    data["gateway"]["routes"][1] = {
        "service": "greeter",
        "match": {"serviceName": "demo.G"},
        "rewrite": {"stripPrefix": True},
    }
    expect_problem(data, "gateway.routes[1].rewrite.stripPrefix", "only rewrite.hostname")


# --- more than one listener port ---------------------------------------------------------------


def test_route_and_gateway_ports_must_be_ports_of_the_service() -> None:
    """GIVEN products on 8080 with extraPorts [9090, 9090], a route on port 7000 and a gateway route
    to port 7001
    WHEN the spec is parsed
    THEN the repeated port, the route's and the gateway route's ports are each reported"""
    data = with_mesh(
        **{
            f"{P}.extraPorts": [9090, 9090],
            f"{P}.routes": [{"name": "r", "port": 7000, "targets": {"v1": 100}}],
            "gateway.routes[0].port": 7001,
        }
    )
    expect_problem(data, f"{P}.extraPorts[1]", "listed twice")
    expect_problem(data, f"{P}.routes[0].port", "not a port of the service (8080, 9090, 9090)")
    expect_problem(data, "gateway.routes[0].port", "not a port of the service (8080, 9090, 9090)")


def test_a_service_with_extra_ports_says_the_port_of_each_route() -> None:
    """GIVEN products with extraPorts [9090]: once without routes, once with a route without a port
    WHEN the spec is parsed
    THEN extraPorts, then the route's port, are reported"""
    expect_problem(with_mesh(**{f"{P}.extraPorts": [9090]}), f"{P}.extraPorts", "needs routes")
    data = with_mesh(**{f"{P}.extraPorts": [9090], f"{P}.routes": [{"name": "r", "targets": {"v1": 100}}]})
    expect_problem(data, f"{P}.routes[0].port", "needs the port of each route")


def test_an_app_port_at_a_sidecars_extra_ingress_port_is_the_data_planes_concern() -> None:
    """GIVEN products with extraPorts [9090, 15101]: the envoy sidecar's ingress for its extra ports
    is at 15101 and 15102, App Mesh's proxy takes every app port at 15000
    WHEN the spec is parsed
    THEN it is accepted: the spec holds only rules of every data plane (model/capabilities.py refuses
    it on envoy)"""
    routes = [{"name": "r", "port": 8080, "targets": {"v1": 100}}]
    accepted(with_mesh(**{f"{P}.extraPorts": [9090, 15101], f"{P}.routes": routes}))
