"""A service with two listener ports, end to end through real Envoy.

`web` serves 8080 (its `port`) and 9090 (extraPorts) from one tests/localmesh/fixtures/flaky_app.py
process per version; route `api` (port 8080) sends to v1, route `admin` (port 9090) to v2. The gateway
sends /admin/ and /ops/ (stripped) to web's port 9090 and everything else to its 8080; `client` calls web through its
sidecar's egress, as an app with HTTP_PROXY does. x-served-by names the app port that answered.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest

from fargate_mesh.localmesh.runner import LocalMesh
from fargate_mesh.render.envoy.plan import Endpoint
from tests.helpers.localmesh import fixture_mesh, flaky_app, running_mesh

pytestmark = pytest.mark.e2e

ADMIN_PORT = 9090

SPEC: dict[str, Any] = {
    "name": "ports",
    "namespace": "test.local",
    "domain": "api.test.example.com",
    "hostedZone": "example.com",
    "gateway": {
        "healthCheckPath": "/health",
        "routes": [
            {"match": {"prefix": "/admin/"}, "service": "web", "port": ADMIN_PORT},
            # A rewrite: routed in two stages, through an internal listener of its own for port 9090.
            {
                "match": {"prefix": "/ops/"},
                "rewrite": {"stripPrefix": True},
                "service": "web",
                "port": ADMIN_PORT,
            },
            {"match": {"prefix": "/"}, "service": "web"},
        ],
    },
    "services": {
        "web": {
            "extraPorts": [ADMIN_PORT],
            "versions": {"v1": {}, "v2": {}},
            "routes": [
                {"name": "api", "port": 8080, "targets": {"v1": 100}},
                {"name": "admin", "port": ADMIN_PORT, "targets": {"v2": 100}},
            ],
        },
        "client": {"backends": ["web"], "versions": {"v1": {"weight": 100}}},
    },
}


def app_command(service: str, version: str, at: Endpoint) -> Sequence[str]:
    # The app listens on its extraPorts at the task's own address, as in a Fargate task.
    extra = ["--extra-port", str(ADMIN_PORT)] if service == "web" else []
    return [*flaky_app(service, version, at), *extra]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMesh]:
    yield from running_mesh(fixture_mesh(SPEC, app_command, tmp_path_factory, "ports-run"))


def served(response: httpx.Response) -> tuple[int, str, str]:
    """Status, the version that answered, and the app port it answered on."""
    return (
        response.status_code,
        response.headers["x-app-version"],
        response.headers["x-served-by"].split(":")[-1],
    )


def test_a_gateway_route_with_a_target_port_reaches_the_apps_second_listener(
    running: LocalMesh, client: httpx.Client
) -> None:
    """GIVEN gateway route /admin/ → web port 9090, whose route `admin` (port 9090) sends to v2
    WHEN /admin/users and /users are requested at the gateway
    THEN /admin/users is answered by v2 on app port 9090, /users by v1 on 8080"""
    assert served(client.get(f"{running.gateway_url}/admin/users")) == (200, "v2", str(ADMIN_PORT))
    assert served(client.get(f"{running.gateway_url}/users")) == (200, "v1", "8080")


def test_a_rewriting_gateway_route_with_a_target_port_reaches_the_second_listener(
    running: LocalMesh, client: httpx.Client
) -> None:
    """GIVEN gateway route /ops/ (stripPrefix) → web port 9090
    WHEN /ops/users is requested at the gateway
    THEN v2 answers on app port 9090, and the app saw /users"""
    response = client.get(f"{running.gateway_url}/ops/users")
    assert served(response) == (200, "v2", str(ADMIN_PORT))
    assert response.json()["path"] == "/users"


def test_a_peer_dials_the_port_it_calls(running: LocalMesh, client: httpx.Client) -> None:
    """GIVEN client, whose backend web has ports 8080 and 9090
    WHEN requests for web.test.local:9090, web.test.local:8080 and web.test.local go through client's
    egress (its app's HTTP proxy)
    THEN 9090 reaches v2's second listener; the others v1 on 8080"""
    egress = running.plan.sidecar("client", "v1").egress
    with httpx.Client(proxy=f"http://{egress}", timeout=10) as proxied:
        assert served(proxied.get(f"http://web.test.local:{ADMIN_PORT}/x")) == (200, "v2", str(ADMIN_PORT))
        assert served(proxied.get("http://web.test.local:8080/x")) == (200, "v1", "8080")
        assert served(proxied.get("http://web.test.local/x")) == (200, "v1", "8080")
