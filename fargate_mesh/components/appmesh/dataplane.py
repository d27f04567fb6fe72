"""The App Mesh data plane: the mesh, an ExternalService per external callee, a MeshService per
service (virtual nodes, router, Envoy sidecars) and the IngressGateway (virtual gateway, Envoy
behind the ALB), each from its part of the compiled mesh."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi

from fargate_mesh.components.alarms import GatewayAlarmArgs
from fargate_mesh.components.appmesh.external import ExternalService, ExternalServiceArgs
from fargate_mesh.components.appmesh.gateway import IngressGateway, IngressGatewayArgs
from fargate_mesh.components.appmesh.mesh import AppMesh, AppMeshArgs
from fargate_mesh.components.appmesh.service import MeshService, MeshServiceArgs
from fargate_mesh.components.appmesh.sidecar import ENVOY_HEALTH_CHECK_COMMAND, EnvoyOptions
from fargate_mesh.components.base import child
from fargate_mesh.components.dataplane import DeployedDataPlane, PlatformParts
from fargate_mesh.components.ecs.task import Telemetry
from fargate_mesh.components.firewall import GATEWAY
from fargate_mesh.render.appmesh.specs import DEFAULT_TRUST_BUNDLE


@dataclass(frozen=True)
class AppMeshDataPlane:
    # What the App Mesh docs give; both depend on the Envoy image, so check them on the first deploy.
    envoy_health_check_command: Sequence[str] = ENVOY_HEALTH_CHECK_COMMAND
    trust_bundle: str = DEFAULT_TRUST_BUNDLE
    gateway_alarms: GatewayAlarmArgs = field(default_factory=GatewayAlarmArgs)
    # Callers connect to the app's port; the callee's iptables rules hand it to Envoy.
    admission_port: int | None = None

    def deploy(self, platform: pulumi.Resource, parts: PlatformParts) -> DeployedDataPlane:
        mesh, tags = parts.mesh, parts.tags
        app_mesh = AppMesh(
            mesh.name,
            AppMeshArgs(
                mesh_name=mesh.name,
                egress_filter=mesh.egress_filter,
                # Stacks made before the App Mesh data plane was its own module hold the mesh there.
                previous_parents=[parts.foundation],
                tags=tags,
            ),
            opts=child(platform),
        )
        telemetry = Telemetry(mesh.log_retention_days, mesh.tracing, mesh.xray_image)
        envoy = EnvoyOptions(image=mesh.envoy_image, health_check_command=self.envoy_health_check_command)
        for name, external in mesh.externals.items():
            ExternalService(
                name,
                ExternalServiceArgs(external=external, mesh_name=app_mesh.mesh_name, tags=tags),
                opts=child(platform),
            )
        services = {
            name: MeshService(
                name,
                MeshServiceArgs(
                    service=service,
                    mesh_name=app_mesh.mesh_name,
                    namespace=mesh.namespace,
                    namespace_id=parts.foundation.namespace_id,
                    placement=parts.placement(name),
                    images=parts.images[name].by_version,
                    repository_arns=parts.images[name].repository_arns,
                    telemetry=telemetry,
                    envoy=envoy,
                    trust_bundle=self.trust_bundle,
                    read_only_root_filesystem=name not in parts.writable_root_services,
                    tags=tags,
                ),
                opts=child(platform),
            )
            for name, service in mesh.services.items()
        }
        gateway = IngressGateway(
            "ingress",
            IngressGatewayArgs(
                gateway=mesh.gateway,
                mesh_name=app_mesh.mesh_name,
                placement=parts.placement(GATEWAY),
                target_group_arn=parts.endpoint.target_group_arn,
                load_balancer_arn_suffix=parts.endpoint.alb_arn_suffix,
                target_group_arn_suffix=parts.endpoint.target_group_arn_suffix,
                alarms=self.gateway_alarms,
                telemetry=telemetry,
                envoy=envoy,
                route_dependencies=list(services.values()),
                service_dependencies=[parts.endpoint.https_listener],
                tags=tags,
            ),
            opts=child(platform),
        )
        return DeployedDataPlane(
            mesh_name=app_mesh.mesh_name,
            mesh_arn=app_mesh.mesh_arn,
            gateway_arn=gateway.virtual_gateway_arn,
            service_names={name: s.virtual_service_name for name, s in services.items()},
        )
