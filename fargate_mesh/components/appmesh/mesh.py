"""AppMesh: the App Mesh mesh every virtual node, router, service and gateway of a stack lives in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.base import child, type_token


@dataclass(frozen=True)
class AppMeshArgs:
    mesh_name: str
    # DROP_ALL: only modelled backends (and *.amazonaws.com) are reachable from the mesh.
    egress_filter: Literal["DROP_ALL", "ALLOW_ALL"] = "DROP_ALL"
    # Where the mesh lived in stacks made before this component existed (MeshFoundation made it):
    # aliases to those parents, so such a stack keeps its mesh instead of replacing it.
    previous_parents: Sequence[pulumi.Resource] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


class AppMesh(pulumi.ComponentResource):
    mesh_name: pulumi.Output[str]
    mesh_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AppMeshArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("appmesh", "AppMesh"), name, None, opts)
        mesh = aws.appmesh.Mesh(
            f"{name}-mesh",
            name=args.mesh_name,
            spec={"egress_filter": {"type": args.egress_filter}},
            tags=dict(args.tags),
            # A fixed name cannot exist twice: replace by deleting first.
            opts=child(
                self,
                delete_before_replace=True,
                aliases=[pulumi.Alias(parent=parent) for parent in args.previous_parents],
            ),
        )
        self.mesh_name = mesh.name
        self.mesh_arn = mesh.arn
        self.register_outputs({"mesh_name": self.mesh_name, "mesh_arn": self.mesh_arn})
