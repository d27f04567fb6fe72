"""MeshFoundation used alone: mesh, Cloud Map namespace, ECS cluster."""

from __future__ import annotations

from fargate_mesh.components import MeshFoundation, MeshFoundationArgs
from tests.helpers.pulumi import deploy


def test_mesh_namespace_and_cluster(mocks):
    """GIVEN a mesh name, namespace and VPC
    WHEN deployed
    THEN the mesh drops traffic to anything not modelled, the private DNS namespace is in the VPC,
    and the cluster has Container Insights on; all carry the tags."""
    tags = {"mesh": "shop", "managed-by": "pulumi"}
    rec = deploy(
        mocks,
        lambda: MeshFoundation("shop", MeshFoundationArgs("shop", "shop.local", "vpc-1", tags=tags)).urn,
    )
    mesh = rec.one("aws:appmesh/mesh:Mesh", name="shop")
    assert mesh["inputs"]["spec"] == {"egressFilter": {"type": "DROP_ALL"}}
    assert mesh["options"]["deleteBeforeReplace"]
    namespace = rec.one("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", name="shop.local")
    assert namespace["inputs"]["vpc"] == "vpc-1"
    cluster = rec.one("aws:ecs/cluster:Cluster", name="shop")
    assert cluster["inputs"]["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    for r in (mesh, namespace, cluster):
        assert r["inputs"]["tags"] == tags


def test_allow_all_and_cluster_name(mocks):
    """GIVEN egress ALLOW_ALL and a cluster name
    WHEN deployed
    THEN both are used as given."""
    rec = deploy(
        mocks,
        lambda: (
            MeshFoundation(
                "m", MeshFoundationArgs("m", "m.local", "vpc", egress_filter="ALLOW_ALL", cluster_name="apps")
            ).urn
        ),
    )
    assert rec.of_type("aws:appmesh/mesh:Mesh")[0]["inputs"]["spec"]["egressFilter"]["type"] == "ALLOW_ALL"
    assert rec.of_type("aws:ecs/cluster:Cluster")[0]["inputs"]["name"] == "apps"
