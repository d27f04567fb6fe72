"""One extra service joining an existing mesh, given by its ARN (a mesh another account shares)."""

from __future__ import annotations

from fargate_mesh.components import ExistingMesh, MeshService, MeshServiceArgs, TaskPlacement
from fargate_mesh.model import compile_checked
from fargate_mesh.spec import parse_mesh

SHARED_MESH_ARN = "arn:aws:appmesh:us-east-1:210987654321:mesh/shared"


def reviews_in_shared_mesh() -> MeshService:
    shared = ExistingMesh.from_arn(SHARED_MESH_ARN)
    mesh = compile_checked(
        parse_mesh(
            {
                "name": shared.name,
                "namespace": "shop.local",
                "domain": "api.myshop.com",
                "hostedZone": "myshop.com",
                "gateway": {"routes": [{"match": {"prefix": "/v1/reviews"}, "service": "reviews"}]},
                "services": {
                    "reviews": {"healthCheck": {"path": "/health"}, "versions": {"v1": {"weight": 100}}}
                },
            }
        )
    )
    return MeshService(
        "shared-reviews",
        MeshServiceArgs(
            service=mesh.services["reviews"],
            mesh_name=shared.name,
            mesh_owner=shared.owner,
            namespace=mesh.namespace,
            namespace_id="ns-0123456789abcdef",
            placement=TaskPlacement(
                cluster_arn="arn:aws:ecs:us-east-1:123456789012:cluster/shared",
                cluster_name="shared",
                subnet_ids=["subnet-0aaa", "subnet-0bbb"],
                security_group_ids=["sg-0ccc"],
            ),
            images={"v1": "public.ecr.aws/acme/reviews:1.0"},
        ),
    )
