"""MeshFoundation used alone: Cloud Map namespace and ECS cluster; AppMesh: the App Mesh mesh."""

from __future__ import annotations

from fargate_mesh.components import AppMesh, AppMeshArgs, MeshFoundation, MeshFoundationArgs
from tests.helpers.pulumi import deploy

TAGS = {"mesh": "shop", "managed-by": "pulumi"}


def test_namespace_and_cluster(mocks):
    """GIVEN a mesh name, namespace, cluster name and VPC
    WHEN deployed
    THEN the private DNS namespace is in the VPC, the cluster has the given name and Container
    Insights on, both carry the tags, and there is no App Mesh mesh (that is the data plane's)."""
    rec = deploy(
        mocks,
        lambda: (
            MeshFoundation("shop", MeshFoundationArgs("shop", "shop.local", "apps", "vpc-1", tags=TAGS)).urn
        ),
    )
    namespace = rec.one("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", name="shop.local")
    assert namespace["inputs"]["vpc"] == "vpc-1"
    cluster = rec.one("aws:ecs/cluster:Cluster", name="apps")
    assert cluster["inputs"]["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    for r in (namespace, cluster):
        assert r["inputs"]["tags"] == TAGS
    assert rec.of_type("aws:appmesh/mesh:Mesh") == []


def test_app_mesh_drops_what_is_not_modelled_by_default(mocks):
    """GIVEN an AppMesh with a name and the tags
    WHEN deployed
    THEN the mesh drops traffic to anything not modelled, is replaced by deleting first, carries
    the tags, and has no alias."""
    rec = deploy(mocks, lambda: AppMesh("shop", AppMeshArgs("shop", tags=TAGS)).urn)
    mesh = rec.one("aws:appmesh/mesh:Mesh", name="shop")
    assert mesh["inputs"]["spec"] == {"egressFilter": {"type": "DROP_ALL"}}
    assert mesh["inputs"]["tags"] == TAGS
    assert mesh["options"]["deleteBeforeReplace"]
    assert mesh["aliases"] == []


def test_app_mesh_allow_all_and_its_previous_parent(mocks):
    """GIVEN egress ALLOW_ALL and the component the mesh used to be a child of
    WHEN deployed
    THEN egress is open, and the mesh is aliased to its URN under that old parent."""

    def program():
        old = MeshFoundation("m", MeshFoundationArgs("m", "m.local", "m", "vpc"))
        return AppMesh("m", AppMeshArgs("m", egress_filter="ALLOW_ALL", previous_parents=[old])).urn

    rec = deploy(mocks, program)
    mesh = rec.one("aws:appmesh/mesh:Mesh", name="m")
    assert mesh["inputs"]["spec"]["egressFilter"]["type"] == "ALLOW_ALL"
    assert mesh["aliases"] == [
        "urn:pulumi:unit::myshop::fargatemesh:foundation:MeshFoundation$aws:appmesh/mesh:Mesh::m-mesh"
    ]
