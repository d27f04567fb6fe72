"""StackNames and TaskNames: the names the platform reads from the compiled mesh."""

from __future__ import annotations

from fargate_mesh.components import StackNames, TaskNames
from tests.helpers.meshes import compiled, stack_mesh


def test_dev_names():
    """GIVEN the dev stack
    WHEN its names are read
    THEN they are the names its live resources have: mesh and cluster after the mesh, the app's
    repository under the mesh, a version's ECS service, family and log streams after the version,
    the gateway's ECS service and family after the virtual gateway, its streams under "gateway"."""
    mesh = compiled(stack_mesh("dev"))
    names = StackNames(mesh)
    assert (names.mesh, names.cluster, names.namespace) == ("shop-dev", "shop-dev", "shop.local")
    assert names.repository("products") == "shop-dev/products"
    assert TaskNames.of_version(mesh.version("products", "v1")) == TaskNames(
        "products-v1", "shop-dev-products-v1", "v1"
    )
    assert TaskNames.of_gateway(mesh.gateway) == TaskNames("shop-dev-gateway", "shop-dev-gateway", "gateway")
