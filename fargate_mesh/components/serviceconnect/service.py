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
from fargate_mesh.components.args import require_plain
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
from fargate_mesh.model.compiled import CompiledMesh, CompiledService
from fargate_mesh.model.rollouts import steady_version
from fargate_mesh.render import alb, serviceconnect

# ECS runs the sample apps' health check command (apps/kit/meshapp_kit/healthcheck.py) in the
# container: the Service Connect proxy does not probe the app.
KIT_HEALTH_CHECK = ("CMD", "python", "-m", "meshapp_kit.healthcheck")
CONTAINER_HEALTH = {"interval": 15, "timeout": 5, "retries": 3, "startPeriod": 30}


@dataclass(frozen=True)
class EdgeArgs:
    """Where the service's gateway routes become listener rules, on an HTTPS listener you have
    (PublicEndpoint's, or your own ALB's): a target group, a rule per route, rollback alarms.

    Args:
        vpc_id: The VPC of the target group. Required.
        listener_arn: The HTTPS listener the rules go on. Required. Their priorities are the
            compiled mesh's (evaluation order, from 1): keep other rules of that listener clear.
        load_balancer_arn_suffix: The ALB's CloudWatch dimension, for the alarms. Required.
        rules: The gateway routes to this service, rendered: `EdgeArgs.for_service` renders them
            from the compiled mesh. Required, plain, at least one, all the service's.
        alarms: Thresholds of the deployment alarms, and a topic to tell. Default GatewayAlarmArgs().
        depends_on: What the service waits for: the listener (ECS refuses a target group no load
            balancer uses yet). Default none.
    """

    vpc_id: pulumi.Input[str]
    listener_arn: pulumi.Input[str]
    load_balancer_arn_suffix: pulumi.Input[str]
    rules: Sequence[alb.ListenerRule]  # the gateway routes to this service, rendered
    alarms: GatewayAlarmArgs = field(default_factory=GatewayAlarmArgs)
    # ECS rejects a target group no load balancer uses yet: the HTTPS listener.
    depends_on: Sequence[pulumi.Resource] = ()

    @classmethod
    def for_service(
        cls,
        mesh: CompiledMesh,
        service: str,
        *,
        vpc_id: pulumi.Input[str],
        listener_arn: pulumi.Input[str],
        load_balancer_arn_suffix: pulumi.Input[str],
        alarms: GatewayAlarmArgs | None = None,
        depends_on: Sequence[pulumi.Resource] = (),
    ) -> EdgeArgs:
        """The edge of `service`: the gateway routes of `mesh` (compiled for serviceConnect) that
        target it, as listener rules in evaluation order."""
        rules = [rule for rule in alb.listener_rules(mesh) if rule.service == service]
        return cls(
            vpc_id, listener_arn, load_balancer_arn_suffix, rules, alarms or GatewayAlarmArgs(), depends_on
        )


@dataclass(frozen=True)
class ConnectServiceArgs(CompiledServiceWorkload):
    """One service on ECS Service Connect: one ECS service running its steady version, published
    under its client alias, and (with `edge`) its gateway routes as listener rules.

    Args:
        service: One service of a mesh compiled for serviceConnect
            (fargate_mesh.model.compile_checked(mesh, "serviceConnect")): its names, port, steady
            version's environment and count, rollout. Required, plain.
        mesh_name: The mesh's name, spelled into the task family. Required, plain.
        namespace: The Cloud Map namespace (name or ARN) the service is published in. Required.
        placement: Cluster, private subnets, the service's security groups. Required.
        image: The steady version's image reference. Required.
        kit_health_check: The image is built with the apps kit, whose health check command ECS
            runs in the container. Default False: no container health check.
        repository_arns: Private ECR repositories the image comes from. Default none.
        edge: Where its gateway routes become listener rules. Default None: no route targets it.
        telemetry: Logs (30 days); tracing off (Service Connect runs no X-Ray daemon). Default
            Telemetry(tracing=False).
        read_only_root_filesystem: Default True; False lets the app write its image's files.
        tags: Added to every resource. Default none.
        existing: A log group, execution role and task role of your own. Default none: all are
            made. A task role you bring must allow `ConnectService.task_role_policy`.
        task_policy_arns: Managed policies (label → policy ARN) attached to the made task role as
            `<task role>-<label>`. Default none.

    The load balancer's security group must reach the service's on its port (MeshFirewall's
    `external_sources`, or a rule of your own): the platform opens it, this component does not.
    """

    service: CompiledService
    mesh_name: str
    namespace: pulumi.Input[str]  # the Cloud Map namespace (name or ARN) the service is published in
    placement: TaskPlacement
    image: pulumi.Input[str]  # the steady version's
    # The image is built with the apps kit, which holds the health check command.
    kit_health_check: bool = False
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
        require_plain(
            "ConnectServiceArgs",
            service=self.service,
            mesh_name=self.mesh_name,
            kit_health_check=self.kit_health_check,
            read_only_root_filesystem=self.read_only_root_filesystem,
            edge_rules=self.edge.rules if self.edge else (),
        )
        check_task_roles("ConnectServiceArgs", self)
        if self.edge is None:
            return
        others = sorted({r.service for r in self.edge.rules} - {self.service.name})
        if not self.edge.rules or others:
            found = f"rules for other services: {others}" if others else "no rules"
            raise ValueError(
                f"ConnectServiceArgs.edge: needs the gateway routes to {self.service.name!r} and only "
                f"those (EdgeArgs.for_service); got {found}. Without routes to it, give edge=None"
            )


class ConnectService(pulumi.ComponentResource):
    """One service on ECS Service Connect (ConnectServiceArgs). Outputs: ecs_service_name,
    client_alias (the name:port callers use), target_group_arn (None without an edge),
    listener_rule_arns, and task_role_policy (None when the role needs nothing): what its task role
    allows, which a task role you bring must allow."""

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
        self.target_group_arn = (
            pulumi.Output.from_input(load_balancer.target_group_arn) if load_balancer else None
        )
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
