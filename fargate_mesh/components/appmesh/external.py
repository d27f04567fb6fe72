"""ExternalService: a dependency outside the mesh (a host and port) made reachable under DROP_ALL:
a virtual node with DNS discovery of the host, and a virtual service named by the host that the
node provides. Callers list the host as a backend; TLS origination is set on their side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.base import child, type_token
from fargate_mesh.render.appmesh import specs


@dataclass(frozen=True)
class ExternalServiceArgs:
    """A host outside the mesh, reachable under DROP_ALL.

    Args:
        mesh_name: The mesh. Required.
        host: The host callers call; also the virtual service's name. Required, plain.
        node_name: The virtual node's name. Required, plain.
        port: The host's port. Default 443.
        mesh_owner: The account owning a shared mesh. Default None: this account.
        tags: Added to every resource. Default none.
    """

    mesh_name: pulumi.Input[str]
    host: str  # api.payments.example: also the virtual service's name
    node_name: str  # external-payments
    port: int = 443
    # The account owning a mesh shared with this one (AWS RAM); None: this account owns it.
    mesh_owner: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class ExternalService(pulumi.ComponentResource):
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
            name=args.node_name,
            mesh_name=args.mesh_name,
            mesh_owner=args.mesh_owner,
            spec=specs.external_node_spec(args.host, args.port),
            tags=tags,
            opts=mesh_opts,
        )
        service = aws.appmesh.VirtualService(
            f"{name}-service",
            name=args.host,
            mesh_name=args.mesh_name,
            mesh_owner=args.mesh_owner,
            spec=specs.node_virtual_service_spec(node.name),
            tags=tags,
            opts=mesh_opts,
        )
        self.node_name = node.name
        self.virtual_service_name = service.name
        self.register_outputs(
            {"node_name": self.node_name, "virtual_service_name": self.virtual_service_name}
        )
