"""ExternalService used alone: a host outside the mesh as a node and a virtual service."""

from __future__ import annotations

from fargate_mesh.components import ExternalService, ExternalServiceArgs
from tests.helpers.meshes import compiled, stack_mesh
from tests.helpers.pulumi import deploy


def test_external_host_is_a_dns_node_behind_a_virtual_service_named_by_host(mocks):
    """GIVEN the dev stack's compiled payments: api.payments.example:443
    WHEN deployed
    THEN the node, named as compiled, discovers the host by DNS on 443, and a virtual service named
    by the host is provided by that node (by its name output)."""
    rec = deploy(
        mocks,
        lambda: (
            ExternalService(
                "payments",
                ExternalServiceArgs(
                    external=compiled(stack_mesh("dev")).externals["payments"], mesh_name="shop"
                ),
            ).urn
        ),
    )
    (node,) = rec.of_type("aws:appmesh/virtualNode:VirtualNode")
    assert node["inputs"]["name"] == "external-payments"
    assert node["inputs"]["spec"] == {
        "listeners": [{"portMapping": {"port": 443, "protocol": "http"}}],
        "serviceDiscovery": {"dns": {"hostname": "api.payments.example"}},
    }
    (service,) = rec.of_type("aws:appmesh/virtualService:VirtualService")
    assert service["inputs"]["name"] == "api.payments.example"
    assert service["inputs"]["spec"] == {
        "provider": {"virtualNode": {"virtualNodeName": "external-payments"}}
    }
    assert node["urn"] in service["dependencies"]
    assert node["options"]["deleteBeforeReplace"] and service["options"]["deleteBeforeReplace"]
