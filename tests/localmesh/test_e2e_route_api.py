"""The rest of App Mesh's route API, end to end through real Envoy: presence matches, scheme, equal
priorities, a gateway rewrite to an exact path, listener timeouts, connection pools and gRPC.

`web` runs tests/localmesh/fixtures/flaky_app.py in six versions; each matcher route sends to a
version nothing else reaches (x-app-version says who answered). `pool` limits its app to one
connection and one pending request. `slow` has a 1 s route timeout but a 3 s listener timeout.
`greeter` is a grpc service running tests/localmesh/fixtures/grpc_app.py (grpcio), reached through
the gateway by gRPC service name.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import h2.connection
import h2.events
import httpx
import pytest

from fargate_mesh.localmesh.runner import LocalMesh
from fargate_mesh.render.envoy.plan import Endpoint
from tests.helpers.localmesh import FIXTURES, fixture_mesh, flaky_app, running_mesh

pytestmark = pytest.mark.e2e

NO_RETRY = {"maxRetries": 0, "perRetryTimeout": "5s", "httpRetryEvents": ["server-error"]}

SPEC: dict[str, Any] = {
    "name": "routeapi",
    "namespace": "test.local",
    "domain": "api.test.example.com",
    "hostedZone": "example.com",
    "gateway": {
        "healthCheckPath": "/health",
        "routes": [
            {"match": {"prefix": "/"}, "service": "web"},
            {"match": {"prefix": "/pool/"}, "service": "pool"},
            {"match": {"prefix": "/slow-service/"}, "service": "slow"},
            {
                "name": "status",
                "match": {"path": {"exact": "/status"}},
                "rewrite": {"path": "/rewritten/status"},
                "service": "web",
            },
            {"match": {"serviceName": "demo.Greeter"}, "service": "greeter"},
        ],
    },
    "services": {
        "web": {
            "versions": {v: {} for v in ("v1", "v2", "v3", "v4", "v5", "v6")},
            "routes": [
                {"name": "default", "priority": 10, "targets": {"v1": 100}},
                {
                    "name": "debug-present",
                    "priority": 1,
                    "match": {"headers": [{"name": "x-debug", "present": True}]},
                    "targets": {"v2": 100},
                },
                {
                    "name": "anonymous",
                    "priority": 2,
                    "match": {"prefix": "/account", "headers": [{"name": "x-user", "present": False}]},
                    "targets": {"v3": 100},
                },
                {
                    "name": "preview",
                    "priority": 3,
                    "match": {"queryParameters": [{"name": "preview", "present": True}]},
                    "targets": {"v4": 100},
                },
                {"name": "https-only", "priority": 4, "match": {"scheme": "https"}, "targets": {"v5": 100}},
                # Equal priorities, the shorter prefix written first: the longer path must win.
                {"name": "eq-short", "priority": 5, "match": {"prefix": "/eq"}, "targets": {"v1": 100}},
                {"name": "eq-long", "priority": 5, "match": {"prefix": "/eq/long"}, "targets": {"v6": 100}},
            ],
        },
        "pool": {
            "connectionPool": {"maxConnections": 1, "maxPendingRequests": 1},
            "retryPolicy": NO_RETRY,
            "versions": {"v1": {"weight": 100}},
        },
        "slow": {
            "timeout": {"perRequest": "1s"},
            "listenerTimeout": {"perRequest": "3s"},
            "retryPolicy": NO_RETRY,
            "versions": {"v1": {"weight": 100}},
        },
        "greeter": {
            "protocol": "grpc",
            "versions": {"v1": {}, "v2": {}},
            "routes": [
                {
                    "name": "hello-gold",
                    "priority": 1,
                    "match": {
                        "serviceName": "demo.Greeter",
                        "methodName": "Hello",
                        "metadata": [{"name": "x-tier", "exact": "gold"}],
                    },
                    "targets": {"v2": 100},
                },
                {
                    "name": "flaky",
                    "priority": 3,
                    "match": {"serviceName": "demo.Greeter", "methodName": "Flaky"},
                    "targets": {"v1": 100},
                    "retryPolicy": {
                        "maxRetries": 2,
                        "perRetryTimeout": "2s",
                        "grpcRetryEvents": ["unavailable"],
                    },
                },
                {
                    "name": "flaky-no-retry",
                    "priority": 2,
                    "match": {
                        "serviceName": "demo.Greeter",
                        "methodName": "Flaky",
                        "metadata": [{"name": "x-no-retry", "present": True}],
                    },
                    "targets": {"v1": 100},
                    "retryPolicy": {
                        "maxRetries": 0,
                        "perRetryTimeout": "2s",
                        "grpcRetryEvents": ["unavailable"],
                    },
                },
                {
                    "name": "greeter",
                    "priority": 4,
                    "match": {"serviceName": "demo.Greeter"},
                    "targets": {"v1": 100},
                },
            ],
        },
    },
}


def app_command(service: str, version: str, at: Endpoint) -> Sequence[str]:
    if service == "greeter":
        return [sys.executable, str(FIXTURES / "grpc_app.py"), "--host", at.host, "--port", str(at.port)]
    return flaky_app(service, version, at)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMesh]:
    yield from running_mesh(fixture_mesh(SPEC, app_command, tmp_path_factory, "route-api-run"))


def answered_by(client: httpx.Client, url: str, **kwargs: Any) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code, response.text)
    return response.headers["x-app-version"]


# --- presence, scheme, equal priorities ---------------------------------------------------------


def test_a_header_that_is_sent_matches_whatever_its_value(running: LocalMesh, client: httpx.Client) -> None:
    """GIVEN route debug-present (x-debug present → v2) above the default (v1)
    WHEN requests carry x-debug with values "1", "" -less "no", and none
    THEN every request with the header reaches v2, the one without it v1"""
    for value in ("1", "no", "anything at all"):
        assert answered_by(client, f"{running.gateway_url}/x", headers={"x-debug": value}) == "v2", value
    assert answered_by(client, f"{running.gateway_url}/x") == "v1"


def test_a_header_that_is_not_sent_matches_absent(running: LocalMesh, client: httpx.Client) -> None:
    """GIVEN route anonymous (prefix /account, x-user absent → v3)
    WHEN /account is requested without x-user, with x-user: bob, and with an empty x-user
    THEN only the request without the header reaches v3; the others fall through to v1"""
    assert answered_by(client, f"{running.gateway_url}/account") == "v3"
    assert answered_by(client, f"{running.gateway_url}/account", headers={"x-user": "bob"}) == "v1"
    assert answered_by(client, f"{running.gateway_url}/account", headers={"x-user": ""}) == "v1"


def test_a_query_parameter_that_is_present_matches_any_value(
    running: LocalMesh, client: httpx.Client
) -> None:
    """GIVEN route preview (?preview present → v4)
    WHEN ?preview=1, ?preview= , ?a=1&preview and ?previewed=1 are requested
    THEN the first three reach v4, the near miss v1"""
    for query in ("preview=1", "preview=", "a=1&preview"):
        assert answered_by(client, f"{running.gateway_url}/p?{query}") == "v4", query
    assert answered_by(client, f"{running.gateway_url}/p?previewed=1") == "v1"


def h2_get(at: Endpoint, path: str, scheme: str) -> dict[str, str]:
    """The response headers of one HTTP/2 GET over plain TCP (h2c) with the :scheme given: what a
    client behind a TLS-terminating proxy sends. httpx cannot send https without TLS."""
    conn = h2.connection.H2Connection()
    with socket.create_connection((at.host, at.port), timeout=5) as sock:
        conn.initiate_connection()
        conn.send_headers(
            1,
            [
                (":method", "GET"),
                (":scheme", scheme),
                (":authority", "api.test.example.com"),
                (":path", path),
            ],
            end_stream=True,
        )
        sock.sendall(conn.data_to_send())
        headers: dict[str, str] = {}
        while True:
            for event in conn.receive_data(sock.recv(65536)):
                if isinstance(event, h2.events.ResponseReceived):
                    headers = {k.decode(): v.decode() for k, v in event.headers}
                if isinstance(event, h2.events.StreamEnded):
                    return headers
            sock.sendall(conn.data_to_send())


def test_scheme_https_matches_only_https_requests(running: LocalMesh) -> None:
    """GIVEN route https-only (scheme https → v5)
    WHEN an HTTP/2 client sends :scheme https and then :scheme http to the gateway (plain h2c)
    THEN https reaches v5 and http the default, v1"""
    https = h2_get(running.plan.gateway, "/s", "https")
    assert (https[":status"], https.get("x-app-version")) == ("200", "v5"), https
    plain = h2_get(running.plan.gateway, "/s", "http")
    assert (plain[":status"], plain.get("x-app-version")) == ("200", "v1"), plain


def test_equal_priorities_are_ordered_longest_path_first(running: LocalMesh, client: httpx.Client) -> None:
    """GIVEN eq-short (/eq → v1) and eq-long (/eq/long → v6), both priority 5, eq-short written first
    WHEN /eq/long/7 and /eq/other are requested
    THEN /eq/long/7 reaches v6 (the longer prefix first, as App Mesh sorts) and /eq/other v1"""
    assert answered_by(client, f"{running.gateway_url}/eq/long/7") == "v6"
    assert answered_by(client, f"{running.gateway_url}/eq/other") == "v1"


# --- rewrite --------------------------------------------------------------------------------------


def test_the_gateway_rewrites_an_exact_path_keeping_the_query(
    running: LocalMesh, client: httpx.Client
) -> None:
    """GIVEN gateway route status (exact /status, rewrite path /rewritten/status)
    WHEN /status?x=1 is requested, then /status/more
    THEN the app saw /rewritten/status (query kept); /status/more is not rewritten"""
    response = client.get(f"{running.gateway_url}/status?x=1")
    assert response.status_code == 200 and response.json()["path"] == "/rewritten/status"
    hits = client.get(f"{running.app_url('web', 'v1')}/hits", params={"path": "/status"}).json()["hits"]
    assert hits == 0
    assert client.get(f"{running.gateway_url}/status/more").json()["path"] == "/status/more"


# --- listener timeout and connection pool -------------------------------------------------------


def test_the_listener_timeout_is_apart_from_the_route_timeout(
    running: LocalMesh, client: httpx.Client
) -> None:
    """GIVEN slow: route timeout 1s, listener timeout 3s
    WHEN a 1.8 s request goes through the gateway, then straight to slow-v1's sidecar ingress
    THEN the gateway cuts it at the route's 1 s (504), and the listener lets it finish (200)"""
    start = time.monotonic()
    cut = client.get(f"{running.gateway_url}/slow-service/slow?ms=1800")
    took = time.monotonic() - start
    assert cut.status_code == 504 and 0.9 <= took < 1.6, (cut.status_code, took)
    ingress = running.plan.sidecar("slow", "v1").ingress
    start = time.monotonic()
    kept = client.get(f"http://{ingress}/slow-service/slow?ms=1800", headers={"host": "slow.test.local"})
    assert kept.status_code == 200 and time.monotonic() - start >= 1.7, kept.status_code


def test_the_connection_pool_sheds_what_it_cannot_hold(running: LocalMesh, client: httpx.Client) -> None:
    """GIVEN pool: at most 1 connection and 1 pending request to its app, no retries
    WHEN 6 requests that each take 1.5 s are sent at once (each on its own connection)
    THEN 2 are served (one on the connection, one queued) and 4 get 503 at once, which the sidecar
    counts as pending overflow (at least 4: the callers' health checks share the pool)"""
    before = pending_overflow(client, running)
    clients = [httpx.Client(trust_env=False, timeout=10) for _ in range(6)]
    for each in clients:  # connect first, so that the requests themselves leave together
        assert each.get(f"{running.gateway_url}/pool/warm").status_code == 200
    start = threading.Barrier(6)

    def send(own: httpx.Client) -> tuple[int, float]:
        start.wait()
        began = time.monotonic()
        status = own.get(f"{running.gateway_url}/pool/slow?ms=1500").status_code
        return status, time.monotonic() - began

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(send, clients))
    for each in clients:
        each.close()
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 200, 503, 503, 503, 503], results
    assert all(took < 1.0 for status, took in results if status == 503), results
    assert pending_overflow(client, running) - before >= 4


def pending_overflow(client: httpx.Client, running: LocalMesh) -> int:
    """pool-v1's sidecar: requests to its app refused by the connection pool."""
    stats = client.get(f"{running.admin_url('pool', 'v1')}/stats", params={"filter": "pending_overflow"}).text
    (count,) = [int(line.split(": ")[1]) for line in stats.splitlines() if "cds_ingress" in line]
    return count


# --- gRPC ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def channel(running: LocalMesh) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(str(running.plan.gateway)) as ch:
        yield ch


def call(
    channel: grpc.Channel, method: str, body: bytes = b"", metadata: Sequence[tuple[str, str]] = ()
) -> Any:
    """A unary call with raw bytes; returns (response, call) for its trailing metadata."""
    stub = channel.unary_unary(f"/demo.Greeter/{method}")
    return stub.with_call(body, metadata=tuple(metadata), timeout=5)


def test_grpc_calls_are_routed_by_method_and_metadata_through_the_gateway(channel: grpc.Channel) -> None:
    """GIVEN greeter routes: hello-gold (Hello with x-tier gold → v2) above greeter (→ v1)
    WHEN Hello is called with x-tier gold, with x-tier silver, and without; then Count
    THEN gold reaches v2 (which saw the metadata), silver and none v1, and Count v1 (the service route)"""
    response, done = call(channel, "Hello", metadata=[("x-tier", "gold")])
    assert response == b"v2" and ("x-seen-tier", "gold") in done.trailing_metadata()
    assert call(channel, "Hello", metadata=[("x-tier", "silver")])[0] == b"v1"
    assert call(channel, "Hello")[0] == b"v1"
    assert call(channel, "Count", b"nothing")[0] == b"0"


def test_grpc_unavailable_is_retried_on_the_route_that_says_so(channel: grpc.Channel) -> None:
    """GIVEN route flaky (Flaky, grpcRetryEvents [unavailable], 2 retries) and flaky-no-retry
    (x-no-retry present, the same event with 0 retries)
    WHEN Flaky, which fails UNAVAILABLE the first time it sees a body, is called on each route
    THEN the retrying route answers OK after two attempts; the other fails UNAVAILABLE after one"""
    assert call(channel, "Flaky", b"a")[0] == b"v1"
    assert call(channel, "Count", b"a")[0] == b"2"
    with pytest.raises(grpc.RpcError) as failed:
        call(channel, "Flaky", b"b", metadata=[("x-no-retry", "1")])
    assert failed.value.code() == grpc.StatusCode.UNAVAILABLE
    assert call(channel, "Count", b"b")[0] == b"1"
