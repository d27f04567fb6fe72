"""MeshFoundation: what every service of one mesh shares: the App Mesh mesh, the Cloud Map
namespace its services register in, and the ECS cluster they run on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.base import child, type_token


@dataclass(frozen=True)
class MeshFoundationArgs:
    mesh_name: str
    namespace: str  # Cloud Map private DNS namespace, e.g. shop.local
    vpc_id: pulumi.Input[str]
    # DROP_ALL: only modelled backends (and *.amazonaws.com) are reachable from the mesh.
    egress_filter: Literal["DROP_ALL", "ALLOW_ALL"] = "DROP_ALL"
    cluster_name: str | None = None  # default: the mesh name
    container_insights: Literal["enabled", "enhanced"] = "enabled"
    tags: Mapping[str, str] = field(default_factory=dict)


class MeshFoundation(pulumi.ComponentResource):
    mesh_name: pulumi.Output[str]
    mesh_arn: pulumi.Output[str]
    namespace_id: pulumi.Output[str]
    namespace_name: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: MeshFoundationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("foundation", "MeshFoundation"), name, None, opts)
        tags = dict(args.tags)
        mesh = aws.appmesh.Mesh(
            f"{name}-mesh",
            name=args.mesh_name,
            spec={"egress_filter": {"type": args.egress_filter}},
            tags=tags,
            # A fixed name cannot exist twice: replace by deleting first.
            opts=child(self, delete_before_replace=True),
        )
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
            name=args.cluster_name or args.mesh_name,
            settings=[{"name": "containerInsights", "value": args.container_insights}],
            tags=tags,
            opts=child(self),
        )
        self.mesh_name = mesh.name
        self.mesh_arn = mesh.arn
        self.namespace_id = namespace.id
        self.namespace_name = namespace.name
        self.cluster_arn = cluster.arn
        self.cluster_name = cluster.name
        self.register_outputs(
            {
                "mesh_name": self.mesh_name,
                "mesh_arn": self.mesh_arn,
                "namespace_id": self.namespace_id,
                "namespace_name": self.namespace_name,
                "cluster_arn": self.cluster_arn,
                "cluster_name": self.cluster_name,
            }
        )
