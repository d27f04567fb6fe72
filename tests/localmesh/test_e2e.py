"""The dev stack on this machine, on the Fargate plan: real Envoy, running the bootstraps shipped to
AWS, in front of the sample apps, real HTTP through it.

One mesh for the whole module (startup is the slow part); every test only reads from it.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from fargate_mesh import naming
from fargate_mesh import spec as meshspec
from fargate_mesh.localmesh.runner import LocalMesh, file_name
from fargate_mesh.render.envoy import GATEWAY, render_all
from fargate_mesh.render.envoy.plan import fargate_plan
from tests.helpers.envoy import differences
from tests.helpers.localmesh import free_port, running_mesh
from tests.helpers.meshes import APPS, STACKS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def dev() -> meshspec.Mesh:
    return meshspec.load_stack_file(STACKS / "Pulumi.dev.yaml")


@pytest.fixture(scope="module")
def running(dev: meshspec.Mesh, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMesh]:
    mesh = LocalMesh(
        dev,
        gateway_port=free_port(),
        run_dir=tmp_path_factory.mktemp("dev-run"),
        apps_dir=APPS,
        ready_timeout=30,
    )
    yield from running_mesh(mesh)


def stat(client: httpx.Client, admin: str, name: str) -> int:
    """One counter from an Envoy admin interface (0 when Envoy has not created it yet)."""
    text = client.get(f"{admin}/stats", params={"filter": f"^{re.escape(name)}$"}).text
    match = re.search(rf"^{re.escape(name)}: (\d+)$", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def test_products_through_the_gateway(running: LocalMesh, client: httpx.Client) -> None:
    response = client.get(f"{running.gateway_url}/v1/products")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["items"] and body["items"][0]["id"] == "p-001"
    assert response.headers["x-app-version"] in {"v1", "v2"}


def test_prices_through_the_gateway(running: LocalMesh, client: httpx.Client) -> None:
    response = client.get(f"{running.gateway_url}/v1/prices")
    assert response.status_code == 200
    assert response.headers["x-app-version"] == "v1"
    assert any(item["productId"] == "p-001" for item in response.json()["items"])


def test_unmatched_path_is_404_at_the_gateway(running: LocalMesh, client: httpx.Client) -> None:
    response = client.get(f"{running.gateway_url}/v2/elsewhere")
    assert response.status_code == 404
    assert "x-app-version" not in response.headers  # Envoy answered: no app was asked


def test_product_price_is_fetched_through_the_products_sidecar_egress(
    running: LocalMesh, dev: meshspec.Mesh, client: httpx.Client
) -> None:
    # The products app calls http://prices.shop.local:8080 with HTTP_PROXY = its sidecar's egress:
    # the request must show up on that sidecar's egress cluster for prices-v1.
    prices = dev.services["prices"]
    cluster = naming.egress_cluster(dev.name, "prices-v1", prices.protocol, prices.port)
    counter = f"cluster.{cluster}.upstream_rq_total"
    admins = [running.admin_url("products", v) for v in dev.services["products"].versions]
    before = sum(stat(client, admin, counter) for admin in admins)

    response = client.get(f"{running.gateway_url}/v1/products/p-001")

    assert response.status_code == 200
    body = response.json()
    assert body["priceStatus"] == "ok", body
    assert body["price"]["amountCents"] > 0
    assert body["pricesVersion"] == "v1"
    after = sum(stat(client, admin, counter) for admin in admins)
    # At least one: a retry (App Mesh's default policy retries a 503) may add more. Not vacuous: an
    # app that reached prices any other way would leave the counter where it was.
    assert after - before >= 1, (before, after)


def test_egress_serves_declared_backends_only(running: LocalMesh, client: httpx.Client) -> None:
    def via(service: str, url: str) -> httpx.Response:
        # The sidecar's egress is an HTTP proxy: httpx sends it the absolute URL and resolves nothing.
        with httpx.Client(proxy=running.egress_proxy_url(service, "v1"), trust_env=False, timeout=5) as c:
            return c.get(url)

    # Declared: products → prices.
    declared = via("products", "http://prices.shop.local:8080/v1/prices/p-001")
    assert declared.status_code == 200 and declared.json()["productId"] == "p-001"
    # Prices declares no backends: products is refused, as is any other host.
    refused = via("prices", "http://products.shop.local:8080/v1/products")
    assert refused.status_code == 404
    assert "egress refused" in refused.text and "x-app-version" not in refused.headers
    assert via("prices", "http://unknown.example.invalid/").status_code == 404
    assert via("products", "http://unknown.shop.local:8080/v1/products").status_code == 404
    # Declared but external: routed (not refused), yet never sent off this machine.
    external = via("products", "http://api.payments.example/v1/charges")
    assert external.status_code == 503 and "egress refused" not in external.text


def test_weighted_split_90_10(running: LocalMesh) -> None:
    n, p = 1000, 0.10

    def version(_: int) -> str:
        response = pool_client.get(f"{running.gateway_url}/v1/products", params={"limit": 1})
        assert response.status_code == 200
        return response.headers["x-app-version"]

    with (
        httpx.Client(trust_env=False, timeout=10, limits=httpx.Limits(max_connections=4)) as pool_client,
        ThreadPoolExecutor(4) as pool,
    ):
        seen = Counter(pool.map(version, range(n)))

    assert set(seen) <= {"v1", "v2"}
    # Envoy picks a weighted cluster at random per request: v2's count is binomial(n, 10 %).
    # 4.5 sigma: a correct mesh fails this once in ~150,000 runs; 80/20 or 100/0 fails every time.
    sigma = math.sqrt(n * p * (1 - p))
    print(
        f"\n90/10 split over {n} requests: v1 {seen['v1']}, v2 {seen['v2']} (band {n * p:.0f} ± {4.5 * sigma:.0f})"
    )
    assert abs(seen["v2"] - n * p) <= 4.5 * sigma, seen


def test_canary_header_reaches_only_v2(running: LocalMesh, client: httpx.Client) -> None:
    versions = Counter(
        client.get(f"{running.gateway_url}/v1/products", headers={"x-canary": "true"}).headers[
            "x-app-version"
        ]
        for _ in range(100)
    )
    assert versions == Counter({"v2": 100})


def test_every_process_logs_to_its_own_file(running: LocalMesh) -> None:
    logs = {p.log_path for p in running.processes}
    assert len(logs) == len(running.processes) == 7  # 3 apps, 3 sidecars, 1 gateway
    assert all(Path(log).stat().st_size > 0 for log in logs)
    access = sorted(p.name for p in running.access_log_dir.iterdir())
    assert access == sorted(
        ["gateway.access.log", "products-v1.access.log", "products-v2.access.log", "prices-v1.access.log"]
    )


# Where a local task's bootstrap may differ from the one shipped to AWS, and why:
ALLOWED_DIFFERENCES = {
    # Where it listens: the task's own loopback address instead of 0.0.0.0 / 127.0.0.1 (every task
    # of the mesh shares this machine); the ports are Fargate's. The gateway's public listener is
    # the one port a caller may choose (the test picks a free one; `up` takes --port).
    "listen address": r"static_resources\.listeners\.lds_.+\.address\.socket_address\.address$",
    "admin address": r"admin\.address\.socket_address\.address$",
    "gateway port": r"static_resources\.listeners\.lds_ingress_0\.0\.0\.0_8080\.address\.socket_address\.port_value$",
    # Where the sidecar reaches its app: the app listens on the task's address too.
    "app address": r"static_resources\.clusters\.cds_ingress_.+\.lb_endpoints\[0\]\.endpoint\.address\.socket_address\.address$",
    # Who answers the Cloud Map names: our DNS server instead of the VPC's resolver.
    "resolver": r"static_resources\.clusters\.cds_egress_.+\.cluster_type\.typed_config\.typed_dns_resolver_config$",
    # External backends are never called from here unless --external says where.
    "external backend": r"static_resources\.clusters\.cds_egress_.+_external-",
}


def test_every_bootstrap_is_the_one_shipped_to_aws_but_where_it_listens_and_its_resolver(
    running: LocalMesh,
) -> None:
    """GIVEN the dev stack running on the Fargate plan
    WHEN each task's bootstrap (the file its Envoy runs) is compared with render_all(compiled,
    fargate_plan(compiled)), the bootstraps the AWS data plane ships (same CA bundle path)
    THEN they differ only in listen addresses (and the gateway's public port), the app's address, the
    DNS resolver, and the external backend's address; the listeners' ports are Fargate's"""
    shipped = render_all(running.compiled, fargate_plan(running.compiled), ca_file=running.trusted_ca)
    seen: Counter[str] = Counter()
    unexplained = []
    for task in running.layout.tasks:
        node = GATEWAY if task.sidecar is None else running.compiled.version(task.service, task.version).node
        local = json.loads((running.run_path / "envoy" / f"{file_name(task.name)}.json").read_text())
        for path, aws, here in differences(shipped[node], local):
            kind = next((k for k, rx in ALLOWED_DIFFERENCES.items() if re.match(rx, path)), None)
            if kind is None:
                unexplained.append(f"{task.name}: {path}: {aws!r} on AWS, {here!r} here")
            seen[kind or "unexplained"] += 1
    print(f"\nlocal bootstraps against AWS's, differences by kind: {dict(seen)}")
    assert not unexplained, "\n".join(unexplained)
    # Not vacuous: every task listens elsewhere and every DNS cluster asks our server.
    assert seen["listen address"] >= 2 * (len(running.layout.tasks) - 1) + 1
    assert seen["resolver"] >= 3  # the gateway's 3 version clusters, products' one for prices v1
