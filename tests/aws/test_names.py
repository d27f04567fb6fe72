"""StackNames: the one place the platform works out AWS names from a spec."""

from __future__ import annotations

from fargate_mesh.components import GatewayNames, StackNames, TaskNames
from tests.aws.test_mesh_service import names as service_names
from tests.helpers.meshes import stack_mesh


def test_dev_names():
    """GIVEN the dev stack
    WHEN its names are worked out
    THEN they are the names its live resources have: mesh and cluster after the mesh, products'
    versions as nodes, ECS services and mesh-prefixed task families, log groups under /ecs/<mesh>,
    the gateway's named after it, external callees by their host."""
    mesh = stack_mesh("dev")
    names = StackNames(mesh)
    assert (names.mesh, names.cluster, names.namespace) == ("shop-dev", "shop-dev", "shop.local")
    assert names.repository("products") == "shop-dev/products"
    assert names.external_node("payments") == "external-payments"
    assert names.virtual_service("payments") == "api.payments.example"
    for service in ("products", "prices"):
        assert names.service(service) == service_names(mesh.services[service], "shop-dev", service)
    assert names.gateway == GatewayNames(
        gateway="shop-dev-gateway",
        log_group="/ecs/shop-dev/shop-dev-gateway",
        task=TaskNames("shop-dev-gateway", "shop-dev-gateway", "gateway"),
    )
