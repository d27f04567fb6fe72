"""EnvoyGateway: the mesh's front door without App Mesh. An Envoy-only ECS service behind the ALB
that runs the gateway's rendered bootstrap (gateway routes, then each service's router, to the
versions' sidecars by their Cloud Map names), with the alarms that roll a bad deployment back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi

from fargate_mesh.components.alarms import GatewayAlarmArgs, target_group_alarms
from fargate_mesh.components.base import type_token
from fargate_mesh.components.ecs.task import Capacity, TaskArgs, TaskGroup, Telemetry
from fargate_mesh.components.ecs.workload import LoadBalancerTarget, TaskPlacement
from fargate_mesh.components.envoy.proxy import ENVOY_CONTAINER, EnvoyProxy
from fargate_mesh.components.names import GatewayNames
from fargate_mesh.model import CompiledGateway


@dataclass(frozen=True)
class EnvoyGatewayArgs:
    gateway: CompiledGateway
    names: GatewayNames  # ECS service and task family, log group, the alarms' prefix
    placement: TaskPlacement
    proxy: EnvoyProxy  # with the gateway's bootstrap and gateway_port
    target_group_arn: pulumi.Input[str]
    load_balancer_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    alarms: GatewayAlarmArgs = field(default_factory=GatewayAlarmArgs)
    telemetry: Telemetry = field(default_factory=Telemetry)
    # ECS rejects a target group no load balancer uses yet: the HTTPS listener.
    service_dependencies: Sequence[pulumi.Resource] = ()
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def execution_role_description(self) -> str:
        return f"ECS writes logs for {self.names.gateway}"

    @property
    def repository_arns(self) -> tuple[str, ...]:
        """No private repository: Envoy (and the AWS CLI) come from public registries."""
        return ()

    def __post_init__(self) -> None:
        if self.proxy.gateway_port != self.gateway.port:
            raise ValueError(
                f"EnvoyGatewayArgs.proxy: listens on {self.proxy.gateway_port}, the gateway on {self.gateway.port}"
            )


class EnvoyGateway(pulumi.ComponentResource):
    ecs_service_name: pulumi.Output[str]
    ecs_service_arn: pulumi.Output[str]
    alarm_names: list[pulumi.Output[str]]

    def __init__(self, name: str, args: EnvoyGatewayArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("envoy", "Gateway"), name, None, opts)
        gateway = args.gateway
        tasks = TaskGroup(name, self, args)
        alarms = target_group_alarms(
            f"{name}-alarm",
            alarm_prefix=args.names.gateway,
            load_balancer_arn_suffix=args.load_balancer_arn_suffix,
            target_group_arn_suffix=args.target_group_arn_suffix,
            settings=args.alarms,
            tags=dict(args.tags),
            parent=self,
        )
        workload = tasks.service(
            f"{name}-envoy",
            TaskArgs(
                proxy=args.proxy,
                names=args.names.task,
                task_role=f"{name}-task",
                label=args.names.gateway,
                capacity=Capacity(gateway.size, gateway.desired_count, gateway.autoscaling),
                load_balancer=LoadBalancerTarget(args.target_group_arn, ENVOY_CONTAINER, gateway.port),
                # Envoy resolves the versions' names before it is LIVE and the ALB's checks can pass.
                health_check_grace_period_seconds=60,
                deployment_alarm_names=[alarm.name for alarm in alarms],
                depends_on=args.service_dependencies,
            ),
        )
        self.ecs_service_name = workload.service_name
        self.ecs_service_arn = workload.service_arn
        self.alarm_names = [alarm.name for alarm in alarms]
        self.register_outputs(
            {
                "ecs_service_name": self.ecs_service_name,
                "ecs_service_arn": self.ecs_service_arn,
                "alarm_names": self.alarm_names,
            }
        )
