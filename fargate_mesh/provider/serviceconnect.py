"""The Service Connect data plane's workload, from the mesh spec (`dataplane: serviceConnect`):
ConnectService, one ECS service with ECS's own proxy, and the spec's gateway routes to it as rules
on an HTTPS listener you have. It compiles the spec for serviceConnect itself."""

from typing import Any, NotRequired, TypedDict

import pulumi

from fargate_mesh.components.ecs.task import Telemetry
from fargate_mesh.components.serviceconnect import service
from fargate_mesh.model import CompiledMesh
from fargate_mesh.model.rollouts import steady_version
from fargate_mesh.provider.hosting import dependencies, host
from fargate_mesh.provider.inputs import (
    ExistingTaskResourcesArgs,
    GatewayAlarmArgs,
    TaskPlacementArgs,
    existing_task_resources,
    gateway_alarms,
    placement,
)
from fargate_mesh.provider.spec_input import compiled_spec, task_role_input_problems, unknown_name
from fargate_mesh.render import alb
from fargate_mesh.spec import Problem


class ConnectEdgeArgs(TypedDict):
    """Where the service's gateway routes become listener rules (EdgeArgs; the rules are the spec's
    gateway routes to the service, in evaluation order, their priorities from 1)."""

    vpc_id: pulumi.Input[str]
    """The VPC of the service's target group."""
    listener_arn: pulumi.Input[str]
    """The HTTPS listener the rules go on; its other rules must stay clear of their priorities."""
    load_balancer_arn_suffix: pulumi.Input[str]
    """The ALB's CloudWatch dimension (its arnSuffix), for the deployment alarms."""
    alarms: NotRequired[GatewayAlarmArgs]
    """Thresholds of the deployment alarms. Default: GatewayAlarmArgs' defaults."""


class ConnectServiceArgs(TypedDict):
    spec: dict[str, Any]
    """The mesh spec, as a stack file's `<project>:mesh` value (docs/spec.md), with `dataplane:
    serviceConnect`: the service, and the gateway routes to it."""
    service: str
    """The service of the spec to run."""
    placement: TaskPlacementArgs
    """Cluster, private subnets, the service's security groups."""
    namespace: NotRequired[pulumi.Input[str]]
    """The Cloud Map namespace (name or ARN) the service is published in. Default: the spec's namespace."""
    mesh_name: NotRequired[str]
    """The mesh's name, spelled into the task family. Default: the spec's name."""
    image: NotRequired[pulumi.Input[str]]
    """The steady version's image reference. Default: that version's image in the spec."""
    kit_health_check: NotRequired[bool]
    """The image is built with the apps kit, whose health check command ECS runs in the container.
    Default false: no container health check."""
    repository_arns: NotRequired[list[pulumi.Input[str]]]
    """Private ECR repositories the image comes from (the execution role may pull from these).
    Default none: public images only."""
    edge: NotRequired[ConnectEdgeArgs]
    """The HTTPS listener the spec's gateway routes to the service go on. Default none; required when
    the spec routes to the service, refused when it does not."""
    read_only_root_filesystem: NotRequired[bool]
    """The app's root filesystem is read-only. Default true; false lets the app write its image's files."""
    existing: NotRequired[ExistingTaskResourcesArgs]
    """A log group, execution role and task role of your own. Default: all are made."""
    task_policy_arns: NotRequired[dict[str, pulumi.Input[str]]]
    """Managed policies the app needs (label → policy ARN), attached to its task role. Default none."""
    tags: NotRequired[dict[str, str]]
    """Added to every resource. Default none."""


def connect_args(args: ConnectServiceArgs, opts: pulumi.ResourceOptions | None) -> service.ConnectServiceArgs:
    """ConnectServiceArgs for the spec's service, or every problem at once (the spec's on
    serviceConnect, an unknown service, no image, an edge without routes or routes without an
    edge). The component's dependsOn is what the service waits for (the HTTPS listener)."""
    name = args["service"]

    def problems(mesh: CompiledMesh) -> list[Problem]:
        if name not in mesh.services:
            return []
        found = []
        steady = steady_version(mesh.services[name])
        if "image" not in args and mesh.services[name].versions[steady].image is None:
            found.append(
                Problem(
                    "image",
                    f"the steady version {steady} of {name} has no image: give image, or image: in the spec",
                )
            )
        routed = any(rule.service == name for rule in alb.listener_rules(mesh))
        if routed and "edge" not in args:
            found.append(Problem("edge", f"the spec's gateway routes to {name}: give the HTTPS listener"))
        if "edge" in args and not routed:
            found.append(Problem("edge", f"no gateway route of the spec targets {name}: leave edge out"))
        return found

    compiled = compiled_spec(
        "ConnectService",
        args["spec"],
        unknown_name(args["spec"], "services", "service", name) + task_role_input_problems(args),
        problems,
        dataplane="serviceConnect",
    )
    compiled_service = compiled.services[name]
    steady = steady_version(compiled_service)
    edge = args.get("edge")
    return service.ConnectServiceArgs(
        service=compiled_service,
        mesh_name=args.get("mesh_name", compiled.name),
        namespace=args.get("namespace", compiled.namespace),
        placement=placement(args["placement"]),
        image=args.get("image") or compiled_service.versions[steady].image or "",
        kit_health_check=args.get("kit_health_check", False),
        repository_arns=args.get("repository_arns", ()),
        edge=service.EdgeArgs.for_service(
            compiled,
            name,
            vpc_id=edge["vpc_id"],
            listener_arn=edge["listener_arn"],
            load_balancer_arn_suffix=edge["load_balancer_arn_suffix"],
            alarms=gateway_alarms(edge.get("alarms")),
            depends_on=dependencies(opts),
        )
        if edge
        else None,
        telemetry=Telemetry.of(compiled),
        read_only_root_filesystem=args.get("read_only_root_filesystem", True),
        existing=existing_task_resources(args.get("existing")),
        task_policy_arns=args.get("task_policy_arns", {}),
        tags=args.get("tags", {}),
    )


class ConnectService(pulumi.ComponentResource):
    """One service of a Service Connect mesh (`dataplane: serviceConnect`), from the spec: one ECS
    service running its steady version (the app alone; ECS adds its Service Connect proxy),
    published in the namespace under the service's client alias, and, with `edge`, an ip target
    group, a rule per gateway route on the HTTPS listener and deployment alarms that roll a bad
    revision back. The ALB's security group must reach the service on its port (MeshFirewall's
    externalSources). Give it `dependsOn` the HTTPS listener."""

    ecs_service_name: pulumi.Output[str]
    """The ECS service's name."""
    client_alias: pulumi.Output[str]
    """The name:port the cluster's Service Connect services call it by."""
    target_group_arn: pulumi.Output[str]
    """Its target group's ARN; empty without an edge."""
    listener_rule_arns: pulumi.Output[list[str]]
    """Its listener rules' ARNs, in evaluation order; none without an edge."""
    task_role_policy: pulumi.Output[str]
    """The policy document its task role has (or, brought, must allow); empty when the role needs
    nothing."""

    def __init__(
        self, name: str, args: ConnectServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        connect_arguments = connect_args(args, opts)
        host(self, name, opts, lambda options: service.ConnectService(name, connect_arguments, opts=options))
