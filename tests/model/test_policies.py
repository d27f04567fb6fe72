"""The policy a request meets on each route, and each version's listener timeout, in the compiled mesh."""

from __future__ import annotations

from typing import Any

from fargate_mesh.model import APP_MESH_DEFAULT_RETRY, DEFAULT_TIMEOUT, Retry, Timeout
from tests.helpers.meshes import compiled
from tests.helpers.spec import with_mesh

P = "services.products"
GATEWAY_RETRIES = {"maxRetries": 2, "perRetryTimeout": "2s", "httpRetryEvents": ["gateway-error"]}


def products(**fields: Any) -> Any:
    return compiled(with_mesh(**{f"{P}.{k}": v for k, v in fields.items()})).services["products"]


def test_without_a_retry_policy_app_meshs_default_applies_and_says_so():
    """GIVEN no retry policy on the service or its route
    WHEN the mesh is compiled
    THEN the route's retry is App Mesh's default (2 retries on 503, reset, connect failure, refused
    stream, on another host), flagged as not given, with no source field"""
    (route,) = products().routes
    assert route.policy.retry == APP_MESH_DEFAULT_RETRY
    assert not route.policy.retry_given and route.policy.retry_source is None
    assert (
        Retry(2, None, ("service-unavailable", "reset", "connection-error", "stream-error"), other_host=True)
        == APP_MESH_DEFAULT_RETRY
    )


def test_a_routes_own_retry_policy_replaces_the_services():
    """GIVEN a service retry policy, and one of two routes with its own
    WHEN the mesh is compiled
    THEN that route uses its own (from its field), the other the service's (from the service's)"""
    service = products(
        retryPolicy=GATEWAY_RETRIES,
        routes=[
            {
                "name": "writes",
                "priority": 1,
                "match": {"method": "POST"},
                "targets": {"v1": 100},
                "retryPolicy": {
                    "maxRetries": 0,
                    "perRetryTimeout": "1s",
                    "httpRetryEvents": ["stream-error"],
                },
            },
            {"name": "reads", "priority": 2, "targets": {"v1": 100}},
        ],
    )
    writes, reads = service.routes
    assert writes.policy.retry == Retry(0, 1_000, ("stream-error",))
    assert writes.policy.retry_source == f"{P}.routes[0].retryPolicy"
    assert reads.policy.retry == Retry(2, 2_000, ("gateway-error",))
    assert reads.policy.retry_given and reads.policy.retry_source == f"{P}.retryPolicy"


def test_tcp_and_http_events_are_kept_apart():
    """GIVEN a retry policy with HTTP events and the TCP event
    WHEN compiled
    THEN the retry lists all of them, and tells HTTP from TCP events"""
    (route,) = products(
        retryPolicy={
            "maxRetries": 1,
            "perRetryTimeout": "1s",
            "httpRetryEvents": ["server-error", "client-error"],
            "tcpRetryEvents": ["connection-error"],
        }
    ).routes
    assert route.policy.retry.http_events == ("server-error", "client-error")
    assert route.policy.retry.tcp_events == ("connection-error",)


def test_timeouts_default_to_15_s_per_request_and_300_s_idle():
    """GIVEN no timeout anywhere
    WHEN compiled
    THEN routes and listeners get App Mesh's defaults"""
    service = products()
    assert service.routes[0].policy.timeout == DEFAULT_TIMEOUT == Timeout(15_000, 300_000)
    assert service.versions["v1"].listener_timeout == DEFAULT_TIMEOUT


def test_a_routes_own_timeout_replaces_the_services():
    """GIVEN a service timeout of 10 s and one route with 60 s per request
    WHEN compiled
    THEN that route has 60 s (and the default idle), the other the service's 10 s"""
    service = products(
        timeout={"perRequest": "10s"},
        routes=[
            {
                "name": "slow",
                "priority": 1,
                "match": {"prefix": "/reports"},
                "targets": {"v1": 100},
                "timeout": {"perRequest": "60s"},
            },
            {"name": "rest", "priority": 2, "targets": {"v1": 100}},
        ],
    )
    slow, rest = service.routes
    assert slow.policy.timeout == Timeout(60_000, 300_000) and slow.own_timeout
    assert rest.policy.timeout == Timeout(10_000, 300_000) and not rest.own_timeout


def test_listener_timeouts_are_the_widest_of_the_service_and_the_routes_to_the_version():
    """GIVEN a service timeout of 1s / idle 60s, a 5s route to v1 and v2, a 90s-idle route to v2 only,
    and a route with per-request 0 (disabled) to v3
    WHEN compiled
    THEN v1's listener gets 5s / 60s, v2 5s / 90s, v3 0 (disabled is the widest) / 300s (a route's
    timeout without idle carries the default), and v4, which no route with a timeout targets, keeps
    the service's 1s / 60s"""
    service = products(
        timeout={"perRequest": "1s", "idle": "60s"},
        versions={f"v{i}": {"weight": 25} for i in range(1, 5)},
        routes=[
            {
                "name": "long",
                "priority": 1,
                "match": {"prefix": "/long"},
                "targets": {"v1": 50, "v2": 50},
                "timeout": {"perRequest": "5s", "idle": "10s"},
            },
            {
                "name": "idle",
                "priority": 2,
                "match": {"prefix": "/idle"},
                "targets": {"v2": 100},
                "timeout": {"perRequest": "2s", "idle": "90s"},
            },
            {
                "name": "off",
                "priority": 3,
                "match": {"prefix": "/off"},
                "targets": {"v3": 100},
                "timeout": {"perRequest": "0s"},
            },
            {"name": "rest", "priority": 4, "targets": {"v1": 25, "v2": 25, "v3": 25, "v4": 25}},
        ],
    )
    assert {v: version.listener_timeout for v, version in service.versions.items()} == {
        "v1": Timeout(5_000, 60_000),
        "v2": Timeout(5_000, 90_000),
        "v3": Timeout(0, 300_000),
        "v4": Timeout(1_000, 60_000),
    }


def test_calls_to_an_external_backend_get_app_meshs_defaults():
    """GIVEN an external backend
    WHEN compiled
    THEN its policy is App Mesh's default retry (not given) and the default timeouts"""
    mesh = compiled(with_mesh(external={"payments": {"host": "api.payments.example"}}))
    policy = mesh.externals["payments"].policy
    assert (policy.retry, policy.retry_given, policy.timeout) == (
        APP_MESH_DEFAULT_RETRY,
        False,
        DEFAULT_TIMEOUT,
    )


def test_a_listener_timeout_replaces_the_services_timeout_at_the_listener_only():
    """GIVEN products with timeout 5s, listenerTimeout 60s, and route `reports` (v2, own timeout 90s)
    WHEN the mesh is compiled
    THEN routes keep the service's 5s; v1's listener is 60s (the listener timeout) and v2's 90s (still
    widened by the route that reaches it)"""
    service = products(
        timeout={"perRequest": "5s"},
        listenerTimeout={"perRequest": "60s"},
        versions={"v1": {}, "v2": {}},
        routes=[
            {
                "name": "reports",
                "priority": 1,
                "match": {"prefix": "/r"},
                "targets": {"v2": 100},
                "timeout": {"perRequest": "90s"},
            },
            {"name": "rest", "priority": 2, "targets": {"v1": 100}},
        ],
    )
    assert {r.name: r.policy.timeout.per_request_ms for r in service.routes} == {
        "reports": 90_000,
        "rest": 5_000,
    }
    assert service.versions["v1"].listener_timeout.per_request_ms == 60_000
    assert service.versions["v2"].listener_timeout.per_request_ms == 90_000


def test_grpc_retry_events_are_kept_apart_from_http_and_tcp():
    """GIVEN a grpc service whose retry policy lists unavailable, gateway-error and connection-error
    WHEN the mesh is compiled
    THEN its route's retry holds each under its own kind"""
    policy = {
        "maxRetries": 1,
        "perRetryTimeout": "1s",
        "grpcRetryEvents": ["unavailable"],
        "httpRetryEvents": ["gateway-error"],
        "tcpRetryEvents": ["connection-error"],
    }
    greeter = {"protocol": "grpc", "retryPolicy": policy, "versions": {"v1": {"weight": 100}}}
    (route,) = compiled(with_mesh(**{"services.greeter": greeter})).services["greeter"].routes
    retry = route.policy.retry
    assert (retry.grpc_events, retry.http_events, retry.tcp_events) == (
        ("unavailable",),
        ("gateway-error",),
        ("connection-error",),
    )
