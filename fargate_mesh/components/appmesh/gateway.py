"""IngressGateway: the mesh's front door. An App Mesh virtual gateway with the spec's gateway routes,
run as an Envoy-only ECS service whose tasks are the ALB target group's targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.alarms import GatewayAlarmArgs, target_group_alarms
from fargate_mesh.components.appmesh.sidecar import ENVOY_CONTAINER, AppMeshEnvoy, EnvoyOptions
from fargate_mesh.components.args import require_plain
from fargate_mesh.components.base import child, type_token
from fargate_mesh.components.ecs.task import Capacity, TaskArgs, TaskGroup, Telemetry
from fargate_mesh.components.ecs.workload import LoadBalancerTarget, TaskPlacement
from fargate_mesh.components.names import GatewayNames
from fargate_mesh.render.appmesh import specs
from fargate_mesh.spec import Gateway

# The gateway's inline IAM policies are named after it; unique within their roles.
GATEWAY_POLICY_PREFIX = "ingress"


@dataclass(frozen=True)
class GatewayTarget:
    """Where a gateway route sends a service's requests: its virtual service, by name and port."""

    virtual_service_name: str
    port: int


@dataclass(frozen=True)
class IngressGatewayArgs:
    """The mesh's front door: a virtual gateway with the spec's gateway routes, run as an
    Envoy-only ECS service behind the ALB's target group.

    Args:
        gateway: The spec's gateway (port, routes, size, count, autoscaling). Required.
        names: Virtual gateway, log group, ECS service and task family. Required, plain.
        mesh_name: The mesh. Required.
        targets: Service name → its virtual service and port. Required, plain.
        placement: Cluster, private subnets, the gateway's security groups. Required.
        target_group_arn: The ALB target group the tasks register in. Required.
        load_balancer_arn_suffix, target_group_arn_suffix: CloudWatch dimensions of the alarms
            that roll a bad deployment back. Required.
        alarms: Their thresholds. Default GatewayAlarmArgs().
        telemetry: Logs (30 days) and tracing (on). Default Telemetry().
        envoy: The Envoy image and health check. Default EnvoyOptions().
        route_dependencies: What gateway routes wait for (the services). Default none.
        service_dependencies: What the ECS service waits for (the HTTPS listener). Default none.
        mesh_owner: The account owning a shared mesh. Default None: this account.
        tags: Added to every resource. Default none.
    """

    gateway: Gateway  # port, routes, size, desired count, autoscaling
    names: GatewayNames  # virtual gateway (also the alarms' prefix), log group, ECS service and task family
    mesh_name: pulumi.Input[str]
    targets: Mapping[str, GatewayTarget]  # service name (as gateway routes name it) → target
    placement: TaskPlacement  # cluster, private subnets, the gateway's security groups
    target_group_arn: pulumi.Input[str]
    # CloudWatch dimensions of the ALB and the target group (their `arn_suffix`), for the alarms
    # that roll a bad gateway deployment back.
    load_balancer_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    alarms: GatewayAlarmArgs = field(default_factory=GatewayAlarmArgs)
    telemetry: Telemetry = field(default_factory=Telemetry)
    envoy: EnvoyOptions = field(default_factory=EnvoyOptions)
    # App Mesh rejects a gateway route whose virtual service does not exist yet: the services.
    route_dependencies: Sequence[pulumi.Resource] = ()
    # ECS rejects a target group no load balancer uses yet: the HTTPS listener.
    service_dependencies: Sequence[pulumi.Resource] = ()
    # The account owning a mesh shared with this one (AWS RAM); None: this account owns it.
    mesh_owner: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_plain("IngressGatewayArgs", names=self.names, targets=self.targets)

    @property
    def execution_role_description(self) -> str:
        return f"ECS writes logs for {self.names.gateway}"

    @property
    def repository_arns(self) -> tuple[str, ...]:
        """No private repository: Envoy comes from public ECR, so the execution role may not pull."""
        return ()


class IngressGateway(pulumi.ComponentResource):
    virtual_gateway_arn: pulumi.Output[str]
    virtual_gateway_name: pulumi.Output[str]
    ecs_service_name: pulumi.Output[str]
    alarm_names: list[pulumi.Output[str]]

    def __init__(
        self, name: str, args: IngressGatewayArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        unknown = sorted({r.service for r in args.gateway.routes} - set(args.targets))
        if unknown:
            raise ValueError(f"gateway routes name services without a target: {unknown}")
        super().__init__(type_token("appmesh", "IngressGateway"), name, None, opts)
        gateway = args.gateway
        tags = dict(args.tags)
        mesh_opts = child(self, delete_before_replace=True)

        virtual_gateway = aws.appmesh.VirtualGateway(
            f"{name}-gateway",
            name=args.names.gateway,
            mesh_name=args.mesh_name,
            mesh_owner=args.mesh_owner,
            spec=specs.virtual_gateway_spec(gateway),
            tags=tags,
            opts=mesh_opts,
        )
        for route in gateway.routes:
            target = args.targets[route.service]
            aws.appmesh.GatewayRoute(
                f"{name}-route-{route.resource_name}",
                name=route.resource_name,
                mesh_name=args.mesh_name,
                mesh_owner=args.mesh_owner,
                virtual_gateway_name=virtual_gateway.name,
                spec=specs.gateway_route_spec(route, target.virtual_service_name, target.port),
                tags=tags,
                opts=child(self, delete_before_replace=True, depends_on=list(args.route_dependencies)),
            )

        # Inline policies keep the names they had when every gateway was called "ingress".
        tasks = TaskGroup(name, self, args, policy_prefix=GATEWAY_POLICY_PREFIX)
        # Named after the gateway (<mesh>-gateway-...): alarm names are unique per account and region.
        alarms = target_group_alarms(
            f"{name}-alarm",
            alarm_prefix=args.names.gateway,
            load_balancer_arn_suffix=args.load_balancer_arn_suffix,
            target_group_arn_suffix=args.target_group_arn_suffix,
            settings=args.alarms,
            tags=tags,
            parent=self,
        )
        workload = tasks.service(
            f"{name}-envoy",
            TaskArgs(
                # No app: the gateway's Envoy is the task's only listener.
                proxy=AppMeshEnvoy.gateway(virtual_gateway.arn, gateway.port, args.envoy),
                names=args.names.task,
                task_role=f"{name}-task",
                task_policy=f"{GATEWAY_POLICY_PREFIX}-task-inline",
                label=args.names.gateway,
                capacity=Capacity(gateway.size, gateway.desired_count, gateway.autoscaling),
                load_balancer=LoadBalancerTarget(args.target_group_arn, ENVOY_CONTAINER, gateway.port),
                # Envoy needs its configuration from App Mesh before the ALB's checks can pass.
                health_check_grace_period_seconds=60,
                deployment_alarm_names=[alarm.name for alarm in alarms],
                depends_on=args.service_dependencies,
            ),
        )
        self.virtual_gateway_arn = virtual_gateway.arn
        self.virtual_gateway_name = virtual_gateway.name
        self.ecs_service_name = workload.service_name
        self.alarm_names = [alarm.name for alarm in alarms]
        self.register_outputs(
            {
                "virtual_gateway_arn": self.virtual_gateway_arn,
                "virtual_gateway_name": self.virtual_gateway_name,
                "ecs_service_name": self.ecs_service_name,
                "alarm_names": self.alarm_names,
            }
        )
