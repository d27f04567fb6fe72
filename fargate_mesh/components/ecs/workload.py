"""FargateService: one task definition and the ECS service that runs it on Fargate in private
subnets, with safe deployments and optional CPU target-tracking autoscaling. Knows nothing of a
mesh: the caller brings the containers and, for App Mesh, the proxy configuration."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.args import require_plain
from fargate_mesh.components.base import child, type_token
from fargate_mesh.facts import FARGATE_PLATFORM_VERSION
from fargate_mesh.spec import Autoscaling


@dataclass(frozen=True)
class BlueGreenTraffic:
    """What ECS needs to shift a load balancer's traffic during a CANARY, LINEAR or BLUE_GREEN
    deployment: the alternate target group, the listener rule whose weights it moves, and a role
    that lets ECS change them."""

    alternate_target_group_arn: pulumi.Input[str]
    production_listener_rule: pulumi.Input[str]
    role_arn: pulumi.Input[str]


@dataclass(frozen=True)
class LoadBalancerTarget:
    """A target group and the container port its targets are."""

    target_group_arn: pulumi.Input[str]
    container_name: str
    container_port: int
    blue_green: BlueGreenTraffic | None = None


@dataclass(frozen=True)
class TaskPlacement:
    """Where a workload's tasks run: its cluster, private subnets and security groups."""

    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_ids: pulumi.Input[Sequence[pulumi.Input[str]]]  # a list, or an Output of one
    # Pinned (facts.FARGATE_PLATFORM_VERSION) so a new LATEST is a choice; App Mesh needs >= 1.3.0.
    platform_version: str = FARGATE_PLATFORM_VERSION

    def __post_init__(self) -> None:
        require_plain("TaskPlacement", platform_version=self.platform_version)


@dataclass(frozen=True)
class FargateServiceArgs:
    """One task definition and the ECS service running it on Fargate: private subnets, no public
    IP, circuit breaker with rollback, 100/200 % deployments.

    Args:
        service_name: The ECS service's name in the cluster. Required, plain.
        family: The task definition family. Required, plain.
        placement: Cluster, subnets, security groups, platform version. Required.
        containers: ECS container definitions (values may be Outputs). Required.
        cpu, memory: Fargate task size. Required.
        task_role_arn, execution_role_arn: The task's roles. Required.
        desired_count: Tasks to run. Default 1 (kept inside autoscaling's bounds).
        proxy_configuration: The task's proxy configuration. Default None.
        service_registry_arn: A Cloud Map service to register tasks in. Default None.
        load_balancer: A target group for one container port. Default None.
        autoscaling: CPU target tracking. Default None: a fixed count.
        health_check_grace_period_seconds: Default None (ECS's default).
        deployment_alarm_names: Alarms that roll a deployment back. Default none.
        depends_on: What must exist before tasks start. Default none.
        tags: Added to every resource. Default none.
    """

    service_name: str  # the ECS service's name in the cluster
    family: str  # task definition family; unique per version (App Mesh filters Cloud Map on it)
    placement: TaskPlacement
    containers: Sequence[Mapping[str, Any]]
    cpu: int
    memory: int
    task_role_arn: pulumi.Input[str]
    execution_role_arn: pulumi.Input[str]
    desired_count: int = 1
    proxy_configuration: Mapping[str, Any] | None = None
    # Task volumes the containers share (the mesh TLS folder, a fetched bootstrap); none by default.
    volumes: Sequence[Mapping[str, Any]] = ()
    service_registry_arn: pulumi.Input[str] | None = None
    load_balancer: LoadBalancerTarget | None = None
    autoscaling: Autoscaling | None = None
    health_check_grace_period_seconds: int | None = None
    # CloudWatch alarms that mean "this revision is bad": ALARM during a deployment rolls it back.
    deployment_alarm_names: Sequence[pulumi.Input[str]] = ()
    # ECS Service Connect (pulumi-aws's service_connect_configuration shape), if the service takes part.
    service_connect_configuration: Mapping[str, Any] | None = None
    # An ECS deployment strategy other than rolling (pulumi-aws's deployment_configuration shape).
    deployment_configuration: Mapping[str, Any] | None = None
    # What must exist before tasks start (e.g. the roles' policies, the load balancer's listener).
    # Given here because a component's own depends_on does not reach its children.
    depends_on: Sequence[pulumi.Resource] = ()
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_plain(
            "FargateServiceArgs",
            service_name=self.service_name,
            family=self.family,
            cpu=self.cpu,
            memory=self.memory,
            desired_count=self.desired_count,
        )


def _load_balancer(target: LoadBalancerTarget) -> dict[str, Any]:
    result: dict[str, Any] = {
        "target_group_arn": target.target_group_arn,
        "container_name": target.container_name,
        "container_port": target.container_port,
    }
    if target.blue_green is not None:
        result["advanced_configuration"] = {
            "alternate_target_group_arn": target.blue_green.alternate_target_group_arn,
            "production_listener_rule": target.blue_green.production_listener_rule,
            "role_arn": target.blue_green.role_arn,
        }
    return result


def _ignored_changes(args: FargateServiceArgs) -> list[str]:
    """Inputs ECS itself changes after they are set: the desired count under autoscaling, and the
    target groups, which a blue/green, canary or linear deployment swaps."""
    ignored = []
    if args.autoscaling is not None:
        ignored.append("desired_count")
    if args.load_balancer is not None and args.load_balancer.blue_green is not None:
        ignored.append("load_balancers")
    return ignored


class FargateService(pulumi.ComponentResource):
    """One task definition and its ECS service on Fargate (FargateServiceArgs): private subnets, no
    public IP, circuit breaker with rollback. Outputs: service_name, service_arn,
    task_definition_arn."""

    service_name: pulumi.Output[str]
    service_arn: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: FargateServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("ecs", "FargateService"), name, None, opts)
        tags = dict(args.tags)
        placement = args.placement
        task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=args.family,
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            cpu=str(args.cpu),
            memory=str(args.memory),
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": "X86_64"},
            task_role_arn=args.task_role_arn,
            execution_role_arn=args.execution_role_arn,
            container_definitions=pulumi.Output.json_dumps(list(args.containers)),
            # ECS's proxyConfiguration, as the Proxy wrote it (snake_case keys of pulumi-aws's dict form).
            proxy_configuration=cast(Any, dict(args.proxy_configuration))
            if args.proxy_configuration
            else None,
            # Absent rather than empty when there are none, so existing task definitions are unchanged.
            volumes=cast(Any, [dict(v) for v in args.volumes]) or None,
            tags=tags,
            opts=child(self),
        )
        desired = args.desired_count
        if args.autoscaling is not None:
            # Start inside the scaling bounds; afterwards the scaler owns the count.
            desired = min(max(desired, args.autoscaling.min_tasks), args.autoscaling.max_tasks)
        service = aws.ecs.Service(
            f"{name}-service",
            name=args.service_name,
            cluster=placement.cluster_arn,
            task_definition=task_definition.arn,
            launch_type="FARGATE",
            platform_version=placement.platform_version,
            desired_count=desired,
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=placement.subnet_ids,
                security_groups=placement.security_group_ids,
                assign_public_ip=False,
            ),
            service_registries=aws.ecs.ServiceServiceRegistriesArgs(registry_arn=args.service_registry_arn)
            if args.service_registry_arn
            else None,
            load_balancers=cast(Any, [_load_balancer(args.load_balancer)]) if args.load_balancer else None,
            health_check_grace_period_seconds=args.health_check_grace_period_seconds,
            # New tasks must be healthy before old ones go; a deployment that cannot get there rolls back.
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            alarms=aws.ecs.ServiceAlarmsArgs(
                alarm_names=list(args.deployment_alarm_names), enable=True, rollback=True
            )
            if args.deployment_alarm_names
            else None,
            # Rendered by render/serviceconnect in pulumi-aws's dict form (snake_case keys).
            service_connect_configuration=cast(Any, dict(args.service_connect_configuration))
            if args.service_connect_configuration
            else None,
            deployment_configuration=cast(Any, dict(args.deployment_configuration))
            if args.deployment_configuration
            else None,
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            tags=tags,
            opts=child(
                self,
                # A fixed name cannot exist twice, so a replacement must delete first.
                delete_before_replace=True,
                ignore_changes=_ignored_changes(args) or None,
                depends_on=list(args.depends_on),
            ),
        )
        if args.autoscaling is not None:
            self._autoscale(name, args, service, tags)
        self.service_name = service.name
        self.service_arn = service.arn
        self.task_definition_arn = task_definition.arn
        self.register_outputs(
            {
                "service_name": self.service_name,
                "service_arn": self.service_arn,
                "task_definition_arn": self.task_definition_arn,
            }
        )

    def _autoscale(
        self, name: str, args: FargateServiceArgs, service: aws.ecs.Service, tags: dict[str, str]
    ) -> None:
        scaling = args.autoscaling
        assert scaling is not None
        target = aws.appautoscaling.Target(
            f"{name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", args.placement.cluster_name, "/", service.name),
            min_capacity=scaling.min_tasks,
            max_capacity=scaling.max_tasks,
            tags=tags,
            opts=child(self),
        )
        aws.appautoscaling.Policy(
            f"{name}-cpu",
            name=f"{args.service_name}-cpu",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration={
                "target_value": scaling.target_cpu_percent,
                "predefined_metric_specification": {
                    "predefined_metric_type": "ECSServiceAverageCPUUtilization"
                },
                # Out fast, in slowly: a flapping service is worse than a few idle tasks.
                "scale_out_cooldown": 60,
                "scale_in_cooldown": 300,
            },
            opts=child(self),
        )
