"""ConnectService: one mesh service on ECS Service Connect.

One ECS service (the steady version's task definition: the app alone, no proxy or X-Ray daemon of
ours; ECS adds its Service Connect proxy) published in the namespace under the service's client
alias. When gateway routes target it: an ip target group checked on its health path, a listener
rule per route on the HTTPS listener, and deployment alarms that roll a bad revision back. Under a
rollout, an alternate target group and a role let ECS shift the rule's traffic between revisions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
import pulumi_aws as aws

from fargate_mesh import naming
from fargate_mesh.components.alarms import GatewayAlarmArgs, target_group_alarms
from fargate_mesh.components.base import child, type_token
from fargate_mesh.components.ecs.task import (
    App,
    Capacity,
    CompiledServiceWorkload,
    ExistingTaskResources,
    TaskArgs,
    TaskGroup,
    Telemetry,
    check_task_roles,
)
from fargate_mesh.components.ecs.workload import BlueGreenTraffic, LoadBalancerTarget, TaskPlacement
from fargate_mesh.components.names import TaskNames
from fargate_mesh.components.serviceconnect.traffic_role import load_balancer_traffic_role
from fargate_mesh.model.compiled import CompiledService
from fargate_mesh.model.rollouts import steady_version
from fargate_mesh.render import alb, serviceconnect

# ECS runs the sample apps' health check command (apps/kit/meshapp_kit/healthcheck.py) in the
# container: the Service Connect proxy does not probe the app.
KIT_HEALTH_CHECK = ("CMD", "python", "-m", "meshapp_kit.healthcheck")
CONTAINER_HEALTH = {"interval": 15, "timeout": 5, "retries": 3, "startPeriod": 30}


@dataclass(frozen=True)
class EdgeArgs:
    """Where the service's gateway routes become listener rules."""

    vpc_id: pulumi.Input[str]
    listener_arn: pulumi.Input[str]
    load_balancer_arn_suffix: pulumi.Input[str]
    rules: Sequence[alb.ListenerRule]  # the gateway routes to this service, rendered
    alarms: GatewayAlarmArgs = field(default_factory=GatewayAlarmArgs)
    # ECS rejects a target group no load balancer uses yet: the HTTPS listener.
    depends_on: Sequence[pulumi.Resource] = ()


@dataclass(frozen=True)
class ConnectServiceArgs(CompiledServiceWorkload):
    service: CompiledService
    mesh_name: str
    namespace: pulumi.Input[str]  # the Cloud Map namespace (name or ARN) the service is published in
    placement: TaskPlacement
    image: pulumi.Input[str]  # the steady version's
    kit_health_check: bool  # the image is built with the apps kit, which holds the health check command
    repository_arns: Sequence[pulumi.Input[str]] = ()
    edge: EdgeArgs | None = None  # None: no gateway route targets the service
    telemetry: Telemetry = field(default_factory=lambda: Telemetry(tracing=False))
    read_only_root_filesystem: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)
    # Log group, execution role, task role (then it must allow ConnectService.task_role_policy).
    existing: ExistingTaskResources = field(default_factory=ExistingTaskResources)
    # Managed policies (label → ARN) attached to the made task role as `<task role>-<label>`.
    task_policy_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_task_roles("ConnectServiceArgs", self)


class ConnectService(pulumi.ComponentResource):
    ecs_service_name: pulumi.Output[str]
    client_alias: str
    target_group_arn: pulumi.Output[str] | None
    listener_rule_arns: list[pulumi.Output[str]]
    task_role_policy: pulumi.Output[str] | None  # what the task role allows; None: nothing

    def __init__(
        self, name: str, args: ConnectServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("serviceconnect", "ConnectService"), name, None, opts)
        service = args.service
        version = steady_version(service)
        tags = dict(args.tags)
        tasks = TaskGroup(name, self, args)
        load_balancer, alarm_names, rules = self._edge(name, args, tags) if args.edge else (None, [], [])
        health_check = (
            {"command": [*KIT_HEALTH_CHECK, service.health_check.path], **CONTAINER_HEALTH}
            if args.kit_health_check
            else None
        )
        task = TaskArgs(
            app=App(
                image=args.image,
                port=service.port,
                env=dict(service.versions[version].env),
                read_only_root=args.read_only_root_filesystem,
                port_mapping=serviceconnect.port_mapping(service),
                health_check=health_check,
            ),
            proxy=None,
            names=TaskNames(
                ecs_service=naming.connect_ecs_service(service.name),
                family=naming.connect_task_family(args.mesh_name, service.name),
                log_stream_prefix=service.name,
            ),
            task_role=f"{name}-task",
            label=f"{service.name} ({version})",
            capacity=Capacity(service.size, service.versions[version].desired_count, service.autoscaling),
            load_balancer=load_balancer,
            health_check_grace_period_seconds=60 if load_balancer else None,
            deployment_alarm_names=alarm_names,
            depends_on=[*rules, *(args.edge.depends_on if args.edge else ())],
            service_connect=lambda logs: serviceconnect.service_connect_configuration(
                service, version, args.namespace, logs
            ),
            deployment_configuration=serviceconnect.deployment_configuration(service.rollout),
        )
        workload = tasks.service(name, task)
        self.task_role_policy = tasks.task_role_policy(task)
        self.ecs_service_name = workload.service_name
        self.client_alias = f"{service.dns_name}:{service.port}"
        self.listener_rule_arns = [r.arn for r in rules]
        self.register_outputs(
            {
                "ecs_service_name": self.ecs_service_name,
                "client_alias": self.client_alias,
                "task_role_policy": self.task_role_policy,
            }
        )

    def _edge(
        self, name: str, args: ConnectServiceArgs, tags: dict[str, str]
    ) -> tuple[LoadBalancerTarget, list[pulumi.Output[str]], list[aws.lb.ListenerRule]]:
        """Target group(s), listener rules and alarms for the gateway routes to this service."""
        edge, service = args.edge, args.service
        assert edge is not None
        primary = self._target_group(f"{name}-tg", args)
        alternate = self._target_group(f"{name}-tg-alt", args) if service.rollout else None
        forward = alb.forward([(primary.arn, 100), *([(alternate.arn, 0)] if alternate else [])])
        rules = [
            aws.lb.ListenerRule(
                f"{name}-{rule.name}",
                listener_arn=edge.listener_arn,
                priority=rule.priority,
                # The renderer writes pulumi-aws's input shapes as plain dicts.
                conditions=cast(Any, list(rule.conditions)),
                transforms=cast(Any, list(rule.transforms) or None),
                actions=[cast(Any, forward)],
                tags={**tags, "Name": rule.name},
                # During a rollout ECS moves the weights between the two target groups; they are its.
                opts=child(self, ignore_changes=["actions"] if alternate else None),
            )
            for rule in edge.rules
        ]
        blue_green = None
        if alternate is not None:
            role = load_balancer_traffic_role(
                f"{name}-traffic",
                listener_rule_arns=[r.arn for r in rules],
                target_group_arns=[primary.arn, alternate.arn],
                description=f"ECS shifts {service.name}'s load balancer traffic during a {service.rollout.strategy} deployment",  # type: ignore[union-attr]
                tags=tags,
                parent=self,
            )
            blue_green = BlueGreenTraffic(alternate.arn, rules[0].arn, role.arn)
        alarms = target_group_alarms(
            name,
            alarm_prefix=f"{args.mesh_name}-{service.name}",
            load_balancer_arn_suffix=edge.load_balancer_arn_suffix,
            target_group_arn_suffix=primary.arn_suffix,
            settings=edge.alarms,
            tags=tags,
            parent=self,
        )
        target = LoadBalancerTarget(primary.arn, "app", service.port, blue_green)
        return target, [a.name for a in alarms], rules

    def _target_group(self, name: str, args: ConnectServiceArgs) -> aws.lb.TargetGroup:
        assert args.edge is not None
        service = args.service
        return aws.lb.TargetGroup(
            name,
            target_type="ip",
            protocol="HTTP",
            protocol_version="HTTP2" if service.protocol == "http2" else "HTTP1",
            port=service.port,
            vpc_id=args.edge.vpc_id,
            deregistration_delay=30,
            health_check={
                "enabled": True,
                "protocol": "HTTP",
                "port": "traffic-port",
                "path": service.health_check.path,
                "matcher": "200-399",
                "interval": 15,
                "timeout": 5,
                "healthy_threshold": 2,
                "unhealthy_threshold": 3,
            },
            tags=dict(args.tags),
            opts=child(self),
        )
