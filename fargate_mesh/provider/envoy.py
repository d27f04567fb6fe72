"""The envoy data plane's workloads, from the mesh spec (`dataplane: envoy`): EnvoyMeshService (one
service's versions, each in a Cloud Map service of its own, with an Envoy sidecar running the
bootstrap rendered from the spec) and EnvoyGateway (the Envoy-only gateway behind the ALB). Each
compiles the spec for envoy itself; the bootstraps go inline in the task definitions, as
`envoy_sidecars` and `envoy_gateway_proxy` render them for a Python program."""

from collections.abc import Callable
from typing import Any, NotRequired, TypedDict, TypeVar

import pulumi

from fargate_mesh.components.ecs.task import Telemetry
from fargate_mesh.components.envoy import gateway, service
from fargate_mesh.components.envoy.sidecars import envoy_gateway_proxy, envoy_images, envoy_sidecars
from fargate_mesh.model import CompiledMesh
from fargate_mesh.provider.hosting import dependencies, host
from fargate_mesh.provider.inputs import (
    ExistingTaskResourcesArgs,
    GatewayAlarmArgs,
    TaskPlacementArgs,
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
from fargate_mesh.spec import Problem, SpecError

T = TypeVar("T")


def rendered(owner: str, render: Callable[[], T]) -> T:
    """What `render` makes of a checked spec, or its refusal (a bootstrap too big to go inline) as
    `owner`'s inputs' problems."""
    try:
        return render()
    except SpecError as refused:
        raise SpecError(refused.problems, f"{owner} inputs") from None


class EnvoyMeshServiceArgs(TypedDict):
    spec: dict[str, Any]
    """The mesh spec, as a stack file's `<project>:mesh` value (docs/spec.md), with `dataplane:
    envoy`: the service, and the services it calls, whose versions its sidecar's bootstrap routes to."""
    service: str
    """The service of the spec to run."""
    namespace_id: pulumi.Input[str]
    """The Cloud Map namespace named as the spec's namespace: each version registers a service there."""
    placement: TaskPlacementArgs
    """Cluster, private subnets, the service's security groups."""
    images: NotRequired[dict[str, pulumi.Input[str]]]
    """Version → the app's image reference. Default: each version's image in the spec (every version
    needs one)."""
    envoy_image: NotRequired[str]
    """Envoy's image. Default: the spec's envoyImage when it names one, else the upstream release the
    bootstraps are validated with."""
    repository_arns: NotRequired[list[pulumi.Input[str]]]
    """Private ECR repositories the images come from (the execution role may pull from these).
    Default none: public images only."""
    read_only_root_filesystem: NotRequired[bool]
    """The app's root filesystem is read-only. Default true; false lets the app write its image's files."""
    existing: NotRequired[ExistingTaskResourcesArgs]
    """A log group, execution role and task role of your own. Default: all are made."""
    task_policy_arns: NotRequired[dict[str, pulumi.Input[str]]]
    """Managed policies the app needs (label → policy ARN), attached to each version's task role.
    Default none."""
    tags: NotRequired[dict[str, str]]
    """Added to every resource. Default none."""


def envoy_service_args(args: EnvoyMeshServiceArgs) -> service.EnvoyMeshServiceArgs:
    """EnvoyMeshServiceArgs for the spec's service, or every problem at once (the spec's on envoy,
    an unknown service, mesh TLS, images), then a bootstrap too big to go inline."""
    name, given = args["service"], args.get("images", {})

    def problems(mesh: CompiledMesh) -> list[Problem]:
        versions = list(mesh.services[name].versions) if name in mesh.services else []
        return no_mesh_tls(mesh) + image_problems(mesh, name, given, versions)

    compiled = compiled_spec(
        "EnvoyMeshService",
        args["spec"],
        unknown_name(args["spec"], "services", "service", name) + task_role_input_problems(args),
        problems,
        dataplane="envoy",
    )
    images = envoy_images(compiled, args.get("envoy_image"))
    proxies = rendered("EnvoyMeshService", lambda: envoy_sidecars(compiled, name, images))
    return service.EnvoyMeshServiceArgs(
        service=compiled.services[name],
        namespace_id=args["namespace_id"],
        placement=placement(args["placement"]),
        images=version_images(compiled.services[name], given),
        proxies=proxies,
        repository_arns=args.get("repository_arns", ()),
        telemetry=Telemetry.of(compiled),
        read_only_root_filesystem=args.get("read_only_root_filesystem", True),
        existing=existing_task_resources(args.get("existing")),
        task_policy_arns=args.get("task_policy_arns", {}),
        tags=args.get("tags", {}),
    )


class EnvoyMeshService(pulumi.ComponentResource):
    """One service of an envoy mesh (`dataplane: envoy`, no App Mesh), from the spec: per version a
    Cloud Map service of its own (`<service>-<version>.<namespace>`, what callers' Envoys resolve), a
    task role, a task definition (app, Envoy sidecar running the bootstrap rendered from the spec,
    X-Ray daemon when tracing) and an ECS service. Callers reach it once their own bootstraps name
    it. Mesh TLS is MeshStack's (a spec with TLS is refused), and so is the S3 store of a bootstrap
    too big for its task definition (refused)."""

    ecs_service_names: pulumi.Output[dict[str, str]]
    """Version → its ECS service's name."""
    discovery_service_arns: pulumi.Output[dict[str, str]]
    """Version → its Cloud Map service's ARN."""
    log_group_name: pulumi.Output[str]
    """The log group its tasks write to."""
    task_role_policies: pulumi.Output[dict[str, str]]
    """Version → the policy document its task role has (or, brought, must allow); null when the
    role needs nothing."""

    def __init__(
        self, name: str, args: EnvoyMeshServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        service_arguments = envoy_service_args(args)
        host(
            self, name, opts, lambda options: service.EnvoyMeshService(name, service_arguments, opts=options)
        )


class EnvoyGatewayArgs(TypedDict):
    spec: dict[str, Any]
    """The mesh spec, as a stack file's `<project>:mesh` value (docs/spec.md), with `dataplane:
    envoy`: its gateway, with the routes to its services and their versions."""
    placement: TaskPlacementArgs
    """Cluster, private subnets, the gateway's security groups."""
    target_group_arn: pulumi.Input[str]
    """The ALB target group the gateway's tasks register in (PublicEndpoint's targetGroupArn)."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """The ALB's CloudWatch dimension (its arnSuffix), for the rollback alarms."""
    target_group_arn_suffix: pulumi.Input[str]
    """The target group's CloudWatch dimension (its arnSuffix), for the rollback alarms."""
    envoy_image: NotRequired[str]
    """Envoy's image. Default: the spec's envoyImage when it names one, else the upstream release the
    bootstraps are validated with."""
    alarms: NotRequired[GatewayAlarmArgs]
    """Thresholds of the rollback alarms. Default: GatewayAlarmArgs' defaults."""
    existing: NotRequired[ExistingTaskResourcesArgs]
    """A log group, execution role and task role of your own. Default: all are made."""
    task_policy_arns: NotRequired[dict[str, pulumi.Input[str]]]
    """Managed policies to attach to the gateway's task role (label → policy ARN). Default none."""
    tags: NotRequired[dict[str, str]]
    """Added to every resource. Default none."""


def envoy_gateway_args(
    args: EnvoyGatewayArgs, opts: pulumi.ResourceOptions | None
) -> gateway.EnvoyGatewayArgs:
    """EnvoyGatewayArgs for the spec's gateway, or every problem at once. The component's dependsOn
    is what its ECS service waits for (the HTTPS listener, the services it routes to)."""
    compiled = compiled_spec(
        "EnvoyGateway", args["spec"], task_role_input_problems(args), no_mesh_tls, dataplane="envoy"
    )
    images = envoy_images(compiled, args.get("envoy_image"))
    return gateway.EnvoyGatewayArgs(
        gateway=compiled.gateway,
        placement=placement(args["placement"]),
        proxy=rendered("EnvoyGateway", lambda: envoy_gateway_proxy(compiled, images)),
        target_group_arn=args["target_group_arn"],
        load_balancer_arn_suffix=args["load_balancer_arn_suffix"],
        target_group_arn_suffix=args["target_group_arn_suffix"],
        alarms=gateway_alarms(args.get("alarms")),
        telemetry=Telemetry.of(compiled),
        service_dependencies=dependencies(opts),
        existing=existing_task_resources(args.get("existing")),
        task_policy_arns=args.get("task_policy_arns", {}),
        tags=args.get("tags", {}),
    )


class EnvoyGateway(pulumi.ComponentResource):
    """The front door of an envoy mesh (`dataplane: envoy`), from the spec's gateway: an Envoy-only
    ECS service whose tasks are the ALB target group's targets, running the gateway's bootstrap
    (its routes in evaluation order, to the versions by their Cloud Map names), rolled back by
    target group alarms. Give it `dependsOn` the ALB's HTTPS listener and the services it routes
    to. Mesh TLS is MeshStack's (a spec with TLS is refused)."""

    ecs_service_name: pulumi.Output[str]
    """The gateway's ECS service."""
    ecs_service_arn: pulumi.Output[str]
    """The gateway's ECS service's ARN."""
    alarm_names: pulumi.Output[list[str]]
    """The alarms that roll a bad gateway deployment back."""
    task_role_policy: pulumi.Output[str]
    """The policy document the gateway's task role has (or, brought, must allow); empty when the
    role needs nothing."""

    def __init__(self, name: str, args: EnvoyGatewayArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        gateway_arguments = envoy_gateway_args(args, opts)
        host(self, name, opts, lambda options: gateway.EnvoyGateway(name, gateway_arguments, opts=options))
