"""ServiceRouting: a service's App Mesh side: one virtual node per version, a virtual router with
one route per compiled route, and the virtual service (the FQDN callers use) the router provides.
Names, routes, policies and callees are the compiled service's; this only registers them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.appmesh.tls_setup import MeshTlsParts
from fargate_mesh.components.base import child, type_token
from fargate_mesh.model import CompiledService, CompiledVersion
from fargate_mesh.render.appmesh import specs


@dataclass(frozen=True)
class ServiceRoutingArgs:
    """A service's App Mesh routing: a virtual node per version, a router, its routes, and the
    virtual service. trust_bundle defaults to the Envoy image's CA bundle, mesh_owner to None
    (this account owns the mesh), tags to none."""

    service: CompiledService  # names, routes in evaluation order with their policies, callees
    mesh_name: pulumi.Input[str]
    namespace: str  # Cloud Map namespace the versions register in (shop.local)
    trust_bundle: str = specs.DEFAULT_TRUST_BUNDLE
    # Mesh TLS (None: the mesh has none): listener TLS and client policies on every node.
    mesh_tls: MeshTlsParts | None = None
    # The account owning a mesh shared with this one (AWS RAM); None: this account owns it.
    mesh_owner: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class ServiceRouting(pulumi.ComponentResource):
    """A service's App Mesh routing (ServiceRoutingArgs): a virtual node per version, a virtual
    router with the service's routes in evaluation order, and the virtual service callers use.
    Outputs: node_arns, node_names, router_name, virtual_service_name, virtual_service_arn."""

    node_arns: dict[str, pulumi.Output[str]]
    node_names: dict[str, pulumi.Output[str]]
    router_name: pulumi.Output[str]
    virtual_service_name: pulumi.Output[str]
    virtual_service_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: ServiceRoutingArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(type_token("appmesh", "ServiceRouting"), name, None, opts)
        service = args.service
        tags = dict(args.tags)
        # Fixed names are App Mesh identities: replacing one means deleting it first.
        mesh_opts = child(self, delete_before_replace=True)

        nodes = {
            version.name: aws.appmesh.VirtualNode(
                f"{name}-{version.name}",
                name=version.node,
                mesh_name=args.mesh_name,
                mesh_owner=args.mesh_owner,
                spec=cast(
                    aws.appmesh.VirtualNodeSpecArgsDict,
                    _node_spec(args, version),
                ),
                tags=tags,
                opts=mesh_opts,
            )
            for version in service.versions.values()
        }
        router = aws.appmesh.VirtualRouter(
            f"{name}-router",
            name=service.router,
            mesh_name=args.mesh_name,
            mesh_owner=args.mesh_owner,
            spec=cast(aws.appmesh.VirtualRouterSpecArgsDict, specs.virtual_router_spec(service)),
            tags=tags,
            opts=mesh_opts,
        )
        node_names = {v: n.name for v, n in nodes.items()}
        for route in service.routes:
            # Named after the spec route, so a weight change updates the route in place.
            aws.appmesh.Route(
                f"{name}-route-{route.name}",
                name=route.name,
                mesh_name=args.mesh_name,
                mesh_owner=args.mesh_owner,
                virtual_router_name=router.name,
                spec=cast(aws.appmesh.RouteSpecArgsDict, specs.route_spec_of(route, service, node_names)),
                tags=tags,
                opts=mesh_opts,
            )
        virtual_service = aws.appmesh.VirtualService(
            f"{name}-service",
            name=service.dns_name,
            mesh_name=args.mesh_name,
            mesh_owner=args.mesh_owner,
            spec=cast(aws.appmesh.VirtualServiceSpecArgsDict, specs.router_virtual_service_spec(router.name)),
            tags=tags,
            opts=mesh_opts,
        )
        self.node_arns = {v: n.arn for v, n in nodes.items()}
        self.node_names = node_names
        self.router_name = router.name
        self.virtual_service_name = virtual_service.name
        self.virtual_service_arn = virtual_service.arn
        self.register_outputs(
            {
                "node_arns": self.node_arns,
                "router_name": self.router_name,
                "virtual_service_name": self.virtual_service_name,
                "virtual_service_arn": self.virtual_service_arn,
            }
        )


def _node_spec(args: ServiceRoutingArgs, version: CompiledVersion) -> dict[str, Any]:
    """A version's node, with mesh TLS (listener and client policies) when the mesh has it."""
    spec = specs.virtual_node_spec_of(args.namespace, args.service, version, args.trust_bundle)
    return args.mesh_tls.node_spec(spec, args.service.name) if args.mesh_tls is not None else spec
