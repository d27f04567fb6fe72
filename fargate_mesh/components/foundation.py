"""MeshFoundation: what every service of one mesh shares whatever the data plane: the Cloud Map
namespace its services register in, and the ECS cluster they run on. (The App Mesh mesh is the
App Mesh data plane's: components/appmesh/mesh.py.)"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.args import require_plain
from fargate_mesh.components.base import child, type_token


@dataclass(frozen=True)
class MeshFoundationArgs:
    mesh_name: str  # the spec's mesh, named in the namespace's description
    namespace: str  # Cloud Map private DNS namespace, e.g. shop.local
    cluster_name: str
    vpc_id: pulumi.Input[str]
    container_insights: Literal["enabled", "enhanced"] = "enabled"
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_plain(
            "MeshFoundationArgs",
            mesh_name=self.mesh_name,
            namespace=self.namespace,
            cluster_name=self.cluster_name,
            container_insights=self.container_insights,
        )


class MeshFoundation(pulumi.ComponentResource):
    namespace_id: pulumi.Output[str]
    namespace_name: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: MeshFoundationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("foundation", "MeshFoundation"), name, None, opts)
        tags = dict(args.tags)
        namespace = aws.servicediscovery.PrivateDnsNamespace(
            f"{name}-namespace",
            name=args.namespace,
            vpc=args.vpc_id,
            description=f"Service discovery for mesh {args.mesh_name}",
            tags=tags,
            opts=child(self),
        )
        cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            settings=[{"name": "containerInsights", "value": args.container_insights}],
            tags=tags,
            opts=child(self),
        )
        self.namespace_id = namespace.id
        self.namespace_name = namespace.name
        self.cluster_arn = cluster.arn
        self.cluster_name = cluster.name
        self.register_outputs(
            {
                "namespace_id": self.namespace_id,
                "namespace_name": self.namespace_name,
                "cluster_arn": self.cluster_arn,
                "cluster_name": self.cluster_name,
            }
        )
