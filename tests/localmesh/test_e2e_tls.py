"""Mesh TLS end to end with real Envoy: the dev stack with STRICT mutual TLS, and a PERMISSIVE mesh.

Every hop inside the dev mesh (load balancer side → gateway, gateway → products and prices, products
→ prices) completes TLS handshakes, shown by each listener's and cluster's `ssl.handshake`;
plaintext straight to a sidecar's inbound listener is refused; a certificate of another service is
refused by a callee that does not list it (`ssl.fail_verify_san`); the canary split and the header
route still work. The throwaway CA's files are owner-only and gone after stop.
"""

from __future__ import annotations

import copy
import re
import stat as stat_mode
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fargate_mesh import naming
from fargate_mesh import spec as meshspec
from fargate_mesh.localmesh.readiness import tls_probe_context
from fargate_mesh.localmesh.runner import LocalMesh
from fargate_mesh.model import Identity
from fargate_mesh.render.envoy.plan import Endpoint
from tests.helpers.localmesh import flaky_app, free_port, one_service_mesh, running_mesh
from tests.helpers.meshes import APPS, TLS_DEV

pytestmark = pytest.mark.e2e


def strict_mutual_dev() -> meshspec.Mesh:
    spec = copy.deepcopy(TLS_DEV)
    spec["services"]["prices"].pop("tls")  # TLS_DEV's prices is PERMISSIVE; here every hop is STRICT
    return meshspec.parse_mesh(spec)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMesh]:
    mesh = LocalMesh(
        strict_mutual_dev(),
        gateway_port=free_port(),
        run_dir=tmp_path_factory.mktemp("tls-run"),
        apps_dir=APPS,
        ready_timeout=40,
    )
    yield from running_mesh(mesh)


@pytest.fixture(scope="module")
def gateway(running: LocalMesh) -> Iterator[httpx.Client]:
    with running.gateway_client(timeout=10) as client:
        yield client


def stat(admin: str, name: str) -> int:
    """One counter from an Envoy admin interface (0 when Envoy has not created it yet)."""
    with httpx.Client(trust_env=False, timeout=5) as client:
        text = client.get(f"{admin}/stats", params={"filter": f"^{re.escape(name)}$"}).text
    match = re.search(rf"^{re.escape(name)}: (\d+)$", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def listener_stat(at: Endpoint, name: str) -> str:
    return f"listener.{at.host}_{at.port}.ssl.{name}"


def as_identity(running: LocalMesh, service: str, version: str, identity: Identity) -> httpx.Client:
    """A client straight to a sidecar's inbound listener, presenting `identity`'s certificate and
    checking the listener's name, as a peer sidecar would."""
    files = running.certificates
    assert files is not None
    context = tls_probe_context(files.ca, files.chain(identity), files.key(identity))
    server = running.compiled.tls.services[service].identity.dns_name

    def sni(request: httpx.Request) -> None:
        request.extensions["sni_hostname"] = server

    return httpx.Client(
        base_url=f"https://{running.plan.sidecar(service, version).ingress}",
        verify=context,
        trust_env=False,
        timeout=5,
        event_hooks={"request": [sni]},
    )


def test_every_hop_completes_tls_handshakes(running: LocalMesh, gateway: httpx.Client) -> None:
    """GIVEN dev with STRICT mutual TLS
    WHEN products (both versions, through the canary header too) and a product's price are fetched
    through the gateway
    THEN the gateway's listener, its clusters, every sidecar's inbound listener and products'
    clusters to prices all count TLS handshakes"""
    for headers in ({}, {"x-canary": "true"}):
        response = gateway.get("/v1/products/p-001", headers=headers)
        assert response.status_code == 200 and response.json()["priceStatus"] == "ok", response.text
    assert gateway.get("/v1/prices").status_code == 200
    mesh = running.compiled
    admin = running.admin_url()
    assert stat(admin, listener_stat(running.plan.gateway, "handshake")) >= 1
    for service, version in (("products", "v1"), ("products", "v2"), ("prices", "v1")):
        svc = mesh.services[service]
        node = svc.versions[version].node
        cluster = naming.egress_cluster(mesh.name, node, svc.protocol, svc.port)
        assert stat(admin, f"cluster.{cluster}.ssl.handshake") >= 1, f"gateway → {node}"
        sidecar = running.plan.sidecar(service, version)
        assert stat(running.admin_url(service, version), listener_stat(sidecar.ingress, "handshake")) >= 1
        assert (
            stat(running.admin_url(service, version), listener_stat(sidecar.ingress, "versions.TLSv1.3")) >= 1
        )
    prices = mesh.services["prices"]
    to_prices = naming.egress_cluster(mesh.name, "prices-v1", prices.protocol, prices.port)
    for version in ("v1", "v2"):
        assert stat(running.admin_url("products", version), f"cluster.{to_prices}.ssl.handshake") >= 1


def test_plaintext_to_an_inbound_listener_is_refused(running: LocalMesh) -> None:
    """GIVEN products v1's sidecar, STRICT
    WHEN a plaintext request is sent straight to its inbound listener
    THEN no HTTP answer comes back: the connection fails"""
    at = running.plan.sidecar("products", "v1").ingress
    with httpx.Client(trust_env=False, timeout=5) as client, pytest.raises(httpx.TransportError):
        client.get(f"http://{at}/health")


def test_a_caller_the_callee_does_not_list_is_refused(running: LocalMesh) -> None:
    """GIVEN products, which accepts only the gateway (prices does not call it)
    WHEN a client presents prices' certificate, then the gateway's, to products v1's inbound listener
    THEN prices' is refused in the handshake (ssl.fail_verify_san counts it); the gateway's is served"""
    tls = running.compiled.tls
    at = running.plan.sidecar("products", "v1").ingress
    admin = running.admin_url("products", "v1")
    before = stat(admin, listener_stat(at, "fail_verify_san"))
    with (
        as_identity(running, "products", "v1", tls.identity("prices")) as client,
        pytest.raises(httpx.TransportError),
    ):
        client.get("/health")
    assert stat(admin, listener_stat(at, "fail_verify_san")) == before + 1
    with as_identity(running, "products", "v1", tls.gateway.identity) as client:
        assert client.get("/health").status_code == 200


def test_a_client_without_a_certificate_is_refused(running: LocalMesh) -> None:
    """GIVEN prices v1's mutual listener
    WHEN a client that trusts the CA but presents no certificate calls it
    THEN the handshake fails"""
    files = running.certificates
    assert files is not None
    context = tls_probe_context(files.ca)
    context.check_hostname = False  # only the missing client certificate is under test
    at = running.plan.sidecar("prices", "v1").ingress
    with (
        httpx.Client(verify=context, trust_env=False, timeout=5) as client,
        pytest.raises(httpx.TransportError),
    ):
        client.get(f"https://{at}/health")


def test_canary_split_and_header_route_still_work(gateway: httpx.Client) -> None:
    """GIVEN dev's 90/10 split and its x-canary header route, over mutual TLS
    WHEN 200 plain requests and 20 with x-canary: true are sent
    THEN both versions answer plain requests, v1 far more often; the header reaches v2 only"""
    plain = Counter(gateway.get("/v1/products").headers["x-app-version"] for _ in range(200))
    assert set(plain) == {"v1", "v2"} and 2 <= plain["v2"] <= 45, plain
    canary = {
        gateway.get("/v1/products", headers={"x-canary": "true"}).headers["x-app-version"] for _ in range(20)
    }
    assert canary == {"v2"}


def test_the_gateway_speaks_tls_only(running: LocalMesh) -> None:
    """GIVEN the gateway's public listener (the load balancer hop is STRICT)
    WHEN it is called in plaintext
    THEN the connection fails"""
    with httpx.Client(trust_env=False, timeout=5) as client, pytest.raises(httpx.TransportError):
        client.get(f"http://{running.plan.gateway}/v1/prices")


def test_the_throwaway_ca_is_owner_only(running: LocalMesh) -> None:
    """GIVEN the running mesh's tls folder
    WHEN its permissions are read
    THEN the folder is 0700 and every file 0600, with no CA key among them"""
    files = running.certificates
    assert files is not None
    folder = Path(files.directory)
    assert stat_mode.S_IMODE(folder.stat().st_mode) == 0o700
    names = sorted(p.name for p in folder.iterdir())
    assert names and all(stat_mode.S_IMODE((folder / n).stat().st_mode) == 0o600 for n in names)
    assert len(names) == 1 + 2 * len(running.compiled.tls.identities)  # ca.pem, then a chain and key each


def test_permissive_takes_plaintext_and_tls_and_its_files_go_on_stop(tmp_path: Path) -> None:
    """GIVEN a one-service mesh with PERMISSIVE mutual TLS
    WHEN its sidecar's inbound listener is called in plaintext, then over TLS as the gateway, then the mesh stops
    THEN both are served (the TLS one counted as a handshake), and the run's tls folder is gone"""
    mesh = one_service_mesh(tls={"mode": "PERMISSIVE", "mutual": True})
    mesh = meshspec.parse_mesh(
        {**mesh.model_dump(by_alias=True, exclude_unset=True), "tls": {"mode": "PERMISSIVE"}}
    )
    running = LocalMesh(
        mesh, gateway_port=free_port(), run_dir=tmp_path / "run", app_command=flaky_app, ready_timeout=30
    )
    with running:
        at = running.plan.sidecar("flaky", "v1").ingress
        folder = Path(running.certificates.directory) if running.certificates else None
        with httpx.Client(trust_env=False, timeout=5) as client:
            assert client.get(f"http://{at}/").status_code == 200
        with as_identity(running, "flaky", "v1", running.compiled.tls.gateway.identity) as client:
            assert client.get("/").status_code == 200
        assert stat(running.admin_url("flaky", "v1"), listener_stat(at, "handshake")) >= 1
        with running.gateway_client() as client:
            assert client.get(f"{running.gateway_url}/").status_code == 200
    assert folder is not None and not folder.exists()
