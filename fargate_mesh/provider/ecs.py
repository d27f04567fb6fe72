"""FargateService: one task definition and the ECS service running it on Fargate, knowing nothing
of a mesh; the containers are ECS container definitions, as ECS's API spells them."""

from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi.provider.experimental.util import camel_case
from pydantic import ValidationError

from fargate_mesh.components.ecs import workload
from fargate_mesh.provider.hosting import dependencies, host
from fargate_mesh.provider.inputs import TaskPlacementArgs, placement
from fargate_mesh.spec import Autoscaling, Problem, SpecError
from fargate_mesh.spec.errors import problems_from_validation


class BlueGreenTrafficArgs(TypedDict):
    """What ECS needs to shift traffic in a CANARY, LINEAR or BLUE_GREEN deployment (BlueGreenTraffic)."""

    alternate_target_group_arn: pulumi.Input[str]
    """The target group the new revision's tasks register in."""
    production_listener_rule: pulumi.Input[str]
    """The listener rule whose weights ECS moves."""
    role_arn: pulumi.Input[str]
    """A role that lets ECS change them."""


class LoadBalancerTargetArgs(TypedDict):
    """A target group and the container port its targets are (LoadBalancerTarget)."""

    target_group_arn: pulumi.Input[str]
    """The target group."""
    container_name: str
    """The container its targets are."""
    container_port: int
    """That container's port."""
    blue_green: NotRequired[BlueGreenTrafficArgs]
    """For a deployment strategy that shifts traffic. Default none: rolling deployments."""


class AutoscalingArgs(TypedDict):
    """Target tracking on the service's average CPU (the spec's autoscaling, with its rules)."""

    max_tasks: int
    """At most this many tasks, 1 to 1000."""
    min_tasks: NotRequired[int]
    """At least this many tasks. Default 1."""
    target_cpu_percent: NotRequired[int]
    """The average CPU it keeps, 10 to 90. Default 60."""


class FargateServiceArgs(TypedDict):
    service_name: str
    """The ECS service's name in the cluster."""
    family: str
    """The task definition family."""
    placement: TaskPlacementArgs
    """Cluster, private subnets, security groups, platform version."""
    containers: list[dict[str, pulumi.Input[Any]]]
    """ECS container definitions, as in ECS's RegisterTaskDefinition (camelCase keys); values may be
    Outputs."""
    cpu: int
    """Fargate task CPU units (256, 512, 1024, ...)."""
    memory: int
    """Fargate task memory in MiB, a combination Fargate offers with cpu."""
    task_role_arn: pulumi.Input[str]
    """The role the containers act as."""
    execution_role_arn: pulumi.Input[str]
    """The role ECS starts the tasks with (pulls images, writes logs)."""
    desired_count: NotRequired[int]
    """Tasks to run. Default 1 (kept inside autoscaling's bounds)."""
    proxy_configuration: NotRequired[dict[str, Any]]
    """The task definition's proxyConfiguration (type, containerName, properties). Default none."""
    volumes: NotRequired[list[dict[str, Any]]]
    """Task volumes the containers share (pulumi-aws's TaskDefinition volumes). Default none."""
    service_registry_arn: NotRequired[pulumi.Input[str]]
    """A Cloud Map service to register the tasks in. Default none."""
    load_balancer: NotRequired[LoadBalancerTargetArgs]
    """A target group for one container port. Default none."""
    autoscaling: NotRequired[AutoscalingArgs]
    """CPU target tracking. Default none: a fixed count."""
    health_check_grace_period_seconds: NotRequired[int]
    """Seconds ECS ignores failing load balancer health checks of a new task. Default: ECS's own."""
    deployment_alarm_names: NotRequired[list[pulumi.Input[str]]]
    """CloudWatch alarms whose ALARM during a deployment rolls it back. Default none."""
    service_connect_configuration: NotRequired[dict[str, Any]]
    """ECS Service Connect (pulumi-aws's serviceConnectConfiguration). Default none."""
    deployment_configuration: NotRequired[dict[str, Any]]
    """An ECS deployment strategy other than rolling (pulumi-aws's deploymentConfiguration).
    Default none: rolling, 100/200 %."""
    tags: NotRequired[dict[str, str]]
    """Added to every resource. Default none."""


def autoscaling(given: AutoscalingArgs) -> Autoscaling:
    """The spec's Autoscaling, checked by the spec's rules; problems at the inputs' camelCase paths."""
    try:
        return Autoscaling.model_validate({camel_case(key): value for key, value in given.items()})
    except ValidationError as err:
        problems = [
            Problem(f"autoscaling.{p.path}", p.message) for p in problems_from_validation(err, Autoscaling)
        ]
        raise SpecError(problems, "FargateService inputs") from None


def load_balancer(given: LoadBalancerTargetArgs) -> workload.LoadBalancerTarget:
    blue_green = given.get("blue_green")
    return workload.LoadBalancerTarget(
        given["target_group_arn"],
        given["container_name"],
        given["container_port"],
        workload.BlueGreenTraffic(**blue_green) if blue_green else None,
    )


def fargate_args(
    args: FargateServiceArgs, opts: pulumi.ResourceOptions | None
) -> workload.FargateServiceArgs:
    """FargateServiceArgs from the hosted component's inputs; the component's dependsOn is what the
    tasks wait for. Autoscaling is checked by the spec's rules."""
    given: dict[str, Any] = dict(args)
    if "autoscaling" in args:
        given["autoscaling"] = autoscaling(args["autoscaling"])
    if "load_balancer" in args:
        given["load_balancer"] = load_balancer(args["load_balancer"])
    given["placement"] = placement(args["placement"])
    return workload.FargateServiceArgs(**given, depends_on=dependencies(opts))


class FargateService(pulumi.ComponentResource):
    """One task definition and the ECS service running it on Fargate: private subnets, no public IP,
    circuit breaker with rollback, 100/200 % deployments, optional CPU target tracking. Give it
    `dependsOn` what must exist before its tasks start (the roles' policies, a listener)."""

    service_name: pulumi.Output[str]
    """The ECS service's name."""
    service_arn: pulumi.Output[str]
    """The ECS service's ARN."""
    task_definition_arn: pulumi.Output[str]
    """The task definition revision it runs."""

    def __init__(
        self, name: str, args: FargateServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        service_arguments = fargate_args(args, opts)
        host(self, name, opts, lambda options: workload.FargateService(name, service_arguments, opts=options))
