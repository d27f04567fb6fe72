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
from fargate_mesh.components.appmesh.mesh import AppMesh, AppMeshArgs, ExistingMesh
from fargate_mesh.components.appmesh.service import MeshService, MeshServiceArgs
from fargate_mesh.components.appmesh.sidecar import ENVOY_HEALTH_CHECK_COMMAND, EnvoyOptions
from fargate_mesh.components.appmesh.tls_setup import MeshTlsParts
from fargate_mesh.components.dataplane import DeployedDataPlane, PlatformParts
from fargate_mesh.components.ecs.task import Telemetry
from fargate_mesh.components.firewall import GATEWAY
from fargate_mesh.components.tls.trust import MeshTrust, MeshTrustArgs
from fargate_mesh.facts import DEFAULT_TLS_SETUP_IMAGE
from fargate_mesh.model.dataplanes import INFO
from fargate_mesh.render.appmesh.specs import DEFAULT_TRUST_BUNDLE


@dataclass(frozen=True)
class AppMeshDataPlane:
    """The App Mesh data plane (the spec's `dataplane: appmesh`): a mesh (or existing_mesh, default
    None), an ExternalService per external callee, a MeshService per service and the IngressGateway."""

    # What the App Mesh docs give; both depend on the Envoy image, so check them on the first deploy.
    envoy_health_check_command: Sequence[str] = ENVOY_HEALTH_CHECK_COMMAND
    trust_bundle: str = DEFAULT_TRUST_BUNDLE
    gateway_alarms: GatewayAlarmArgs = field(default_factory=GatewayAlarmArgs)
    # Fills a task's mesh TLS folder when it needs certificate files (components/tls/setup.py).
    tls_setup_image: str = DEFAULT_TLS_SETUP_IMAGE
    # A mesh made elsewhere (possibly shared by another account); None: the stack makes its own.
    existing_mesh: ExistingMesh | None = None
    # Callers connect to the app's port; the callee's iptables rules hand it to Envoy.
    admission_port: int | None = None
    # App Mesh's virtual gateway runs as tasks of its own behind the ALB's target group.
    has_gateway_workload: bool = field(default=INFO["appmesh"].gateway_task, init=False)

    def _mesh(
        self, platform: pulumi.Resource, parts: PlatformParts
    ) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """The mesh's name and ARN: the existing one's, else those of one made here."""
        if self.existing_mesh is not None:
            return pulumi.Output.from_input(self.existing_mesh.name), self.existing_mesh.mesh_arn(platform)
        mesh_name, mesh_opts = parts.scope.named(formerly=parts.mesh.name)
        app_mesh = AppMesh(
            mesh_name,
            AppMeshArgs(
                mesh_name=parts.mesh.name,
                egress_filter=parts.mesh.egress_filter,
                # Stacks made before the App Mesh data plane was its own module hold the mesh there.
                previous_parents=[parts.foundation],
                tags=parts.tags,
            ),
            opts=mesh_opts,
        )
        return app_mesh.mesh_name, app_mesh.mesh_arn

    def deploy(self, platform: pulumi.Resource, parts: PlatformParts) -> DeployedDataPlane:
        mesh, tags, scope = parts.mesh, parts.tags, parts.scope
        mesh_owner = self.existing_mesh.owner if self.existing_mesh is not None else None
        mesh_name, mesh_arn = self._mesh(platform, parts)
        mesh_tls = self._mesh_tls(parts)
        telemetry = Telemetry.of(mesh)
        envoy = EnvoyOptions(image=mesh.envoy_image, health_check_command=self.envoy_health_check_command)
        for name, external in mesh.externals.items():
            external_name, external_opts = scope.named(name, formerly=name)
            ExternalService(
                external_name,
                ExternalServiceArgs(external=external, mesh_name=mesh_name, mesh_owner=mesh_owner, tags=tags),
                opts=external_opts,
            )
        services = {}
        for name, service in mesh.services.items():
            service_name, service_opts = scope.named(name, formerly=name)
            own = parts.resources(name)
            services[name] = MeshService(
                service_name,
                MeshServiceArgs(
                    service=service,
                    mesh_name=mesh_name,
                    mesh_owner=mesh_owner,
                    namespace=mesh.namespace,
                    namespace_id=parts.foundation.namespace_id,
                    placement=parts.placement(name),
                    images=parts.images[name].by_version,
                    repository_arns=parts.images[name].repository_arns,
                    telemetry=telemetry,
                    envoy=envoy,
                    trust_bundle=self.trust_bundle,
                    read_only_root_filesystem=name not in parts.writable_root_services,
                    mesh_tls=mesh_tls,
                    existing=own.existing,
                    task_policy_arns=own.task_policy_arns,
                    tags=tags,
                ),
                opts=service_opts,
            )
        gateway_name, gateway_opts = scope.named("ingress", formerly="ingress")
        own = parts.resources(GATEWAY)
        gateway = IngressGateway(
            gateway_name,
            IngressGatewayArgs(
                gateway=mesh.gateway,
                mesh_name=mesh_name,
                mesh_owner=mesh_owner,
                placement=parts.placement(GATEWAY),
                target_group_arn=parts.endpoint.gateway_target().arn,
                load_balancer_arn_suffix=parts.endpoint.alb_arn_suffix,
                target_group_arn_suffix=parts.endpoint.gateway_target().arn_suffix,
                alarms=self.gateway_alarms,
                telemetry=telemetry,
                envoy=envoy,
                route_dependencies=list(services.values()),
                service_dependencies=[parts.endpoint.https_listener],
                mesh_tls=mesh_tls,
                existing=own.existing,
                task_policy_arns=own.task_policy_arns,
                tags=tags,
            ),
            opts=gateway_opts,
        )
        return DeployedDataPlane(
            mesh_name=mesh_name,
            mesh_arn=mesh_arn,
            gateway_arn=gateway.virtual_gateway_arn,
            service_names={name: s.virtual_service_name for name, s in services.items()},
            task_role_policies={
                **{name: s.task_role_policies for name, s in services.items()},
                GATEWAY: {mesh.gateway.name: gateway.task_role_policy},
            },
        )

    def _mesh_tls(self, parts: PlatformParts) -> MeshTlsParts | None:
        """The mesh's certificate authority and certificates, when any hop uses TLS (a stack without
        the `tls` key, or with DISABLED, registers nothing here)."""
        mesh = parts.mesh
        if not mesh.tls.enabled:
            return None
        trust_name, trust_opts = parts.scope.named("tls")
        trust = MeshTrust(trust_name, MeshTrustArgs(mesh.name, mesh.tls, parts.tags), opts=trust_opts)
        return MeshTlsParts(mesh, trust.certificates, self.tls_setup_image)
