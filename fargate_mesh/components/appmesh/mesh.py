"""AppMesh: the App Mesh mesh every virtual node, router, service and gateway of a stack lives in."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.args import require_plain
from fargate_mesh.components.base import child, type_token


@dataclass(frozen=True)
class ExistingMesh:
    """An App Mesh mesh made elsewhere, to put this stack's nodes, routers and gateway in: by name,
    and for a mesh another account shares with this one (AWS RAM), its owner's account id, which
    every App Mesh resource made in it then names (`mesh_owner`).

    Args:
        name: The mesh's name. Required, plain.
        owner: The account that owns the mesh. Default None: this account.
        arn: The mesh's ARN, if known. Default None: built from the name, the owner (else this
            account) and the region.
    """

    name: str
    owner: str | None = None
    arn: pulumi.Input[str] | None = None

    def __post_init__(self) -> None:
        require_plain("ExistingMesh", name=self.name, owner=self.owner)

    @classmethod
    def from_arn(cls, arn: str) -> ExistingMesh:
        """arn:aws:appmesh:<region>:<owner>:mesh/<name>: the mesh, its owner and its ARN."""
        match = MESH_ARN.fullmatch(arn) if isinstance(arn, str) else None
        if match is None:
            raise ValueError(
                f"not an App Mesh mesh ARN (arn:<partition>:appmesh:<region>:<account>:mesh/<name>): {arn!r}"
            )
        return cls(name=match["name"], owner=match["owner"], arn=arn)

    def mesh_arn(self, parent: pulumi.Resource) -> pulumi.Output[str]:
        """The ARN given, else the one AWS gives a mesh of this name and owner in this region."""
        if self.arn is not None:
            return pulumi.Output.from_input(self.arn)
        invoke = pulumi.InvokeOutputOptions(parent=parent)
        partition = aws.get_partition_output(opts=invoke).partition
        region = aws.get_region_output(opts=invoke).region
        owner = self.owner or aws.get_caller_identity_output(opts=invoke).account_id
        return pulumi.Output.concat("arn:", partition, ":appmesh:", region, ":", owner, ":mesh/", self.name)


MESH_ARN = re.compile(r"arn:[a-z-]+:appmesh:[a-z0-9-]+:(?P<owner>\d{12}):mesh/(?P<name>[A-Za-z0-9_.-]+)")


@dataclass(frozen=True)
class AppMeshArgs:
    """One App Mesh mesh.

    Args:
        mesh_name: The mesh's name. Required.
        egress_filter: "DROP_ALL" (default): apps reach only modelled backends (and
            *.amazonaws.com); "ALLOW_ALL" lets them reach anything.
        previous_parents: Components that held the mesh in older stacks; aliased so such a stack
            keeps its mesh. Default none.
        tags: Added to the mesh. Default none.
    """

    mesh_name: str
    # DROP_ALL: only modelled backends (and *.amazonaws.com) are reachable from the mesh.
    egress_filter: Literal["DROP_ALL", "ALLOW_ALL"] = "DROP_ALL"
    # Where the mesh lived in stacks made before this component existed (MeshFoundation made it):
    # aliases to those parents, so such a stack keeps its mesh instead of replacing it.
    previous_parents: Sequence[pulumi.Resource] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


class AppMesh(pulumi.ComponentResource):
    """An App Mesh mesh (AppMeshArgs). Outputs: mesh_name, mesh_arn."""

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
