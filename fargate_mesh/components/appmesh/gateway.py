"""IngressGateway: the mesh's front door. An App Mesh virtual gateway with the compiled gateway's
routes (in evaluation order, each naming its target's virtual service and port), run as an
Envoy-only ECS service whose tasks are the ALB target group's targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.alarms import GatewayAlarmArgs
from fargate_mesh.components.appmesh.sidecar import ENVOY_CONTAINER, AppMeshEnvoy, EnvoyOptions
from fargate_mesh.components.appmesh.tls_setup import MeshTlsParts
from fargate_mesh.components.args import require_plain
from fargate_mesh.components.base import child, type_token
from fargate_mesh.components.ecs.gateway import gateway_service
from fargate_mesh.components.ecs.task import (
    CompiledGatewayWorkload,
    ExistingTaskResources,
    Telemetry,
    check_task_roles,
)
from fargate_mesh.components.ecs.workload import TaskPlacement
from fargate_mesh.model import CompiledGateway
from fargate_mesh.render.appmesh import specs

# The gateway's inline IAM policies keep the names they had when every gateway was called
# "ingress"; a policy's name is only unique within its role.
GATEWAY_POLICY_PREFIX = "ingress"


@dataclass(frozen=True)
class IngressGatewayArgs(CompiledGatewayWorkload):
    """The mesh's front door: a virtual gateway with the compiled gateway's routes, run as an
    Envoy-only ECS service behind the ALB's target group.

    Args:
        gateway: The compiled gateway (name, log group, port, routes, size, count). Required, plain.
        mesh_name: The mesh. Required.
        placement: Cluster, private subnets, the gateway's security groups. Required.
        target_group_arn: The ALB target group the tasks register in. Required.
        load_balancer_arn_suffix, target_group_arn_suffix: CloudWatch dimensions of the alarms
            that roll a bad deployment back. Required.
        alarms: Their thresholds. Default GatewayAlarmArgs().
        telemetry: Logs (30 days) and tracing (on). Default Telemetry().
        envoy: The Envoy image and health check. Default EnvoyOptions().
        route_dependencies: What gateway routes wait for (the services). Default none.
        service_dependencies: What the ECS service waits for (the HTTPS listener). Default none.
        mesh_owner: The account owning a shared mesh (AWS RAM). Default None: this account.
        existing: A log group, execution role and task role of your own. Default none: all are
            made. A task role you bring must allow `IngressGateway.task_role_policy`.
        task_policy_arns: Managed policies to attach to the gateway's task role (label → policy
            ARN), as `<task role>-<label>`. Default none: Envoy's and X-Ray's needs only.
        tags: Added to every resource. Default none.
    """

    # Name (virtual gateway, ECS service, task family, the alarms' prefix), log group, port, routes
    # with their targets, size, desired count, autoscaling.
    gateway: CompiledGateway
    mesh_name: pulumi.Input[str]
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
    # Mesh TLS (None: the mesh has none): the listener's certificate, backend defaults, delivery.
    mesh_tls: MeshTlsParts | None = None
    mesh_owner: str | None = None
    existing: ExistingTaskResources = field(default_factory=ExistingTaskResources)
    task_policy_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_plain("IngressGatewayArgs", gateway=self.gateway, mesh_owner=self.mesh_owner)
        check_task_roles("IngressGatewayArgs", self)


class IngressGateway(pulumi.ComponentResource):
    """The mesh's front door on App Mesh. `task_role_policy` (None when the role needs nothing) is
    what the gateway's task role allows: a task role you bring must allow it."""

    virtual_gateway_arn: pulumi.Output[str]
    virtual_gateway_name: pulumi.Output[str]
    ecs_service_name: pulumi.Output[str]
    alarm_names: list[pulumi.Output[str]]
    task_role_policy: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: IngressGatewayArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("appmesh", "IngressGateway"), name, None, opts)
        gateway = args.gateway
        tags = dict(args.tags)
        mesh_opts = child(self, delete_before_replace=True)

        virtual_gateway = aws.appmesh.VirtualGateway(
            f"{name}-gateway",
            name=gateway.name,
            mesh_name=args.mesh_name,
            mesh_owner=args.mesh_owner,
            spec=cast(
                aws.appmesh.VirtualGatewaySpecArgsDict,
                _with_tls(specs.virtual_gateway_spec_of(gateway), args.mesh_tls),
            ),
            tags=tags,
            opts=mesh_opts,
        )
        for route in gateway.routes:
            aws.appmesh.GatewayRoute(
                f"{name}-route-{route.name}",
                name=route.name,
                mesh_name=args.mesh_name,
                mesh_owner=args.mesh_owner,
                virtual_gateway_name=virtual_gateway.name,
                spec=cast(aws.appmesh.GatewayRouteSpecArgsDict, specs.gateway_route_spec_of(route)),
                tags=tags,
                opts=child(self, delete_before_replace=True, depends_on=list(args.route_dependencies)),
            )

        proxy = AppMeshEnvoy.gateway(
            virtual_gateway.arn,
            gateway.port,
            args.envoy,
            args.mesh_tls.gateway_delivery() if args.mesh_tls else None,
        )
        workload, alarms, self.task_role_policy = gateway_service(
            name, self, args, proxy, ENVOY_CONTAINER, policy_prefix=GATEWAY_POLICY_PREFIX
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
                "task_role_policy": self.task_role_policy,
            }
        )


def _with_tls(spec: dict[str, Any], mesh_tls: MeshTlsParts | None) -> dict[str, Any]:
    return mesh_tls.gateway_spec(spec) if mesh_tls is not None else spec
