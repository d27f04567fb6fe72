"""A `protocol: http2` service on this machine: its sidecar speaks h2c to the app, so the app must
serve h2c. The real sample app does, from the environment the mesh gives it (APP_PROTOCOL=http2),
started by the same command as in its image."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
import yaml

from fargate_mesh import spec as meshspec
from fargate_mesh.localmesh.runner import LocalMesh
from tests.helpers.localmesh import free_port, running_mesh
from tests.helpers.meshes import APPS, STACKS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMesh]:
    """GIVEN the dev stack with prices switched to `protocol: http2`"""
    document = yaml.safe_load((STACKS / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    spec = document["config"]["myshop:mesh"]
    spec["services"]["prices"]["protocol"] = "http2"
    mesh = LocalMesh(
        meshspec.parse_mesh(spec),
        gateway_port=free_port(),
        run_dir=tmp_path_factory.mktemp("http2-run"),
        apps_dir=APPS,
        ready_timeout=30,
    )
    yield from running_mesh(mesh)


def test_an_http2_service_is_served_through_the_gateway_and_its_callers(
    running: LocalMesh, client: httpx.Client
) -> None:
    """WHEN a client calls prices through the gateway, and products (which calls prices) likewise
    THEN both answer, and prices' sidecar received every request from its app over HTTP/2"""
    prices = client.get(f"{running.gateway_url}/v1/prices")
    assert prices.status_code == 200, prices.text
    product = client.get(f"{running.gateway_url}/v1/products/p-001", headers={"x-canary": "false"})
    assert product.status_code == 200
    assert product.json()["priceStatus"] == "ok", product.json()

    stats = client.get(f"{running.admin_url('prices', 'v1')}/stats").text
    # The sidecar's local cluster to its app: requests went out as HTTP/2 and none as HTTP/1.
    h2 = re.search(r"^cluster\.[^\n]*prices[^\n]*\.upstream_cx_http2_total: (\d+)$", stats, re.MULTILINE)
    assert h2 is not None and int(h2.group(1)) >= 1, "no HTTP/2 connection from prices' sidecar to its app"


def test_the_http2_app_was_started_with_app_protocol(running: LocalMesh) -> None:
    """THEN prices' app process got APP_PROTOCOL=http2 (from the compiled environment, as on AWS)
    and products', an http service, got none"""
    env = {p.name: dict(p.env or {}) for p in running.processes if p.name.endswith(" app")}
    prices = next(e for name, e in env.items() if name.startswith("prices"))
    products = next(e for name, e in env.items() if name.startswith("products"))
    assert prices.get("APP_PROTOCOL") == "http2"
    assert "APP_PROTOCOL" not in products
