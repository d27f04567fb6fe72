"""MeshFoundation: what every service of one mesh shares whatever the data plane: the Cloud Map
namespace its services register in, and the ECS cluster they run on. Each is made by default, or
an existing one is used (awsx's "create by default, or use this one"). (The App Mesh mesh is the
App Mesh data plane's: components/appmesh/mesh.py.)"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.args import raise_problems, require_plain
from fargate_mesh.components.base import child, type_token
from fargate_mesh.spec.errors import Problem


@dataclass(frozen=True)
class ExistingCluster:
    """An ECS cluster made elsewhere: its ARN and its name (each may be an Output)."""

    arn: pulumi.Input[str]
    name: pulumi.Input[str]


@dataclass(frozen=True)
class ExistingNamespace:
    """A Cloud Map private DNS namespace made elsewhere, in the tasks' VPC: its id and its DNS
    name. The name must be the spec's `namespace`: virtual nodes find tasks under it."""

    id: pulumi.Input[str]
    name: str

    def __post_init__(self) -> None:
        require_plain("ExistingNamespace", name=self.name)


def namespace_problems(existing: ExistingNamespace | None, namespace: str) -> list[Problem]:
    """An existing namespace must be the spec's (a trailing dot names the same DNS name): services
    register and are found under the spec's namespace."""
    if existing is None or existing.name.rstrip(".") == namespace.rstrip("."):
        return []
    return [
        Problem(
            "existing_namespace.name",
            f"is {existing.name!r} but the mesh registers its services in {namespace!r}; give the "
            "spec's namespace, or a namespace of that name",
        )
    ]


@dataclass(frozen=True)
class MeshFoundationArgs:
    """The namespace and the cluster of one mesh.

    Args:
        mesh_name: The spec's mesh, named in the namespace's description. Required, plain.
        namespace: The Cloud Map private DNS namespace to make, e.g. "shop.local". Required, plain.
        cluster_name: The ECS cluster to make. Required, plain.
        vpc_id: The VPC the namespace resolves in. Required.
        container_insights: The cluster's Container Insights. Default "enabled".
        existing_cluster: Use this cluster instead of making one. Default None: one is made.
        existing_namespace: Use this namespace instead of making one. Default None: one is made.
        tags: Added to every resource. Default none.
    """

    mesh_name: str
    namespace: str
    cluster_name: str
    vpc_id: pulumi.Input[str]
    container_insights: Literal["enabled", "enhanced"] = "enabled"
    existing_cluster: ExistingCluster | None = None
    existing_namespace: ExistingNamespace | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_plain(
            "MeshFoundationArgs",
            mesh_name=self.mesh_name,
            namespace=self.namespace,
            cluster_name=self.cluster_name,
            container_insights=self.container_insights,
        )
        raise_problems("MeshFoundationArgs", namespace_problems(self.existing_namespace, self.namespace))


class MeshFoundation(pulumi.ComponentResource):
    """The Cloud Map namespace and the ECS cluster a mesh's services share, each made or the one
    given used (MeshFoundationArgs). Outputs: namespace_id, namespace_name, cluster_arn,
    cluster_name."""

    namespace_id: pulumi.Output[str]
    namespace_name: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: MeshFoundationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("foundation", "MeshFoundation"), name, None, opts)
        tags = dict(args.tags)
        if args.existing_namespace is None:
            namespace = aws.servicediscovery.PrivateDnsNamespace(
                f"{name}-namespace",
                name=args.namespace,
                vpc=args.vpc_id,
                description=f"Service discovery for mesh {args.mesh_name}",
                tags=tags,
                opts=child(self),
            )
            self.namespace_id, self.namespace_name = namespace.id, namespace.name
        else:
            self.namespace_id = pulumi.Output.from_input(args.existing_namespace.id)
            self.namespace_name = pulumi.Output.from_input(args.existing_namespace.name)
        if args.existing_cluster is None:
            cluster = aws.ecs.Cluster(
                f"{name}-cluster",
                name=args.cluster_name,
                settings=[{"name": "containerInsights", "value": args.container_insights}],
                tags=tags,
                opts=child(self),
            )
            self.cluster_arn, self.cluster_name = cluster.arn, cluster.name
        else:
            self.cluster_arn = pulumi.Output.from_input(args.existing_cluster.arn)
            self.cluster_name = pulumi.Output.from_input(args.existing_cluster.name)
        self.register_outputs(
            {
                "namespace_id": self.namespace_id,
                "namespace_name": self.namespace_name,
                "cluster_arn": self.cluster_arn,
                "cluster_name": self.cluster_name,
            }
        )
