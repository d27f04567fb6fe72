"""One extra service joining an existing mesh, given by its ARN (a mesh another account shares)."""

from __future__ import annotations

from fargate_mesh.components import (
    ExistingMesh,
    MeshService,
    MeshServiceArgs,
    ServiceNames,
    TaskNames,
    TaskPlacement,
    VersionNames,
)
from fargate_mesh.spec import Service

SHARED_MESH_ARN = "arn:aws:appmesh:us-east-1:210987654321:mesh/shared"


def reviews_in_shared_mesh() -> MeshService:
    mesh = ExistingMesh.from_arn(SHARED_MESH_ARN)
    reviews = Service.model_validate(
        {"port": 8080, "healthCheck": {"path": "/health"}, "versions": {"v1": {"weight": 100}}}
    )
    return MeshService(
        "shared-reviews",
        MeshServiceArgs(
            name="reviews",
            service=reviews,
            names=ServiceNames(
                virtual_service="reviews.shop.local",
                router="reviews-router",
                cloud_map_service="reviews",
                log_group="/ecs/shared/reviews",
                versions={
                    "v1": VersionNames("reviews-v1", TaskNames("reviews-v1", "shared-reviews-v1", "v1"))
                },
            ),
            mesh_name=mesh.name,
            mesh_owner=mesh.owner,
            namespace="shop.local",
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
