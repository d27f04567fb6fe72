"""Mesh TLS in App Mesh's shapes: listener TLS from ACM, client policies naming the callee, mutual
TLS from files, the gateway's listener and backend defaults; a stack without TLS is unchanged."""

from __future__ import annotations

import copy

from fargate_mesh.facts import TASK_TLS_DIRECTORY
from fargate_mesh.render.appmesh import specs
from fargate_mesh.render.appmesh.tls import MeshCertificates, task_needs, with_gateway_tls, with_node_tls
from tests.helpers.meshes import TLS_DEV, compiled, stack_mesh

CA = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/ca"
CERTS = MeshCertificates(
    CA, {n: f"arn:aws:acm:us-east-1:123456789012:certificate/{n}" for n in ("products", "prices", "gateway")}
)


def node(mesh, service: str, version: str = "v1"):
    s = mesh.services[service]
    return with_node_tls(
        specs.virtual_node_spec_of(mesh.namespace, s, s.versions[version]), mesh, service, CERTS
    )


def backend(spec, name: str):
    return next(
        b["virtual_service"] for b in spec["backends"] if b["virtual_service"]["virtual_service_name"] == name
    )


def test_a_mutual_listener_serves_its_acm_certificate_and_trusts_its_callers_by_file():
    """GIVEN dev with mutual TLS, prices PERMISSIVE
    WHEN prices v1's node is rendered
    THEN its listener is PERMISSIVE with prices' ACM certificate, and validates client certificates
    against the CA file in the task's TLS folder, accepting products and the gateway only"""
    tls = node(compiled(TLS_DEV), "prices")["listeners"][0]["tls"]
    assert tls["mode"] == "PERMISSIVE"
    assert tls["certificate"] == {"acm": {"certificate_arn": CERTS.certificate_arns["prices"]}}
    assert tls["validation"] == {
        "trust": {"file": {"certificate_chain": f"{TASK_TLS_DIRECTORY}/ca.pem"}},
        "subject_alternative_names": {
            "match": {"exacts": ["products.shop.local", "shop-dev-gateway.shop.local"]}
        },
    }


def test_a_caller_enforces_tls_against_the_ca_and_the_callees_name_with_its_own_file_certificate():
    """GIVEN dev with mutual TLS
    WHEN products v1's node is rendered
    THEN its prices backend enforces TLS on prices' port, trusts the Private CA (ACM), accepts only
    prices.shop.local, and presents products' certificate from files; payments keeps its own policy"""
    spec = node(compiled(TLS_DEV), "products")
    tls = backend(spec, "prices.shop.local")["client_policy"]["tls"]
    assert tls["enforce"] is True and tls["ports"] == [8080]
    assert tls["validation"]["trust"] == {"acm": {"certificate_authority_arns": [CA]}}
    assert tls["validation"]["subject_alternative_names"] == {"match": {"exacts": ["prices.shop.local"]}}
    assert tls["certificate"]["file"]["certificate_chain"].endswith("/products.shop.local.crt")
    external = backend(spec, "api.payments.example")["client_policy"]["tls"]["validation"]["trust"]
    assert "file" in external  # the public CA bundle, untouched


def test_the_gateway_encrypts_the_load_balancer_hop_and_enforces_tls_to_routed_services():
    """GIVEN dev with mutual TLS
    WHEN the virtual gateway is rendered
    THEN its listener is STRICT with the gateway's ACM certificate, and its backend defaults enforce
    TLS to both routed services by name, presenting the gateway's certificate"""
    mesh = compiled(TLS_DEV)
    spec = with_gateway_tls(specs.virtual_gateway_spec_of(mesh.gateway), mesh, CERTS)
    assert spec["listeners"][0]["tls"] == {
        "mode": "STRICT",
        "certificate": {"acm": {"certificate_arn": CERTS.certificate_arns["gateway"]}},
    }
    tls = spec["backend_defaults"]["client_policy"]["tls"]
    assert tls["validation"]["subject_alternative_names"]["match"]["exacts"] == [
        "products.shop.local",
        "prices.shop.local",
    ]
    assert tls["certificate"]["file"]["certificate_chain"].endswith("/shop-dev-gateway.shop.local.crt")


def test_server_only_tls_needs_no_files_and_only_callers_read_the_ca():
    """GIVEN dev with STRICT TLS, not mutual, certificates from ACM; then with mutual TLS
    WHEN each task's needs are worked out
    THEN none needs files (App Mesh hands Envoy the ACM certificate and trust), each exports its own
    certificate, only callers (products, the gateway) read the CA; with mutual TLS every task needs files"""
    spec = copy.deepcopy(TLS_DEV)
    spec["tls"]["mutual"] = False
    spec["services"]["prices"].pop("tls")
    mesh = compiled(spec)
    needs = {i.name: task_needs(mesh, CERTS, i) for i in mesh.tls.identities}
    assert not any(n.files for n in needs.values())
    assert all(n.export_own for n in needs.values())  # every listener serves its ACM certificate
    assert needs["products"].read_ca and needs["gateway"].read_ca and not needs["prices"].read_ca
    mutual = compiled(TLS_DEV)
    assert all(task_needs(mutual, CERTS, i).files for i in mutual.tls.identities)


def test_a_stack_without_tls_renders_exactly_as_before():
    """GIVEN the shipped dev stack (tls DISABLED)
    WHEN its nodes and gateway are rendered with the TLS step
    THEN every spec is unchanged"""
    mesh = compiled(stack_mesh("dev"))
    for service in mesh.services.values():
        for version in service.versions.values():
            plain = specs.virtual_node_spec_of(mesh.namespace, service, version)
            assert with_node_tls(plain, mesh, service.name, CERTS) == plain
    gateway = specs.virtual_gateway_spec_of(mesh.gateway)
    assert with_gateway_tls(gateway, mesh, CERTS) == gateway
