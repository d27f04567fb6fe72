"""App Mesh without tasks: AppMesh (the mesh), ServiceRouting (a service's nodes, router, routes and
virtual service) and ExternalService (a host outside the mesh, reachable under DROP_ALL). The last
two take the mesh spec and a name in it, and compile the spec themselves."""

from enum import StrEnum
from typing import Any, NotRequired, TypedDict

import pulumi

from fargate_mesh.components.appmesh import external, mesh, routing
from fargate_mesh.provider.hosting import host
from fargate_mesh.provider.spec_input import compiled_spec, no_mesh_tls, unknown_name
from fargate_mesh.render.appmesh.specs import DEFAULT_TRUST_BUNDLE


class EgressFilter(StrEnum):
    """Where apps in the mesh may connect."""

    DROP_ALL = "DROP_ALL"
    """Only modelled backends (and *.amazonaws.com)."""
    ALLOW_ALL = "ALLOW_ALL"
    """Anywhere."""


class AppMeshArgs(TypedDict):
    mesh_name: str
    """The mesh's name."""
    egress_filter: NotRequired[EgressFilter]
    """Default "DROP_ALL": apps reach only modelled backends; "ALLOW_ALL" lets them reach anything."""
    tags: NotRequired[dict[str, str]]
    """Added to the mesh. Default none."""


class AppMesh(pulumi.ComponentResource):
    """One App Mesh mesh, replaced by deleting first (its name is its identity). Python only:
    `previous_parents` (components of an older Python stack that held the mesh, to alias it to)."""

    mesh_name: pulumi.Output[str]
    """The mesh's name."""
    mesh_arn: pulumi.Output[str]
    """The mesh's ARN."""

    def __init__(self, name: str, args: AppMeshArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        mesh_args = mesh.AppMeshArgs(
            mesh_name=args["mesh_name"],
            egress_filter=args.get("egress_filter", EgressFilter.DROP_ALL).value,
            tags=args.get("tags", {}),
        )
        host(self, name, opts, lambda options: mesh.AppMesh(name, mesh_args, opts=options))


class ServiceRoutingArgs(TypedDict):
    spec: dict[str, Any]
    """The mesh spec, as a stack file's `<project>:mesh` value (docs/spec.md)."""
    service: str
    """The service of the spec whose routing this is."""
    mesh_name: NotRequired[pulumi.Input[str]]
    """The mesh. Default: the spec's name."""
    mesh_owner: NotRequired[str]
    """The account owning a mesh shared with this one (AWS RAM). Default: this account."""
    trust_bundle: NotRequired[str]
    """The CA bundle in the Envoy image TLS backends are checked against. Default
    "/etc/ssl/certs/ca-bundle.crt"."""
    tags: NotRequired[dict[str, str]]
    """Added to every resource. Default none."""


def routing_args(args: ServiceRoutingArgs) -> routing.ServiceRoutingArgs:
    """ServiceRoutingArgs for the spec's service, or every problem at once."""
    name = args["service"]
    compiled = compiled_spec(
        "ServiceRouting",
        args["spec"],
        unknown_name(args["spec"], "services", "service", name),
        no_mesh_tls,
        dataplane="appmesh",
    )
    return routing.ServiceRoutingArgs(
        service=compiled.services[name],
        mesh_name=args.get("mesh_name", compiled.name),
        namespace=compiled.namespace,
        mesh_owner=args.get("mesh_owner"),
        trust_bundle=args.get("trust_bundle", DEFAULT_TRUST_BUNDLE),
        tags=args.get("tags", {}),
    )


class ServiceRouting(pulumi.ComponentResource):
    """A service's App Mesh side, from the spec: a virtual node per version, a virtual router with
    the service's routes in evaluation order, and the virtual service callers use. Python only: `mesh_tls`
    (mesh TLS is MeshStack's, which makes the mesh's certificates; a spec with TLS is refused)."""

    node_arns: pulumi.Output[dict[str, str]]
    """Version → its virtual node's ARN."""
    node_names: pulumi.Output[dict[str, str]]
    """Version → its virtual node's name."""
    router_name: pulumi.Output[str]
    """The virtual router."""
    virtual_service_name: pulumi.Output[str]
    """The name callers reach the service by."""
    virtual_service_arn: pulumi.Output[str]
    """The virtual service's ARN."""

    def __init__(
        self, name: str, args: ServiceRoutingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        routing_arguments = routing_args(args)
        host(self, name, opts, lambda options: routing.ServiceRouting(name, routing_arguments, opts=options))


class ExternalServiceArgs(TypedDict):
    spec: dict[str, Any]
    """The mesh spec, as a stack file's `<project>:mesh` value (docs/spec.md)."""
    external: str
    """The spec's external backend (a key of its `external`)."""
    mesh_name: NotRequired[pulumi.Input[str]]
    """The mesh. Default: the spec's name."""
    mesh_owner: NotRequired[str]
    """The account owning a mesh shared with this one (AWS RAM). Default: this account."""
    tags: NotRequired[dict[str, str]]
    """Added to every resource. Default none."""


def external_args(args: ExternalServiceArgs) -> external.ExternalServiceArgs:
    """ExternalServiceArgs for the spec's external backend, or every problem at once."""
    name = args["external"]
    compiled = compiled_spec(
        "ExternalService",
        args["spec"],
        unknown_name(args["spec"], "external", "external", name),
        dataplane="appmesh",
    )
    return external.ExternalServiceArgs(
        external=compiled.externals[name],
        mesh_name=args.get("mesh_name", compiled.name),
        mesh_owner=args.get("mesh_owner"),
        tags=args.get("tags", {}),
    )


class ExternalService(pulumi.ComponentResource):
    """A backend outside the mesh (the spec's `external.<name>`), reachable under DROP_ALL: a virtual
    node with DNS discovery of its host, and a virtual service named by the host."""

    node_name: pulumi.Output[str]
    """The virtual node that stands for the host."""
    virtual_service_name: pulumi.Output[str]
    """The host, as callers name it."""

    def __init__(
        self, name: str, args: ExternalServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        external_arguments = external_args(args)
        host(
            self, name, opts, lambda options: external.ExternalService(name, external_arguments, opts=options)
        )
