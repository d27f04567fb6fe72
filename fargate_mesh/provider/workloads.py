"""App Mesh workloads, from the mesh spec: MeshService (one service joining a mesh: its routing, a
Cloud Map service, an ECS service per version with its Envoy sidecar) and IngressGateway (the
virtual gateway and its Envoy-only ECS service behind the ALB). Each compiles the spec itself and
takes the ids the Python args take; what the spec says (names, routes, callees, environments,
sizes, log retention, tracing, the Envoy image) comes from the spec, as on the platform."""

from typing import Any, NotRequired, TypedDict

import pulumi

from fargate_mesh.components.appmesh import gateway, service
from fargate_mesh.components.ecs.task import Telemetry
from fargate_mesh.model import CompiledMesh
from fargate_mesh.provider.hosting import dependencies, host
from fargate_mesh.provider.inputs import (
    EnvoyOptionsArgs,
    ExistingTaskResourcesArgs,
    GatewayAlarmArgs,
    TaskPlacementArgs,
    envoy_options,
    existing_task_resources,
    gateway_alarms,
    placement,
)
from fargate_mesh.provider.spec_input import (
    compiled_spec,
    image_problems,
    no_mesh_tls,
    task_role_input_problems,
    unknown_name,
    version_images,
)
from fargate_mesh.render.appmesh.specs import DEFAULT_TRUST_BUNDLE
from fargate_mesh.spec import Problem


class MeshServiceArgs(TypedDict):
    spec: dict[str, Any]
    """The mesh spec, as a stack file's `<project>:mesh` value (docs/spec.md): the service gets the
    names, routes and callees the platform would give it."""
    service: str
    """The service of the spec to run."""
    namespace_id: pulumi.Input[str]
    """The Cloud Map namespace named as the spec's namespace."""
    placement: TaskPlacementArgs
    """Cluster, private subnets, the service's security groups."""
    mesh_name: NotRequired[pulumi.Input[str]]
    """The mesh. Default: the spec's name."""
    mesh_owner: NotRequired[str]
    """The account owning a mesh shared with this one (AWS RAM). Default: this account."""
    images: NotRequired[dict[str, pulumi.Input[str]]]
    """Version → image reference. Default: each version's image in the spec (every version needs one)."""
    repository_arns: NotRequired[list[pulumi.Input[str]]]
    """Private ECR repositories the images come from (the execution role may pull from these).
    Default none: public images only."""
    envoy: NotRequired[EnvoyOptionsArgs]
    """The Envoy image and health check. Default: the spec's envoyImage, the App Mesh guide's check."""
    trust_bundle: NotRequired[str]
    """The CA bundle in the Envoy image TLS backends are checked against. Default
    "/etc/ssl/certs/ca-bundle.crt"."""
    read_only_root_filesystem: NotRequired[bool]
    """The app's root filesystem is read-only. Default true; false lets the app write its image's files."""
    existing: NotRequired[ExistingTaskResourcesArgs]
    """A log group, execution role and task role of your own. Default: all are made."""
    task_policy_arns: NotRequired[dict[str, pulumi.Input[str]]]
    """Managed policies the app needs (label → policy ARN), attached to each version's task role.
    Default none."""
    tags: NotRequired[dict[str, str]]
    """Added to every resource. Default none."""


def service_args(args: MeshServiceArgs) -> service.MeshServiceArgs:
    """MeshServiceArgs for the spec's service, or every problem at once (the spec's, an unknown
    service, versions without an image, images for versions the service does not have)."""
    name, given = args["service"], args.get("images", {})

    def problems(mesh: CompiledMesh) -> list[Problem]:
        versions = list(mesh.services[name].versions) if name in mesh.services else []
        return no_mesh_tls(mesh) + image_problems(mesh, name, given, versions)

    compiled = compiled_spec(
        "MeshService",
        args["spec"],
        unknown_name(args["spec"], "services", "service", name) + task_role_input_problems(args),
        problems,
        dataplane="appmesh",
    )
    compiled_service = compiled.services[name]
    images = version_images(compiled_service, given)
    return service.MeshServiceArgs(
        service=compiled_service,
        mesh_name=args.get("mesh_name", compiled.name),
        mesh_owner=args.get("mesh_owner"),
        namespace=compiled.namespace,
        namespace_id=args["namespace_id"],
        placement=placement(args["placement"]),
        images=images,
        repository_arns=args.get("repository_arns", ()),
        telemetry=Telemetry.of(compiled),
        envoy=envoy_options(args.get("envoy"), compiled),
        trust_bundle=args.get("trust_bundle", DEFAULT_TRUST_BUNDLE),
        read_only_root_filesystem=args.get("read_only_root_filesystem", True),
        existing=existing_task_resources(args.get("existing")),
        task_policy_arns=args.get("task_policy_arns", {}),
        tags=args.get("tags", {}),
    )


class MeshService(pulumi.ComponentResource):
    """One service of the spec joining an App Mesh mesh (made by MeshStack, AppMesh, or shared by
    another account): its virtual nodes, router, routes and virtual service, one Cloud Map service,
    and per version a task role, a task definition (app, Envoy sidecar, X-Ray daemon) and an ECS
    service. Python only: `mesh_tls`
    (mesh TLS is MeshStack's, which makes the mesh's certificates; a spec with TLS is refused)."""

    virtual_service_name: pulumi.Output[str]
    """The name callers reach the service by."""
    node_arns: pulumi.Output[dict[str, str]]
    """Version → its virtual node's ARN."""
    ecs_service_names: pulumi.Output[dict[str, str]]
    """Version → its ECS service's name."""
    log_group_name: pulumi.Output[str]
    """The log group its tasks write to."""
    discovery_service_arn: pulumi.Output[str]
    """The Cloud Map service its tasks register in."""
    task_role_policies: pulumi.Output[dict[str, str]]
    """Version → the policy document its task role has (or, brought, must allow); null when the
    role needs nothing."""

    def __init__(self, name: str, args: MeshServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        service_arguments = service_args(args)
        host(self, name, opts, lambda options: service.MeshService(name, service_arguments, opts=options))


class IngressGatewayArgs(TypedDict):
    spec: dict[str, Any]
    """The mesh spec, as a stack file's `<project>:mesh` value (docs/spec.md): its gateway, with the
    routes to its services."""
    placement: TaskPlacementArgs
    """Cluster, private subnets, the gateway's security groups."""
    target_group_arn: pulumi.Input[str]
    """The ALB target group the gateway's tasks register in (PublicEndpoint's targetGroupArn)."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """The ALB's CloudWatch dimension (its arnSuffix), for the rollback alarms."""
    target_group_arn_suffix: pulumi.Input[str]
    """The target group's CloudWatch dimension (its arnSuffix), for the rollback alarms."""
    mesh_name: NotRequired[pulumi.Input[str]]
    """The mesh. Default: the spec's name."""
    mesh_owner: NotRequired[str]
    """The account owning a mesh shared with this one (AWS RAM). Default: this account."""
    alarms: NotRequired[GatewayAlarmArgs]
    """Thresholds of the rollback alarms. Default: GatewayAlarmArgs' defaults."""
    envoy: NotRequired[EnvoyOptionsArgs]
    """The Envoy image and health check. Default: the spec's envoyImage, the App Mesh guide's check."""
    existing: NotRequired[ExistingTaskResourcesArgs]
    """A log group, execution role and task role of your own. Default: all are made."""
    task_policy_arns: NotRequired[dict[str, pulumi.Input[str]]]
    """Managed policies to attach to the gateway's task role (label → policy ARN). Default none."""
    tags: NotRequired[dict[str, str]]
    """Added to every resource. Default none."""


def gateway_args(args: IngressGatewayArgs, opts: pulumi.ResourceOptions | None) -> gateway.IngressGatewayArgs:
    """IngressGatewayArgs for the spec's gateway, or every problem at once. The component's
    dependsOn is what its gateway routes (the services they name) and its ECS service (the HTTPS
    listener) wait for."""
    compiled = compiled_spec(
        "IngressGateway", args["spec"], task_role_input_problems(args), no_mesh_tls, dataplane="appmesh"
    )
    waits_for = dependencies(opts)
    return gateway.IngressGatewayArgs(
        gateway=compiled.gateway,
        mesh_name=args.get("mesh_name", compiled.name),
        mesh_owner=args.get("mesh_owner"),
        placement=placement(args["placement"]),
        target_group_arn=args["target_group_arn"],
        load_balancer_arn_suffix=args["load_balancer_arn_suffix"],
        target_group_arn_suffix=args["target_group_arn_suffix"],
        alarms=gateway_alarms(args.get("alarms")),
        telemetry=Telemetry.of(compiled),
        envoy=envoy_options(args.get("envoy"), compiled),
        route_dependencies=waits_for,
        service_dependencies=waits_for,
        existing=existing_task_resources(args.get("existing")),
        task_policy_arns=args.get("task_policy_arns", {}),
        tags=args.get("tags", {}),
    )


class IngressGateway(pulumi.ComponentResource):
    """The mesh's front door, from the spec's gateway: an App Mesh virtual gateway with its routes in
    evaluation order, run as an Envoy-only ECS service whose tasks are the ALB target group's
    targets, rolled back by target group alarms. Give it `dependsOn` the services its routes name
    and the ALB's HTTPS listener. Python only: `mesh_tls`
    (mesh TLS is MeshStack's, which makes the mesh's certificates; a spec with TLS is refused)."""

    virtual_gateway_arn: pulumi.Output[str]
    """The virtual gateway's ARN."""
    virtual_gateway_name: pulumi.Output[str]
    """The virtual gateway's name."""
    ecs_service_name: pulumi.Output[str]
    """The gateway's ECS service."""
    alarm_names: pulumi.Output[list[str]]
    """The alarms that roll a bad gateway deployment back."""
    task_role_policy: pulumi.Output[str]
    """The policy document the gateway's task role has (or, brought, must allow); empty when the
    role needs nothing."""

    def __init__(
        self, name: str, args: IngressGatewayArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        gateway_arguments = gateway_args(args, opts)
        host(self, name, opts, lambda options: gateway.IngressGateway(name, gateway_arguments, opts=options))
