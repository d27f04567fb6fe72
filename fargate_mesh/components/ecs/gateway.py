"""A gateway's tasks behind the ALB, whatever the data plane: its proxy as the target group's target,
and the target group's alarms rolling a bad deployment back. The envoy data plane's gateway and App
Mesh's run this; App Mesh's names its inline policies as live stacks hold them (policy_prefix)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.alarms import GatewayAlarmArgs, target_group_alarms
from fargate_mesh.components.ecs.task import Capacity, Proxy, TaskArgs, TaskGroup, Workload
from fargate_mesh.components.ecs.workload import FargateService, LoadBalancerTarget
from fargate_mesh.components.names import TaskNames
from fargate_mesh.model import CompiledGateway


class GatewayWorkload(Workload, Protocol):
    """What a gateway component's args give (IngressGatewayArgs, EnvoyGatewayArgs)."""

    @property
    def gateway(self) -> CompiledGateway: ...
    @property
    def target_group_arn(self) -> pulumi.Input[str]: ...
    @property
    def load_balancer_arn_suffix(self) -> pulumi.Input[str]: ...
    @property
    def target_group_arn_suffix(self) -> pulumi.Input[str]: ...
    @property
    def alarms(self) -> GatewayAlarmArgs: ...
    @property
    def service_dependencies(self) -> Sequence[pulumi.Resource]: ...


class GatewayTasks(NamedTuple):
    service: FargateService
    alarms: list[aws.cloudwatch.MetricAlarm]
    task_role_policy: pulumi.Output[str] | None  # what its task role allows (None: nothing)


def gateway_service(
    name: str,
    parent: pulumi.Resource,
    args: GatewayWorkload,
    proxy: Proxy,
    container: str,
    policy_prefix: str | None = None,
) -> GatewayTasks:
    """The gateway's ECS service (`<name>-envoy`) with its log group, roles and alarms, as children of
    `parent`; the ALB sends to `container` on the gateway's port. Inline policies are named
    `<policy_prefix>-execution-inline` and `<policy_prefix>-task-inline` when it is given, else after
    the roles."""
    gateway = args.gateway
    tasks = TaskGroup(name, parent, args, policy_prefix=policy_prefix)
    # Named after the gateway (<mesh>-gateway-...): alarm names are unique per account and region.
    alarms = target_group_alarms(
        f"{name}-alarm",
        alarm_prefix=gateway.name,
        load_balancer_arn_suffix=args.load_balancer_arn_suffix,
        target_group_arn_suffix=args.target_group_arn_suffix,
        settings=args.alarms,
        tags=dict(args.tags),
        parent=parent,
    )
    task = TaskArgs(
        # No app: the gateway's proxy is the task's only listener.
        proxy=proxy,
        names=TaskNames.of_gateway(gateway),
        task_role=f"{name}-task",
        task_policy=f"{policy_prefix}-task-inline" if policy_prefix else None,
        label=gateway.name,
        capacity=Capacity(gateway.size, gateway.desired_count, gateway.autoscaling),
        load_balancer=LoadBalancerTarget(args.target_group_arn, container, gateway.port),
        # Envoy must be LIVE (its configuration loaded: its peers resolved, or App Mesh's answer)
        # before the ALB's checks can pass.
        health_check_grace_period_seconds=60,
        deployment_alarm_names=[alarm.name for alarm in alarms],
        depends_on=args.service_dependencies,
    )
    return GatewayTasks(tasks.service(f"{name}-envoy", task), alarms, tasks.task_role_policy(task))
