"""Mesh TLS on App Mesh, on what the real program registers under mocks for dev with STRICT mutual
TLS (prices PERMISSIVE): a Private CA and one ACM certificate per identity; listener TLS and client
policies on every node and the gateway; the trust configured; each task role exporting exactly its own
certificate and reading exactly the CA; certificate files delivered by a setup container, with no key
in any task definition; the ALB speaking HTTPS to the gateway."""

from __future__ import annotations

import functools
import json
from typing import Any

from fargate_mesh.testing.recording import Recording
from tests.aws.recorded import recorded_with_mesh
from tests.helpers.meshes import TLS_DEV

NODE = "aws:appmesh/virtualNode:VirtualNode"
GATEWAY = "aws:appmesh/virtualGateway:VirtualGateway"
CERTIFICATE = "aws:acm/certificate:Certificate"
CA = "aws:acmpca/certificateAuthority:CertificateAuthority"
TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"


@functools.cache
def recording() -> Recording:
    return recorded_with_mesh("dev", TLS_DEV)


def node(name: str) -> dict[str, Any]:
    return recording().one(NODE, name=name)["inputs"]["spec"]


def certificate_arn(rec: Recording, dns_name: str) -> str:
    return rec.one(CERTIFICATE, domainName=dns_name)["outputs"]["arn"]


def task_policy(rec: Recording, role: str) -> dict[str, Any]:
    found = [r for r in rec.of_type(ROLE_POLICY) if r["name"] == role]
    assert len(found) == 1, [r["name"] for r in rec.of_type(ROLE_POLICY)]
    return json.loads(found[0]["inputs"]["policy"])


def test_a_private_ca_and_one_certificate_per_identity():
    """GIVEN dev with mutual TLS on appmesh
    WHEN the program runs under mocks
    THEN one general-purpose Private CA is created, and one ACM certificate from it per service and the gateway"""
    rec = recording()
    [ca] = rec.of_type(CA)
    assert ca["inputs"]["usageMode"] == "GENERAL_PURPOSE"
    names = sorted(
        c["inputs"]["domainName"]
        for c in rec.of_type(CERTIFICATE)
        if "certificateAuthorityArn" in c["inputs"]
    )
    assert names == ["prices.shop.local", "products.shop.local", "shop-dev-gateway.shop.local"]
    assert all(
        c["inputs"]["certificateAuthorityArn"] == ca["outputs"]["arn"]
        for c in rec.of_type(CERTIFICATE)
        if "certificateAuthorityArn" in c["inputs"]
    )


def test_every_node_serves_tls_and_callers_enforce_it_against_the_ca_and_the_callees_name():
    """GIVEN the recorded virtual nodes
    WHEN their listeners and backends are read
    THEN every node's listener has TLS with its service's certificate (prices PERMISSIVE and
    mutual, trusting products and the gateway), and products' backend to prices enforces TLS,
    trusting the CA and only prices.shop.local, presenting products' certificate from a file"""
    rec = recording()
    ca_arn = rec.of_type(CA)[0]["outputs"]["arn"]
    for name, service, mode in (
        ("products-v1", "products", "STRICT"),
        ("products-v2", "products", "STRICT"),
        ("prices-v1", "prices", "PERMISSIVE"),
    ):
        tls = node(name)["listeners"][0]["tls"]
        assert tls["mode"] == mode
        assert tls["certificate"]["acm"]["certificateArn"] == certificate_arn(rec, f"{service}.shop.local")
    assert node("prices-v1")["listeners"][0]["tls"]["validation"]["subjectAlternativeNames"]["match"][
        "exacts"
    ] == [
        "products.shop.local",
        "shop-dev-gateway.shop.local",
    ]
    for version in ("v1", "v2"):
        [prices] = [
            b
            for b in node(f"products-{version}")["backends"]
            if b["virtualService"]["virtualServiceName"] == "prices.shop.local"
        ]
        policy = prices["virtualService"]["clientPolicy"]["tls"]
        assert policy["enforce"] is True
        assert policy["validation"]["trust"]["acm"]["certificateAuthorityArns"] == [ca_arn]
        assert policy["validation"]["subjectAlternativeNames"]["match"]["exacts"] == ["prices.shop.local"]
        assert policy["certificate"]["file"]["privateKey"].endswith("/products.shop.local.key")


def test_the_gateway_serves_tls_to_the_alb_and_enforces_it_to_services():
    """GIVEN the recorded virtual gateway and target group
    WHEN read
    THEN its listener is STRICT with the gateway's certificate, its backend defaults enforce TLS with
    the CA's trust, and the ALB sends HTTPS to it and checks it over HTTPS"""
    rec = recording()
    spec = rec.of_type(GATEWAY)[0]["inputs"]["spec"]
    listener = spec["listeners"][0]["tls"]
    assert listener["mode"] == "STRICT"
    assert listener["certificate"]["acm"]["certificateArn"] == certificate_arn(
        rec, "shop-dev-gateway.shop.local"
    )
    defaults = spec["backendDefaults"]["clientPolicy"]["tls"]
    assert defaults["enforce"] is True and "acm" in defaults["validation"]["trust"]
    [group] = rec.of_type(TARGET_GROUP)
    assert group["inputs"]["protocol"] == "HTTPS" and group["inputs"]["healthCheck"]["protocol"] == "HTTPS"


def test_task_roles_export_exactly_their_own_certificate_and_read_exactly_the_ca():
    """GIVEN the recorded task role policies
    WHEN their TLS statements are read
    THEN products' roles export only products' certificate, the gateway's only the gateway's, and
    each reads only the mesh CA's certificate; no other role may export"""
    rec = recording()
    ca_arn = rec.of_type(CA)[0]["outputs"]["arn"]
    owners = {
        "products-v1-task": "products.shop.local",
        "products-v2-task": "products.shop.local",
        "prices-v1-task": "prices.shop.local",
        "ingress-task": "shop-dev-gateway.shop.local",
    }
    # Logical names carry the stack's component prefix (shop-dev-products-v1-task).
    roles = {
        r["name"]: dns_name
        for r in rec.of_type(ROLE_POLICY)
        for suffix, dns_name in owners.items()
        if r["name"].endswith(f"-{suffix}")
    }
    assert len(roles) == len(owners), sorted(r["name"] for r in rec.of_type(ROLE_POLICY))
    exporting = {
        r["name"] for r in rec.of_type(ROLE_POLICY) if "acm:ExportCertificate" in r["inputs"]["policy"]
    }
    assert exporting == set(roles)
    for role, dns_name in roles.items():
        statements = {s["Sid"]: s for s in task_policy(rec, role)["Statement"]}
        assert statements["ExportOwnCertificate"]["Action"] == ["acm:ExportCertificate"]
        assert statements["ExportOwnCertificate"]["Resource"] == [certificate_arn(rec, dns_name)]
        assert statements["ReadMeshCaCertificate"]["Resource"] == [ca_arn]


def test_certificate_files_come_from_a_setup_container_and_no_key_is_in_a_task_definition():
    """GIVEN the recorded task definitions
    WHEN their containers are read
    THEN each has a non-essential tls-setup container writing the shared volume, Envoy mounts it
    read-only and starts after the setup succeeded, and no definition holds PEM text"""
    rec = recording()
    for task in rec.of_type(TASK_DEF):
        text = task["inputs"]["containerDefinitions"]
        assert "PRIVATE KEY" not in text and "BEGIN CERTIFICATE" not in text
        containers = {c["name"]: c for c in json.loads(text)}
        setup, envoy = containers["tls-setup"], containers["envoy"]
        assert setup["essential"] is False
        assert envoy["mountPoints"][0]["readOnly"] is True
        assert {"containerName": "tls-setup", "condition": "SUCCESS"} in envoy["dependsOn"]
        assert task["inputs"]["volumes"] == [{"name": "mesh-tls"}]
