"""IngressGateway: the mesh's front door. An App Mesh virtual gateway with the compiled gateway's
routes (in evaluation order, each naming its target's virtual service and port), run as an
Envoy-only ECS service whose tasks are the ALB target group's targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.alarms import GatewayAlarmArgs
from fargate_mesh.components.appmesh.sidecar import ENVOY_CONTAINER, AppMeshEnvoy, EnvoyOptions
from fargate_mesh.components.base import child, type_token
from fargate_mesh.components.ecs.gateway import gateway_service
from fargate_mesh.components.ecs.task import Telemetry
from fargate_mesh.components.ecs.workload import TaskPlacement
from fargate_mesh.model import CompiledGateway
from fargate_mesh.render.appmesh import specs


@dataclass(frozen=True)
class IngressGatewayArgs:
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
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def log_group(self) -> str:
        return self.gateway.log_group

    @property
    def execution_role_description(self) -> str:
        return f"ECS writes logs for {self.gateway.name}"

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
        super().__init__(type_token("appmesh", "IngressGateway"), name, None, opts)
        gateway = args.gateway
        tags = dict(args.tags)
        mesh_opts = child(self, delete_before_replace=True)

        virtual_gateway = aws.appmesh.VirtualGateway(
            f"{name}-gateway",
            name=gateway.name,
            mesh_name=args.mesh_name,
            spec=cast(aws.appmesh.VirtualGatewaySpecArgsDict, specs.virtual_gateway_spec_of(gateway)),
            tags=tags,
            opts=mesh_opts,
        )
        for route in gateway.routes:
            aws.appmesh.GatewayRoute(
                f"{name}-route-{route.name}",
                name=route.name,
                mesh_name=args.mesh_name,
                virtual_gateway_name=virtual_gateway.name,
                spec=cast(aws.appmesh.GatewayRouteSpecArgsDict, specs.gateway_route_spec_of(route)),
                tags=tags,
                opts=child(self, delete_before_replace=True, depends_on=list(args.route_dependencies)),
            )

        workload, alarms = gateway_service(
            name,
            self,
            args,
            AppMeshEnvoy.gateway(virtual_gateway.arn, gateway.port, args.envoy),
            ENVOY_CONTAINER,
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
