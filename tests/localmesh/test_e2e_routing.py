"""Router routes and egress, end to end: matches, weights and external backends through real Envoy.

The spec is built here (not a stack file). Every version runs tests/localmesh/fixtures/flaky_app.py
through LocalMesh's app_command hook; its x-app-version header says which version answered.

`web` is behind the gateway with seven router routes. The default route splits v1/v2 80/20; each
matcher route sends to a version of its own (v3..v6) that nothing else reaches, so one answer from
that version proves that route took the request. The spec lists the routes out of priority order
(the default first), so only the priorities can make the narrower routes win.

`caller` is not behind the gateway; its sidecar's egress listener is used as an HTTP proxy, as its
app would use it. Its only backend is the external `partner`; the external `other` belongs to
`web`. Both externals point at a stand-in HTTP server started here, so a request that leaks past
the egress filter would be seen.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from fargate_mesh import spec as meshspec
from fargate_mesh.localmesh.runner import LocalMesh
from fargate_mesh.render.envoy.plan import Endpoint
from tests.helpers.localmesh import flaky_app, free_port, running_mesh

pytestmark = pytest.mark.e2e

DEFAULT_SPLIT = {"v1": 80, "v2": 20}
# Each matcher route's own version: nothing else routes there.
MATCHER_VERSION = {"exact-path": "v3", "regex-path": "v4", "query": "v5", "build-range": "v6"}

SPEC = {
    "name": "routing",
    "namespace": "test.local",
    "domain": "api.test.example.com",
    "hostedZone": "example.com",
    "gateway": {"routes": [{"match": {"prefix": "/"}, "service": "web"}]},
    "external": {
        "partner": {"host": "partner.example", "port": 8081, "tls": False},
        "other": {"host": "other.example", "port": 8081, "tls": False},
    },
    "services": {
        "web": {
            "healthCheck": {"path": "/health"},
            "backends": ["other"],
            "versions": {v: {} for v in ("v1", "v2", "v3", "v4", "v5", "v6")},
            # Out of priority order on purpose: written order must not decide.
            "routes": [
                {"name": "default", "priority": 10, "targets": DEFAULT_SPLIT},
                {"name": "post-v1", "priority": 2, "match": {"method": "POST"}, "targets": {"v1": 100}},
                {
                    "name": "canary",
                    "priority": 1,
                    "match": {"headers": [{"name": "x-canary", "exact": "true"}]},
                    "targets": {"v2": 100},
                },
                {
                    "name": "exact-path",
                    "priority": 3,
                    "match": {"path": {"exact": "/exact/path"}},
                    "targets": {"v3": 100},
                },
                {
                    "name": "regex-path",
                    "priority": 4,
                    "match": {"path": {"regex": "/items/[0-9]+"}},
                    "targets": {"v4": 100},
                },
                {
                    "name": "query",
                    "priority": 5,
                    "match": {"queryParameters": [{"name": "tier", "exact": "gold"}]},
                    "targets": {"v5": 100},
                },
                {
                    "name": "build-range",
                    "priority": 6,
                    "match": {"headers": [{"name": "x-build", "range": {"start": 100, "end": 200}}]},
                    "targets": {"v6": 100},
                },
            ],
        },
        "caller": {
            "healthCheck": {"path": "/health"},
            "backends": ["partner"],
            "versions": {"v1": {"weight": 100}},
        },
    },
}


class StandIn:
    """A stand-in for the external backends: answers 200 and remembers each request it saw."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []  # (method, path with query, Host)
        lock = threading.Lock()
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # as in flaky_app.py: no delayed-ACK wait per response

            def do_GET(self) -> None:
                with lock:
                    seen.append((self.command, self.path, self.headers.get("host", "")))
                self.send_response(200)
                self.send_header("x-stand-in", "yes")
                self.send_header("content-length", "8")
                self.end_headers()
                self.wfile.write(b"stand-in")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="stand-in", daemon=True)

    @property
    def endpoint(self) -> Endpoint:
        host, port = self.server.server_address[:2]
        return Endpoint(str(host), int(port))

    def paths(self) -> list[str]:
        return [path for _, path, _ in self.seen]


@pytest.fixture(scope="module")
def stand_in() -> Iterator[StandIn]:
    server = StandIn()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
        server.thread.join(timeout=5)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, stand_in: StandIn) -> Iterator[LocalMesh]:
    mesh = LocalMesh(
        meshspec.parse_mesh(SPEC),
        gateway_port=free_port(),
        run_dir=tmp_path_factory.mktemp("routing-run"),
        app_command=flaky_app,
        external={"partner": stand_in.endpoint, "other": stand_in.endpoint},
        ready_timeout=30,
    )
    yield from running_mesh(mesh)


def version_of(response: httpx.Response) -> str:
    assert response.status_code == 200, (response.status_code, response.text)
    return response.headers["x-app-version"]


def versions(client: httpx.Client, method: str, url: str, n: int, **kwargs: Any) -> Counter[str]:
    """Which versions answered n identical requests."""
    return Counter(version_of(client.request(method, url, **kwargs)) for _ in range(n))


def via_egress(running: LocalMesh, service: str, url: str) -> httpx.Response:
    """A GET through the sidecar's egress listener, as the service's app (HTTP_PROXY) would send it."""
    with httpx.Client(proxy=running.egress_proxy_url(service, "v1"), trust_env=False, timeout=5) as c:
        return c.get(url)


# --- header and weights -----------------------------------------------------------------------


def test_header_canary_reaches_only_v2_while_the_rest_follows_the_weights(
    running: LocalMesh, client: httpx.Client
) -> None:
    """GIVEN route `canary` (priority 1, x-canary exact "true" → v2) and `default` (v1 80, v2 20)
    WHEN 30 requests carry x-canary: true and 400 carry no such header
    THEN all 30 are answered by v2, and of the 400, v2's share is binomial around 20 % with v1 the rest.
    """
    canary = versions(client, "GET", f"{running.gateway_url}/split", 30, headers={"x-canary": "true"})
    assert canary == {"v2": 30}

    n, p = 400, DEFAULT_SPLIT["v2"] / 100
    rest = versions(client, "GET", f"{running.gateway_url}/split", n)
    assert set(rest) == {"v1", "v2"}, rest
    # Envoy picks a weighted cluster at random per request: v2's count is binomial(400, 20 %).
    # 4.5 sigma (±36): a correct mesh fails once in ~150,000 runs; 50/50 or 100/0 fails every time.
    sigma = math.sqrt(n * p * (1 - p))
    assert abs(rest["v2"] - n * p) <= 4.5 * sigma, rest


def test_header_canary_is_an_exact_match(running: LocalMesh, client: httpx.Client) -> None:
    """GIVEN the canary route's x-canary exact "true"
    WHEN 40 requests carry x-canary: "TRUE" and 40 carry "true-ish"
    THEN the default split serves them: v1 answers some (all-v2 by chance: 0.2^40)."""
    for value in ("TRUE", "true-ish"):
        seen = versions(client, "GET", f"{running.gateway_url}/split", 40, headers={"x-canary": value})
        assert "v1" in seen and set(seen) <= {"v1", "v2"}, (value, seen)


# --- method -----------------------------------------------------------------------------------


def test_post_goes_to_v1_only_while_other_methods_split(running: LocalMesh, client: httpx.Client) -> None:
    """GIVEN route `post-v1` (priority 2, method POST → v1) above the 80/20 default
    WHEN 100 POSTs with a body, 100 PUTs and 100 GETs are sent to the same path
    THEN every POST is answered by v1, which saw a POST and its whole body; PUTs and GETs reach
    both v1 and v2 (a correct mesh sends none of 100 to v2 once in ~5 billion runs)."""
    url = f"{running.gateway_url}/orders"
    posts: Counter[str] = Counter()
    for i in range(100):
        payload = f'{{"order": {i}}}'.encode()
        response = client.post(url, content=payload, headers={"content-type": "application/json"})
        posts[version_of(response)] += 1
        body = response.json()
        assert body["method"] == "POST" and body["received"] == len(payload), body
    assert posts == {"v1": 100}

    for method in ("PUT", "GET"):
        seen = versions(client, method, url, 100, content=b"x" if method == "PUT" else None)
        assert set(seen) == {"v1", "v2"}, (method, seen)


def test_priority_not_written_order_decides_between_two_matching_routes(
    running: LocalMesh, client: httpx.Client
) -> None:
    """GIVEN a POST that matches both `post-v1` (priority 2) and `canary` (priority 1), with `canary`
    written after `post-v1` in the spec
    WHEN 20 POSTs carry x-canary: true
    THEN `canary` takes them all: v2 answers and saw a POST."""
    for _ in range(20):
        response = client.post(f"{running.gateway_url}/orders", content=b"{}", headers={"x-canary": "true"})
        assert version_of(response) == "v2"
        assert response.json()["method"] == "POST"


# --- other matchers ---------------------------------------------------------------------------

Request = tuple[str, dict[str, str]]  # path with query, headers


@pytest.mark.parametrize(
    ("route", "matching", "not_matching"),
    [
        pytest.param(
            "exact-path",
            [("/exact/path", {}), ("/exact/path?page=2", {})],  # the query string is not the path
            [("/exact/path/more", {}), ("/exact/pat", {}), ("/exact/path2", {}), ("/Exact/path", {})],
            id="exact-path",
        ),
        pytest.param(
            "regex-path",
            [("/items/7", {}), ("/items/12345?x=1", {})],
            [("/items/abc", {}), ("/items/7/reviews", {}), ("/v1/items/7", {}), ("/items/", {})],
            id="regex-path-matches-the-whole-path",
        ),
        pytest.param(
            "query",
            [("/search?tier=gold", {}), ("/search?page=2&tier=gold", {})],
            [
                ("/search?tier=golden", {}),
                ("/search?tier=GOLD", {}),
                ("/search?level=gold", {}),
                ("/search", {}),
            ],
            id="query-parameter-exact",
        ),
        pytest.param(
            "build-range",
            [("/b", {"x-build": "100"}), ("/b", {"x-build": "150"}), ("/b", {"x-build": "199"})],
            [("/b", {"x-build": "99"}), ("/b", {"x-build": "200"}), ("/b", {"x-build": "abc"}), ("/b", {})],
            id="header-range-start-inclusive-end-exclusive",
        ),
    ],
)
def test_matcher_routes_to_its_own_version(
    running: LocalMesh,
    client: httpx.Client,
    route: str,
    matching: list[Request],
    not_matching: list[Request],
) -> None:
    """GIVEN a route whose match is a path, regex, query parameter or header range, sending to a
    version nothing else reaches
    WHEN requests that match, and near misses that do not, pass through the gateway
    THEN every match is answered by that version and every near miss by the default split (v1/v2)."""
    own = MATCHER_VERSION[route]
    for path, headers in matching:
        assert version_of(client.get(f"{running.gateway_url}{path}", headers=headers)) == own, (path, headers)
    for path, headers in not_matching:
        got = version_of(client.get(f"{running.gateway_url}{path}", headers=headers))
        assert got in DEFAULT_SPLIT, (path, headers, got)


# --- external backends and the egress filter --------------------------------------------------


def test_declared_external_backend_is_reached_through_the_egress(
    running: LocalMesh, stand_in: StandIn
) -> None:
    """GIVEN caller's backends [partner], partner = partner.example:8081 (no TLS), reached locally at the stand-in
    WHEN the caller's app calls http://partner.example:8081/anything?q=1 through its sidecar
    THEN the stand-in answers 200 and saw that GET, with the Host the app used."""
    response = via_egress(running, "caller", "http://partner.example:8081/anything?q=1")
    assert response.status_code == 200, response.text
    assert response.headers.get("x-stand-in") == "yes" and response.text == "stand-in"
    assert ("GET", "/anything?q=1", "partner.example:8081") in stand_in.seen


def test_an_external_is_reached_only_by_the_service_that_declares_it(
    running: LocalMesh, stand_in: StandIn
) -> None:
    """GIVEN the external `other` (other.example:8081, at the stand-in) in web's backends, not caller's
    WHEN web's app and then caller's app call it through their sidecars
    THEN web reaches the stand-in; caller gets the egress filter's 404 and the stand-in never sees it."""
    allowed = via_egress(running, "web", "http://other.example:8081/from-web")
    assert allowed.status_code == 200 and allowed.headers.get("x-stand-in") == "yes"
    assert "/from-web" in stand_in.paths()

    refused = via_egress(running, "caller", "http://other.example:8081/from-caller")
    assert refused.status_code == 404
    assert "egress refused: other.example:8081 is not a backend of caller" in refused.text
    assert "/from-caller" not in stand_in.paths()


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://unknown.example:8081/leak-unknown", id="host-unknown-to-the-mesh"),
        pytest.param("http://partner.example.evil:8081/leak-suffix", id="declared-host-as-a-prefix"),
        pytest.param("http://web.test.local:8080/leak-web", id="mesh-service-not-declared"),
    ],
)
def test_undeclared_destinations_are_refused(
    running: LocalMesh, client: httpx.Client, stand_in: StandIn, url: str
) -> None:
    """GIVEN caller's backends [partner] under DROP_ALL
    WHEN the caller's app calls a host it did not declare: unknown, look-alike, or a mesh service
    THEN its sidecar answers 404 itself, naming the host, and neither the stand-in nor web's apps
    see the request."""
    response = via_egress(running, "caller", url)
    host = httpx.URL(url).netloc.decode()
    assert response.status_code == 404
    assert f"egress refused: {host} is not a backend of caller" in response.text
    assert "x-app-version" not in response.headers and "x-stand-in" not in response.headers
    path = httpx.URL(url).path
    assert path not in stand_in.paths()
    for version in [*DEFAULT_SPLIT, *MATCHER_VERSION.values()]:
        hits = client.get(f"{running.app_url('web', version)}/hits", params={"path": path}).json()["hits"]
        assert hits == 0, (version, hits)
