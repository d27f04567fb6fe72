"""EnvoyGateway: the mesh's front door without App Mesh. An Envoy-only ECS service behind the ALB
that runs the gateway's rendered bootstrap (gateway routes, then each service's router, to the
versions' sidecars by their Cloud Map names), with the alarms that roll a bad deployment back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi

from fargate_mesh.components.alarms import GatewayAlarmArgs
from fargate_mesh.components.args import require_plain
from fargate_mesh.components.base import type_token
from fargate_mesh.components.ecs.gateway import gateway_service
from fargate_mesh.components.ecs.task import (
    CompiledGatewayWorkload,
    ExistingTaskResources,
    Telemetry,
    check_task_roles,
)
from fargate_mesh.components.ecs.workload import TaskPlacement
from fargate_mesh.components.envoy.proxy import ENVOY_CONTAINER, EnvoyProxy
from fargate_mesh.model import CompiledGateway


@dataclass(frozen=True)
class EnvoyGatewayArgs(CompiledGatewayWorkload):
    """The mesh's gateway on the `envoy` data plane: an Envoy-only ECS service behind the ALB's
    target group, running the gateway's rendered bootstrap, rolled back by target group alarms.

    Args:
        gateway: The gateway of a mesh compiled for envoy (fargate_mesh.model.compile_checked(mesh,
            "envoy")): its name, port, size and log group. Required, plain.
        placement: Cluster, private subnets, the gateway's security groups. Required.
        proxy: The gateway's Envoy, with its bootstrap: `envoy_gateway_proxy(mesh)`. Required; it
            must listen on the gateway's port.
        target_group_arn: The ALB target group the tasks register in. Required.
        load_balancer_arn_suffix: The ALB's CloudWatch dimension, for the alarms. Required.
        target_group_arn_suffix: The target group's CloudWatch dimension. Required.
        alarms: Thresholds of the rollback alarms. Default GatewayAlarmArgs().
        telemetry: Logs (30 days) and tracing (on). Default Telemetry().
        service_dependencies: What the ECS service waits for: the HTTPS listener (ECS refuses a
            target group no load balancer uses) and the services it routes to. Default none.
        tags: Added to every resource. Default none.
        existing: A log group, execution role and task role of your own. Default none: all are
            made. A task role you bring must allow `EnvoyGateway.task_role_policy`.
        task_policy_arns: Managed policies (label → policy ARN) attached to the made task role as
            `<task role>-<label>`. Default none.
    """

    gateway: CompiledGateway  # name (ECS service, task family, the alarms' prefix), log group, port, size
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
    # Log group, execution role, task role (then it must allow EnvoyGateway.task_role_policy).
    existing: ExistingTaskResources = field(default_factory=ExistingTaskResources)
    # Managed policies (label → ARN) attached to the made task role as `<task role>-<label>`.
    task_policy_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_plain("EnvoyGatewayArgs", gateway=self.gateway)
        check_task_roles("EnvoyGatewayArgs", self)
        if self.proxy.gateway_port != self.gateway.port:
            raise ValueError(
                f"EnvoyGatewayArgs.proxy: listens on {self.proxy.gateway_port}, the gateway on {self.gateway.port}"
            )


class EnvoyGateway(pulumi.ComponentResource):
    """The gateway on the `envoy` data plane (EnvoyGatewayArgs). Outputs: ecs_service_name,
    ecs_service_arn, alarm_names, and task_role_policy (None when the role needs nothing): what its
    task role allows, which a task role you bring must allow."""

    ecs_service_name: pulumi.Output[str]
    ecs_service_arn: pulumi.Output[str]
    alarm_names: list[pulumi.Output[str]]
    task_role_policy: pulumi.Output[str] | None  # what the task role allows; None: nothing

    def __init__(self, name: str, args: EnvoyGatewayArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("envoy", "Gateway"), name, None, opts)
        workload, alarms, self.task_role_policy = gateway_service(
            name, self, args, args.proxy, ENVOY_CONTAINER
        )
        self.ecs_service_name = workload.service_name
        self.ecs_service_arn = workload.service_arn
        self.alarm_names = [alarm.name for alarm in alarms]
        self.register_outputs(
            {
                "ecs_service_name": self.ecs_service_name,
                "ecs_service_arn": self.ecs_service_arn,
                "alarm_names": self.alarm_names,
                "task_role_policy": self.task_role_policy,
            }
        )
