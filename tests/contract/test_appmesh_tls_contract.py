"""App Mesh's TLS shapes against botocore's appmesh model: every virtual node and the virtual gateway of
dev with STRICT mutual TLS (prices PERMISSIVE), from ACM and from user secrets, as CreateVirtualNode
and CreateVirtualGateway requests."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fargate_mesh.model import CompiledMesh
from fargate_mesh.render.appmesh import specs
from fargate_mesh.render.appmesh.tls import MeshCertificates, with_gateway_tls, with_node_tls
from tests.contract.botocore_validate import validate
from tests.contract.moto_account import VIRTUAL_GATEWAY, VIRTUAL_NODE
from tests.contract.translate import TranslationError, translate
from tests.helpers.meshes import TLS_DEV, compiled

CA_ARN = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012"


def acm(mesh: CompiledMesh) -> MeshCertificates:
    arns = {
        i.name: f"arn:aws:acm:us-east-1:123456789012:certificate/{n:08d}-0000-0000-0000-000000000000"
        for n, i in enumerate(mesh.tls.identities)
    }
    return MeshCertificates(CA_ARN, arns)


CERTIFICATES = {"acm": acm, "files": lambda _mesh: MeshCertificates(None)}


def camel(value: Any) -> Any:
    """Keys as Pulumi sends them (pulumi-aws wire names are the snake_case names in camelCase)."""
    if isinstance(value, dict):
        return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k): camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


def request(type_: str, name: str, spec: dict[str, Any]) -> Any:
    return translate(
        {"type": type_, "name": name, "inputs": {"name": name, "meshName": "shop-dev", "spec": camel(spec)}}
    )


@pytest.mark.parametrize("source", list(CERTIFICATES))
def test_every_node_and_the_gateway_conform_to_the_api_model(source: str):
    """GIVEN dev with mutual TLS, certificates from ACM or from files
    WHEN each virtual node's and the virtual gateway's spec is translated to its Create request
    THEN botocore's appmesh model reports nothing, and each carries TLS where the model says"""
    mesh = compiled(TLS_DEV)
    certs = CERTIFICATES[source](mesh)
    for service in mesh.services.values():
        for version in service.versions.values():
            spec = with_node_tls(
                specs.virtual_node_spec_of(mesh.namespace, service, version), mesh, service.name, certs
            )
            sent = request(VIRTUAL_NODE, version.node, spec)
            assert validate(sent.service, sent.operation, sent.params) == []
            assert sent.params["spec"]["listeners"][0]["tls"]["mode"] in ("STRICT", "PERMISSIVE")
    gateway = with_gateway_tls(specs.virtual_gateway_spec_of(mesh.gateway), mesh, certs)
    sent = request(VIRTUAL_GATEWAY, mesh.gateway.name, gateway)
    assert validate(sent.service, sent.operation, sent.params) == []
    assert sent.params["spec"]["backendDefaults"]["clientPolicy"]["tls"]["enforce"] is True


def test_a_wrong_shape_is_reported():
    """GIVEN a node spec whose listener validation trusts ACM (App Mesh takes only files or SDS there)
    WHEN translated and validated
    THEN the request is refused: the checks above can fail"""
    mesh = compiled(TLS_DEV)
    products = mesh.services["products"]
    spec = with_node_tls(
        specs.virtual_node_spec_of(mesh.namespace, products, products.versions["v1"]),
        mesh,
        "products",
        acm(mesh),
    )
    spec["listeners"][0]["tls"]["validation"]["trust"] = {"acm": {"certificate_authority_arns": [CA_ARN]}}
    with pytest.raises(TranslationError, match="no API member 'acm'"):
        request(VIRTUAL_NODE, "products-v1", spec)
