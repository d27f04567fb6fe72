"""The `envoy` data plane: the same network, edge, cluster and Cloud Map namespace as App Mesh, and
Envoy in every task running the bootstrap this library renders for the Fargate address plan. No App
Mesh resource, no appmesh: permission.

Every bootstrap is rendered once, here, by render_all(compiled, fargate_plan(compiled)), and goes to
its task as render/envoy/delivery.py chooses (inline, or S3 through BootstrapStore). A change of
routes or weights changes the bootstraps of the gateway and of every caller, hence their task
definitions, so `pulumi up` rolls those services (docs/dataplanes/envoy.md: the convergence window).

Mesh TLS: MeshTrust (components/tls) issues one ACM private certificate per identity from the mesh's
Private CA, or the user's Secrets Manager secrets are used; each task that serves or calls over TLS
gets a setup container that writes its identity's certificate, key and the CA certificate where its
bootstrap reads them (the plan's CertificateFiles, facts.TASK_TLS_DIRECTORY).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pulumi

from fargate_mesh.components.alarms import GatewayAlarmArgs
from fargate_mesh.components.dataplane import DeployedDataPlane, PlatformParts
from fargate_mesh.components.ecs.task import Telemetry
from fargate_mesh.components.envoy.delivery import BootstrapStore
from fargate_mesh.components.envoy.gateway import EnvoyGateway, EnvoyGatewayArgs
from fargate_mesh.components.envoy.proxy import ENVOY_UID, EnvoyImages, EnvoyProxy, S3Bootstrap
from fargate_mesh.components.envoy.service import EnvoyMeshService, EnvoyMeshServiceArgs
from fargate_mesh.components.envoy.sidecars import (
    fargate_bootstraps,
    sidecar_bootstraps,
)
from fargate_mesh.components.firewall import GATEWAY
from fargate_mesh.components.tls.setup import TlsDelivery, delivery_of, every_file_needs
from fargate_mesh.components.tls.trust import MeshTrust, MeshTrustArgs
from fargate_mesh.facts import DEFAULT_TLS_SETUP_IMAGE, ENVOY_INGRESS_PORT
from fargate_mesh.model import Identity
from fargate_mesh.model.dataplanes import INFO
from fargate_mesh.render.appmesh.tls import TaskTlsNeeds, task_needs
from fargate_mesh.render.envoy import GATEWAY as GATEWAY_BOOTSTRAP
from fargate_mesh.render.envoy.delivery import RESERVED_BYTES, Delivery, choose_delivery
from fargate_mesh.render.envoy.lifecycle import Lifecycle
from fargate_mesh.render.envoy.plan import fargate_plan


@dataclass(frozen=True)
class EnvoyDataPlane:
    images: EnvoyImages = field(default_factory=EnvoyImages)
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    gateway_alarms: GatewayAlarmArgs = field(default_factory=GatewayAlarmArgs)
    # What each task definition keeps for everything but the bootstrap; a bootstrap that does not
    # fit beside it goes to S3 (render/envoy/delivery.py).
    reserved_bytes: int = RESERVED_BYTES
    # Callers reach a version through its sidecar's ingress listener, never the app's port.
    admission_port: int | None = ENVOY_INGRESS_PORT
    # The gateway is an Envoy task of its own behind the ALB's target group.
    has_gateway_workload: bool = field(default=INFO["envoy"].gateway_task, init=False)
    # Fills each task's mesh TLS folder at start (components/tls/setup.py); needs the AWS CLI and OpenSSL.
    tls_setup_image: str = DEFAULT_TLS_SETUP_IMAGE

    def deploy(self, platform: pulumi.Resource, parts: PlatformParts) -> DeployedDataPlane:
        compiled, tags, scope = parts.mesh, parts.tags, parts.scope
        plan = fargate_plan(compiled)
        deliveries = {
            key: choose_delivery(bootstrap, self.reserved_bytes)
            for key, bootstrap in fargate_bootstraps(compiled, plan).items()
        }
        store = None
        if any(d.mode == "s3" for d in deliveries.values()):
            store_name, store_opts = scope.named("envoy-bootstrap")
            store = BootstrapStore(store_name, tags, opts=store_opts)
        tls = self._tls_delivery(parts)

        def proxy(
            key: str,
            identity: Identity,
            gateway_port: int | None = None,
            extra_ingress_ports: tuple[int, ...] = (),
        ) -> EnvoyProxy:
            delivery: Delivery = deliveries[key]
            s3 = None
            if store is not None and delivery.mode == "s3":
                s3 = S3Bootstrap(url=store.url(delivery), object_arn=store.put(key, delivery))
            return EnvoyProxy(
                delivery, self.images, self.lifecycle, s3, gateway_port, tls(identity), extra_ingress_ports
            )

        telemetry = Telemetry.of(compiled)
        services: dict[str, EnvoyMeshService] = {}
        for name, service in compiled.services.items():
            service_name, service_opts = scope.named(name)
            own = parts.resources(name)
            services[name] = EnvoyMeshService(
                service_name,
                EnvoyMeshServiceArgs(
                    service=service,
                    namespace_id=parts.foundation.namespace_id,
                    placement=parts.placement(name),
                    images=parts.images[name].by_version,
                    proxies={
                        version: proxy(key, compiled.tls.services[name].identity, extra_ingress_ports=ports)
                        for version, (key, ports) in sidecar_bootstraps(compiled, plan, name).items()
                    },
                    repository_arns=parts.images[name].repository_arns,
                    telemetry=telemetry,
                    read_only_root_filesystem=name not in parts.writable_root_services,
                    tags=tags,
                    existing=own.existing,
                    task_policy_arns=own.task_policy_arns,
                ),
                opts=service_opts,
            )
        gateway_name, gateway_opts = scope.named("ingress")
        own = parts.resources(GATEWAY)
        gateway = EnvoyGateway(
            gateway_name,
            EnvoyGatewayArgs(
                gateway=compiled.gateway,
                placement=parts.placement(GATEWAY),
                proxy=proxy(GATEWAY_BOOTSTRAP, compiled.tls.gateway.identity, compiled.gateway.port),
                target_group_arn=parts.endpoint.gateway_target().arn,
                load_balancer_arn_suffix=parts.endpoint.alb_arn_suffix,
                target_group_arn_suffix=parts.endpoint.gateway_target().arn_suffix,
                alarms=self.gateway_alarms,
                telemetry=telemetry,
                # The listener (ECS needs a used target group), and the versions' Cloud Map services
                # and tasks, so the gateway's first tasks find what they route to.
                service_dependencies=[parts.endpoint.https_listener, *services.values()],
                tags=tags,
                existing=own.existing,
                task_policy_arns=own.task_policy_arns,
            ),
            opts=gateway_opts,
        )
        return DeployedDataPlane(
            mesh_name=pulumi.Output.from_input(compiled.name),
            mesh_arn=None,
            gateway_arn=gateway.ecs_service_arn,
            service_names={
                name: pulumi.Output.from_input(s.dns_name) for name, s in compiled.services.items()
            },
            task_role_policies={
                **{name: s.task_role_policies for name, s in services.items()},
                GATEWAY: {compiled.gateway.name: gateway.task_role_policy},
            },
        )

    def _tls_delivery(self, parts: PlatformParts) -> Callable[[Identity], TlsDelivery | None]:
        """Each identity's certificate delivery: None when the mesh has no TLS (nothing registered) or
        that identity's task neither serves nor calls over TLS; else every file its Envoy reads."""
        mesh = parts.mesh
        if not mesh.tls.enabled:
            return lambda identity: None
        trust_name, trust_opts = parts.scope.named("tls")
        args = MeshTrustArgs(mesh.name, mesh.tls, parts.tags)
        certificates = MeshTrust(trust_name, args, opts=trust_opts, module="tls").certificates

        def delivery(identity: Identity) -> TlsDelivery | None:
            if task_needs(mesh, certificates, identity) == TaskTlsNeeds(False, False, False):
                return None
            needs = every_file_needs(certificates)
            return delivery_of(mesh.tls, certificates, identity, needs, ENVOY_UID, self.tls_setup_image)

        return delivery
