"""ServiceRouting: a service's App Mesh side: one virtual node per version, a virtual router with
one route per spec route, and the virtual service (the FQDN callers use) the router provides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.base import child, type_token
from fargate_mesh.components.names import ServiceNames
from fargate_mesh.render.appmesh import specs
from fargate_mesh.spec import Service


@dataclass(frozen=True)
class ServiceRoutingArgs:
    """A service's App Mesh routing: a virtual node per version, a router, its routes, and the
    virtual service. Args as MeshServiceArgs' of the same names; mesh_owner default None (this
    account), backends and tags default none, trust_bundle the Envoy image's."""

    name: str  # the service (products)
    service: Service
    names: ServiceNames  # virtual service, router, Cloud Map service; per version node and task family
    mesh_name: pulumi.Input[str]
    namespace: str  # Cloud Map namespace the versions register in (shop.local)
    backends: Sequence[specs.MeshBackend] = ()
    trust_bundle: str = specs.DEFAULT_TRUST_BUNDLE
    # The account owning a mesh shared with this one (AWS RAM); None: this account owns it.
    mesh_owner: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class ServiceRouting(pulumi.ComponentResource):
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
        check_versions(args.name, service, args.names)
        tags = dict(args.tags)
        # Fixed names are App Mesh identities: replacing one means deleting it first.
        mesh_opts = child(self, delete_before_replace=True)

        names = args.names
        nodes: dict[str, aws.appmesh.VirtualNode] = {}
        for version in service.versions:
            nodes[version] = aws.appmesh.VirtualNode(
                f"{name}-{version}",
                name=names.versions[version].node,
                mesh_name=args.mesh_name,
                mesh_owner=args.mesh_owner,
                spec=specs.virtual_node_spec(
                    service,
                    version,
                    namespace=args.namespace,
                    cloud_map_service=names.cloud_map_service,
                    task_family=names.versions[version].task.family,
                    backends=args.backends,
                    trust_bundle=args.trust_bundle,
                ),
                tags=tags,
                opts=mesh_opts,
            )
        router = aws.appmesh.VirtualRouter(
            f"{name}-router",
            name=names.router,
            mesh_name=args.mesh_name,
            mesh_owner=args.mesh_owner,
            spec=specs.virtual_router_spec(service),
            tags=tags,
            opts=mesh_opts,
        )
        node_names = {v: n.name for v, n in nodes.items()}
        for route in service.effective_routes():
            # Named after the spec route, so a weight change updates the route in place.
            aws.appmesh.Route(
                f"{name}-route-{route.name}",
                name=route.name,
                mesh_name=args.mesh_name,
                mesh_owner=args.mesh_owner,
                virtual_router_name=router.name,
                spec=specs.route_spec(route, service, node_names),
                tags=tags,
                opts=mesh_opts,
            )
        virtual_service = aws.appmesh.VirtualService(
            f"{name}-service",
            name=names.virtual_service,
            mesh_name=args.mesh_name,
            mesh_owner=args.mesh_owner,
            spec=specs.router_virtual_service_spec(router.name),
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


def check_versions(name: str, service: Service, names: ServiceNames) -> None:
    """Every version must be named, and route targets must be versions of this service (the spec
    checks it; a Service built in Python skips those cross-object checks)."""
    unnamed = sorted(set(service.versions) - set(names.versions))
    if unnamed:
        raise ValueError(f"service {name!r}: no names for versions {unnamed}")
    for route in service.effective_routes():
        unknown = sorted(set(route.targets) - set(service.versions))
        if unknown:
            raise ValueError(
                f"service {name!r} route {route.name!r} targets unknown versions {unknown}; "
                f"versions are {sorted(service.versions)}"
            )
