"""Retries and timeouts, end to end, against an upstream that fails or stalls on purpose.

The spec is built here (not a stack file) and its one service runs tests/localmesh/fixtures/flaky_app.py
through LocalMesh's app_command hook. Each router route carries a different policy; the gateway
applies the route's policy (App Mesh's two-stage gateway), so the client sees its effect.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from fargate_mesh import spec as meshspec
from fargate_mesh.localmesh.runner import LocalMesh
from tests.helpers.localmesh import flaky_app, free_port, running_mesh

pytestmark = pytest.mark.e2e

RETRY_2_ON_GATEWAY_ERROR = {"maxRetries": 2, "perRetryTimeout": "2s", "httpRetryEvents": ["gateway-error"]}
# The slow route's own timeout: unlike the service's (1 s), the sidecar's ingress (5 s, widened for the
# long route) and any per-retry timeout (the route has none), so only this one can cut at 1.5 s.
SLOW_ROUTE_TIMEOUT_S = 1.5
# Two retries of 2 s need more than the service's 1 s per request (the spec refuses less).
RETRY_BUDGET = {"perRequest": "5s"}

SPEC = {
    "name": "policies",
    "namespace": "test.local",
    "domain": "api.test.example.com",
    "hostedZone": "example.com",
    "gateway": {"routes": [{"match": {"prefix": "/"}, "service": "flaky"}]},
    "services": {
        "flaky": {
            "healthCheck": {"path": "/health"},
            # Shorter than App Mesh's 15 s default, so that a route can ask for more (the "long" route).
            "timeout": {"perRequest": "1s"},
            "versions": {"v1": {"weight": 100}},
            "routes": [
                {
                    "name": "retry",
                    "priority": 1,
                    "match": {"prefix": "/retry/"},
                    "targets": {"v1": 100},
                    "retryPolicy": RETRY_2_ON_GATEWAY_ERROR,
                    "timeout": RETRY_BUDGET,
                },
                {
                    "name": "no-retry",
                    "priority": 2,
                    "match": {"prefix": "/no-retry/"},
                    "targets": {"v1": 100},
                    "retryPolicy": {**RETRY_2_ON_GATEWAY_ERROR, "maxRetries": 0},
                },
                {
                    "name": "other-events",
                    "priority": 3,
                    "match": {"prefix": "/client-error-only/"},
                    "targets": {"v1": 100},
                    "retryPolicy": {**RETRY_2_ON_GATEWAY_ERROR, "httpRetryEvents": ["client-error"]},
                    "timeout": RETRY_BUDGET,
                },
                {
                    # No retry policy: App Mesh's default has no per-retry timeout, and does not retry a 504.
                    "name": "slow",
                    "priority": 4,
                    "match": {"prefix": "/slow"},
                    "targets": {"v1": 100},
                    "timeout": {"perRequest": f"{SLOW_ROUTE_TIMEOUT_S * 1000:.0f}ms"},
                },
                {
                    "name": "long",
                    "priority": 5,
                    "match": {"prefix": "/long/"},
                    "targets": {"v1": 100},
                    "timeout": {"perRequest": "5s"},
                },
                # No retry policy anywhere: App Mesh's hidden default (2 retries on 503) applies.
                {"name": "default", "priority": 10, "match": {"prefix": "/"}, "targets": {"v1": 100}},
            ],
        }
    },
}


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMesh]:
    mesh = LocalMesh(
        meshspec.parse_mesh(SPEC),
        gateway_port=free_port(),
        run_dir=tmp_path_factory.mktemp("policies-run"),
        app_command=flaky_app,
        ready_timeout=30,
    )
    yield from running_mesh(mesh)


def hits(running: LocalMesh, client: httpx.Client, path: str) -> int:
    """How often the app itself saw a path (asked directly, not through the mesh)."""
    return client.get(f"{running.app_url('flaky', 'v1')}/hits", params={"path": path}).json()["hits"]


@pytest.mark.parametrize(
    ("path", "status", "app_hits"),
    [
        pytest.param("/retry/fail-once/a", 200, 2, id="retry-policy-turns-one-503-into-success"),
        pytest.param("/no-retry/fail-once/b", 503, 1, id="max-retries-0-passes-the-503-on"),
        pytest.param("/client-error-only/fail-once/c", 503, 1, id="503-is-not-a-client-error"),
        pytest.param("/fail-once/d", 200, 2, id="no-policy-means-app-mesh-default-retries"),
    ],
)
def test_retry_policy(
    running: LocalMesh, client: httpx.Client, path: str, status: int, app_hits: int
) -> None:
    response = client.get(f"{running.gateway_url}{path}")
    assert response.status_code == status
    assert hits(running, client, path) == app_hits


def test_per_request_timeout_gives_504(running: LocalMesh, client: httpx.Client) -> None:
    """GIVEN the route /slow with a 1.5 s per-request timeout, and no other timeout that could cut it
    first (its service's is 1 s, the sidecar ingress allows 5 s, no per-retry timeout)
    WHEN the app takes 4 s to answer it
    THEN the client gets 504 at 1.5 s, not sooner and not 0.4 s later; a fast answer on the route is a 200"""
    started = time.monotonic()
    response = client.get(f"{running.gateway_url}/slow", params={"ms": 4000})
    elapsed = time.monotonic() - started
    print(f"\n/slow: {response.status_code} after {elapsed:.3f}s (route timeout {SLOW_ROUTE_TIMEOUT_S}s)")
    assert response.status_code == 504
    assert response.text == "upstream request timeout"  # Envoy's own answer: its route timer fired
    # Envoy's timers have millisecond granularity and may fire a hair early; the service's 1 s is far off.
    assert SLOW_ROUTE_TIMEOUT_S - 0.02 <= elapsed < SLOW_ROUTE_TIMEOUT_S + 0.4, elapsed
    # A fast answer on the same route is not affected by the timeout.
    assert client.get(f"{running.gateway_url}/slow", params={"ms": 10}).status_code == 200


def test_a_route_timeout_longer_than_the_services_is_not_cut_by_the_sidecar(
    running: LocalMesh, client: httpx.Client
) -> None:
    """GIVEN a service timeout of 1 s and the route /long/ with 5 s (App Mesh: a long timeout is set on
    the route and on the target's node listener, which the renderer widens to the route's)
    WHEN the app takes 2.5 s to answer /long/slow
    THEN the client gets its 200 after 2.5 s: neither the gateway nor the sidecar's ingress cut it at 1 s"""
    started = time.monotonic()
    response = client.get(f"{running.gateway_url}/long/slow", params={"ms": 2500})
    elapsed = time.monotonic() - started
    assert response.status_code == 200, (response.status_code, response.text)
    assert response.json()["path"] == "/long/slow"
    assert 2.4 <= elapsed < 5, elapsed
