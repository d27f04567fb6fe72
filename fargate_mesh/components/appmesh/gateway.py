"""IngressGateway: the mesh's front door. An App Mesh virtual gateway with the spec's gateway routes,
run as an Envoy-only ECS service whose tasks are the ALB target group's targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.alarms import GatewayAlarmArgs, target_group_alarms
from fargate_mesh.components.appmesh import sidecar
from fargate_mesh.components.base import child, type_token
from fargate_mesh.components.ecs import containers, iam
from fargate_mesh.components.ecs.workload import FargateService, FargateServiceArgs, LoadBalancerTarget
from fargate_mesh.render.appmesh import specs
from fargate_mesh.spec import Gateway, Mesh
from fargate_mesh.spec.mesh import DEFAULT_ENVOY_IMAGE, DEFAULT_XRAY_IMAGE


@dataclass(frozen=True)
class GatewayTarget:
    """Where a gateway route sends a service's requests: its virtual service, by name and port."""

    virtual_service_name: str
    port: int


@dataclass(frozen=True)
class IngressGatewayArgs:
    gateway: Gateway  # port, routes, size, desired count, autoscaling
    gateway_name: str  # the virtual gateway's name (also the ECS service's)
    mesh_name: pulumi.Input[str]
    targets: Mapping[str, GatewayTarget]  # service name (as gateway routes name it) → target
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_ids: Sequence[pulumi.Input[str]]
    target_group_arn: pulumi.Input[str]
    # CloudWatch dimensions of the ALB and the target group (their `arn_suffix`), for the alarms
    # that roll a bad gateway deployment back.
    load_balancer_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    alarms: GatewayAlarmArgs = field(default_factory=GatewayAlarmArgs)
    task_family: str | None = None  # default: the gateway name
    log_group_name: str | None = None  # default /ecs/<gateway name>
    log_retention_days: int = 30
    envoy_image: str = DEFAULT_ENVOY_IMAGE
    xray_image: str = DEFAULT_XRAY_IMAGE
    tracing: bool = True
    envoy_log_level: str = "info"
    envoy_health_check_command: Sequence[str] = sidecar.ENVOY_HEALTH_CHECK_COMMAND
    platform_version: str = "1.4.0"
    # App Mesh rejects a gateway route whose virtual service does not exist yet: the services.
    route_dependencies: Sequence[pulumi.Resource] = ()
    # ECS rejects a target group no load balancer uses yet: the HTTPS listener.
    service_dependencies: Sequence[pulumi.Resource] = ()
    tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_spec(cls, mesh: Mesh, **infra: Any) -> IngressGatewayArgs:
        targets = {
            name: GatewayTarget(mesh.virtual_service_name(name), service.port)
            for name, service in mesh.services.items()
        }
        return cls(
            gateway=mesh.gateway,
            gateway_name=mesh.gateway_name,
            targets=targets,
            # Named after the gateway, not "gateway": /ecs/<mesh>/gateway belongs to a service of that name.
            log_group_name=f"/ecs/{mesh.name}/{mesh.gateway_name}",
            log_retention_days=mesh.log_retention_days,
            envoy_image=mesh.envoy_image,
            xray_image=mesh.xray_image,
            tracing=mesh.tracing,
            **infra,
        )


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
            name=args.gateway_name,
            mesh_name=args.mesh_name,
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
                virtual_gateway_name=virtual_gateway.name,
                spec=specs.gateway_route_spec(route, target.virtual_service_name, target.port),
                tags=tags,
                opts=child(self, delete_before_replace=True, depends_on=list(args.route_dependencies)),
            )

        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        account = iam.account_id(self)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.log_group_name or f"/ecs/{args.gateway_name}",
            retention_in_days=args.log_retention_days,
            tags=tags,
            opts=child(self),
        )
        # Envoy comes from public ECR: the execution role needs no ECR permission at all.
        execution = iam.task_role(
            f"{name}-execution",
            parent=self,
            account_id=account,
            statements=iam.execution_statements([log_group.arn]),
            description=f"ECS writes logs for {args.gateway_name}",
            tags=tags,
        )
        task_role = iam.task_role(
            f"{name}-task",
            parent=self,
            account_id=account,
            statements=sidecar.envoy_task_statements(virtual_gateway.arn, args.tracing),
            description=f"{args.gateway_name}: Envoy reads its own gateway's configuration",
            tags=tags,
        )
        logs = containers.awslogs(log_group.name, region, "gateway")
        task_containers = [
            # No user and no proxy configuration: the gateway's Envoy is the task's only listener.
            sidecar.envoy_container(
                resource_arn=virtual_gateway.arn,
                image=args.envoy_image,
                log_configuration=logs,
                tracing=args.tracing,
                log_level=args.envoy_log_level,
                sidecar=False,
                port=gateway.port,
                health_check_command=args.envoy_health_check_command,
            )
        ]
        if args.tracing:
            task_containers.append(containers.xray_container(image=args.xray_image, log_configuration=logs))
        # Named after the gateway (<mesh>-gateway-...): alarm names are unique per account and region.
        alarms = target_group_alarms(
            f"{name}-alarm",
            alarm_prefix=args.gateway_name,
            load_balancer_arn_suffix=args.load_balancer_arn_suffix,
            target_group_arn_suffix=args.target_group_arn_suffix,
            settings=args.alarms,
            tags=tags,
            parent=self,
        )
        workload = FargateService(
            f"{name}-envoy",
            FargateServiceArgs(
                service_name=args.gateway_name,
                family=args.task_family or args.gateway_name,
                cluster_arn=args.cluster_arn,
                cluster_name=args.cluster_name,
                containers=task_containers,
                cpu=gateway.size.cpu,
                memory=gateway.size.memory,
                task_role_arn=task_role.arn,
                execution_role_arn=execution.arn,
                subnet_ids=args.subnet_ids,
                security_group_ids=args.security_group_ids,
                desired_count=gateway.desired_count,
                load_balancer=LoadBalancerTarget(
                    args.target_group_arn, sidecar.ENVOY_CONTAINER, gateway.port
                ),
                # Envoy needs its configuration from App Mesh before the ALB's checks can pass.
                health_check_grace_period_seconds=60,
                deployment_alarm_names=[alarm.name for alarm in alarms],
                autoscaling=gateway.autoscaling,
                platform_version=args.platform_version,
                depends_on=[task_role.policy, execution.policy, *args.service_dependencies],
                tags=tags,
            ),
            opts=child(self),
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
