"""ExternalService: a dependency outside the mesh (a host and port) made reachable under DROP_ALL:
a virtual node with DNS discovery of the host, and a virtual service named by the host that the
node provides. Callers list the host as a backend; TLS origination is set on their side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.base import child, type_token
from fargate_mesh.model import CompiledExternal
from fargate_mesh.render.appmesh import specs


@dataclass(frozen=True)
class ExternalServiceArgs:
    """A host outside the mesh, reachable under DROP_ALL. mesh_owner defaults to None (this account
    owns the mesh), tags to none."""

    external: CompiledExternal  # its host (also the virtual service's name), port and node name
    mesh_name: pulumi.Input[str]
    # The account owning a mesh shared with this one (AWS RAM); None: this account owns it.
    mesh_owner: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class ExternalService(pulumi.ComponentResource):
    """An external backend in App Mesh: a virtual node with DNS discovery of its host and a virtual
    service named as the host, so a caller's egress filter admits it (ExternalServiceArgs). Outputs:
    node_name, virtual_service_name."""

    node_name: pulumi.Output[str]
    virtual_service_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: ExternalServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("appmesh", "ExternalService"), name, None, opts)
        tags = dict(args.tags)
        mesh_opts = child(self, delete_before_replace=True)
        node = aws.appmesh.VirtualNode(
            f"{name}-node",
            name=args.external.node,
            mesh_name=args.mesh_name,
            mesh_owner=args.mesh_owner,
            spec=cast(aws.appmesh.VirtualNodeSpecArgsDict, specs.external_node_spec_of(args.external)),
            tags=tags,
            opts=mesh_opts,
        )
        service = aws.appmesh.VirtualService(
            f"{name}-service",
            name=args.external.host,
            mesh_name=args.mesh_name,
            mesh_owner=args.mesh_owner,
            spec=cast(aws.appmesh.VirtualServiceSpecArgsDict, specs.node_virtual_service_spec(node.name)),
            tags=tags,
            opts=mesh_opts,
        )
        self.node_name = node.name
        self.virtual_service_name = service.name
        self.register_outputs(
            {"node_name": self.node_name, "virtual_service_name": self.virtual_service_name}
        )
