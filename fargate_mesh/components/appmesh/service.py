"""MeshService: one microservice on Fargate inside App Mesh.

Per service: the App Mesh routing (ServiceRouting), one Cloud Map service all versions register
in, a log group, and an execution role. Per version: a task role whose only App Mesh permission is
its own node, a task definition (app + Envoy sidecar + X-Ray daemon) and an ECS service
(FargateService). Security groups are the caller's (MeshFirewall): who may call whom spans services.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.appmesh import sidecar
from fargate_mesh.components.appmesh.routing import ServiceRouting, ServiceRoutingArgs
from fargate_mesh.components.base import child, type_token
from fargate_mesh.components.ecs import containers, iam
from fargate_mesh.components.ecs.workload import FargateService, FargateServiceArgs
from fargate_mesh.render.appmesh import specs
from fargate_mesh.spec import Mesh, Service
from fargate_mesh.spec.mesh import DEFAULT_ENVOY_IMAGE, DEFAULT_XRAY_IMAGE


def mesh_backends(mesh: Mesh, service: str) -> list[specs.MeshBackend]:
    """A service's backends as the mesh names them: FQDN strings, ports, TLS for external hosts."""
    backends = []
    for name in mesh.services[service].backends:
        if name in mesh.external:
            ext = mesh.external[name]
            backends.append(specs.MeshBackend(name, mesh.virtual_service_name(name), ext.port, ext.uses_tls))
        else:
            backends.append(
                specs.MeshBackend(name, mesh.virtual_service_name(name), mesh.services[name].port)
            )
    return backends


@dataclass(frozen=True)
class MeshServiceArgs:
    name: str  # the service's name: Cloud Map service, node/router/ECS service name prefix
    service: Service
    mesh_name: pulumi.Input[str]
    namespace: str  # Cloud Map namespace name (shop.local)
    namespace_id: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]  # private subnets
    security_group_ids: Sequence[pulumi.Input[str]]
    images: Mapping[str, pulumi.Input[str]]  # version → image reference
    repository_arns: Sequence[pulumi.Input[str]] = ()  # private ECR repositories the images come from
    backends: Sequence[specs.MeshBackend] = ()
    family_prefix: str = ""  # task families are <prefix><name>-<version>
    log_group_name: str | None = None  # default /ecs/<name>
    log_retention_days: int = 30
    envoy_image: str = DEFAULT_ENVOY_IMAGE
    xray_image: str = DEFAULT_XRAY_IMAGE
    tracing: bool = True
    envoy_log_level: str = "info"
    # The CA bundle in the Envoy image that TLS backends are validated against (file trust).
    trust_bundle: str = specs.DEFAULT_TRUST_BUNDLE
    envoy_health_check_command: Sequence[str] = sidecar.ENVOY_HEALTH_CHECK_COMMAND
    # Secure by default: the app cannot write to its image's filesystem. False is a knowing
    # loosening for an app (often a prebuilt image) that writes outside mounted volumes.
    read_only_root_filesystem: bool = True
    platform_version: str = "1.4.0"
    tags: Mapping[str, str] = field(default_factory=dict)

    def family(self, version: str) -> str:
        return f"{self.family_prefix}{self.name}-{version}"

    @property
    def virtual_service_name(self) -> str:
        return f"{self.name}.{self.namespace}"

    @classmethod
    def from_spec(
        cls,
        mesh: Mesh,
        service: str,
        *,
        mesh_name: pulumi.Input[str],
        namespace_id: pulumi.Input[str],
        cluster_arn: pulumi.Input[str],
        cluster_name: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        security_group_ids: Sequence[pulumi.Input[str]],
        images: Mapping[str, pulumi.Input[str]],
        repository_arns: Sequence[pulumi.Input[str]] = (),
        tags: Mapping[str, str] | None = None,
        **options: Any,
    ) -> MeshServiceArgs:
        return cls(
            name=service,
            service=mesh.services[service],
            mesh_name=mesh_name,
            namespace=mesh.namespace,
            namespace_id=namespace_id,
            cluster_arn=cluster_arn,
            cluster_name=cluster_name,
            subnet_ids=subnet_ids,
            security_group_ids=security_group_ids,
            images=images,
            repository_arns=repository_arns,
            backends=mesh_backends(mesh, service),
            family_prefix=f"{mesh.name}-",
            log_group_name=f"/ecs/{mesh.name}/{service}",
            log_retention_days=mesh.log_retention_days,
            envoy_image=mesh.envoy_image,
            xray_image=mesh.xray_image,
            tracing=mesh.tracing,
            tags=tags or {},
            **options,
        )


class MeshService(pulumi.ComponentResource):
    virtual_service_name: pulumi.Output[str]
    node_arns: dict[str, pulumi.Output[str]]
    ecs_service_names: dict[str, pulumi.Output[str]]
    log_group_name: pulumi.Output[str]
    discovery_service_arn: pulumi.Output[str]

    def __init__(self, name: str, args: MeshServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        missing = sorted(set(args.service.versions) - set(args.images))
        if missing:
            raise ValueError(f"service {args.name!r}: no image for versions {missing}")
        super().__init__(type_token("appmesh", "MeshService"), name, None, opts)
        service = args.service
        tags = dict(args.tags)
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        account = iam.account_id(self)

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.log_group_name or f"/ecs/{args.name}",
            retention_in_days=args.log_retention_days,
            tags=tags,
            opts=child(self),
        )
        # One Cloud Map service for all versions; each version's node filters on its task family.
        discovery = aws.servicediscovery.Service(
            f"{name}-discovery",
            name=args.name,
            dns_config={
                "namespace_id": args.namespace_id,
                "dns_records": [{"type": "A", "ttl": 10}],
                "routing_policy": "MULTIVALUE",
            },
            # ECS reports each task's health to Cloud Map through this custom health check.
            # failure_threshold is deprecated (AWS always uses 1) and pulumi-aws warns on every
            # run, but it must stay: the provider sends HealthCheckCustomConfig only when the block
            # has a value, so an empty block creates the service without a custom health check and
            # then shows a diff that replaces it on every `pulumi up`
            # (hashicorp/terraform-provider-aws#44285).
            health_check_custom_config={"failure_threshold": 1},
            tags=tags,
            opts=child(self, delete_before_replace=True),
        )
        routing = ServiceRouting(
            f"{name}-mesh",
            ServiceRoutingArgs(
                name=args.name,
                service=service,
                mesh_name=args.mesh_name,
                virtual_service_name=args.virtual_service_name,
                namespace=args.namespace,
                cloud_map_service=args.name,
                task_families={v: args.family(v) for v in service.versions},
                backends=args.backends,
                trust_bundle=args.trust_bundle,
                tags=tags,
            ),
            opts=child(self),
        )
        execution = iam.task_role(
            f"{name}-execution",
            parent=self,
            account_id=account,
            statements=iam.execution_statements([log_group.arn], args.repository_arns),
            description=f"ECS pulls images and writes logs for {args.name}",
            tags=tags,
        )

        self.ecs_service_names = {}
        for version in service.versions:
            node_arn = routing.node_arns[version]
            task_role = iam.task_role(
                f"{name}-{version}-task",
                parent=self,
                account_id=account,
                statements=sidecar.envoy_task_statements(node_arn, args.tracing),
                description=f"{args.name} {version}: Envoy reads its own node's configuration",
                tags=tags,
            )
            workload = FargateService(
                f"{name}-{version}",
                FargateServiceArgs(
                    service_name=f"{args.name}-{version}",
                    family=args.family(version),
                    cluster_arn=args.cluster_arn,
                    cluster_name=args.cluster_name,
                    containers=self._containers(args, version, node_arn, log_group.name, region),
                    cpu=service.size.cpu,
                    memory=service.size.memory,
                    task_role_arn=task_role.arn,
                    execution_role_arn=execution.arn,
                    subnet_ids=args.subnet_ids,
                    security_group_ids=args.security_group_ids,
                    desired_count=service.desired_count_of(version),
                    proxy_configuration=sidecar.proxy_configuration([service.port]),
                    service_registry_arn=discovery.arn,
                    autoscaling=service.autoscaling,
                    platform_version=args.platform_version,
                    # Tasks started before their roles can act would fail their first deployment.
                    depends_on=[task_role.policy, execution.policy],
                    tags=tags,
                ),
                opts=child(self),
            )
            self.ecs_service_names[version] = workload.service_name

        self.virtual_service_name = routing.virtual_service_name
        self.node_arns = routing.node_arns
        self.log_group_name = log_group.name
        self.discovery_service_arn = discovery.arn
        self.register_outputs(
            {
                "virtual_service_name": self.virtual_service_name,
                "node_arns": self.node_arns,
                "ecs_service_names": self.ecs_service_names,
                "log_group_name": self.log_group_name,
                "discovery_service_arn": self.discovery_service_arn,
            }
        )

    @staticmethod
    def _containers(
        args: MeshServiceArgs,
        version: str,
        node_arn: pulumi.Input[str],
        log_group: pulumi.Input[str],
        region: pulumi.Input[str],
    ) -> list[dict[str, Any]]:
        service = args.service
        logs = containers.awslogs(log_group, region, version)
        env: dict[str, pulumi.Input[str]] = {"APP_VERSION": version, "PORT": str(service.port)}
        for b in args.backends:
            # Plain HTTP to the mesh name: the sidecar applies routes, retries, and TLS where set.
            env[containers.base_url_variable(b.name)] = f"http://{b.virtual_service_name}:{b.port}"
        env |= service.env
        env |= service.versions[version].env
        result = [
            containers.app_container(
                image=args.images[version],
                port=service.port,
                env=env,
                log_configuration=logs,
                depends_on=sidecar.wait_for_envoy(),
                read_only_root=args.read_only_root_filesystem,
            ),
            sidecar.envoy_container(
                resource_arn=node_arn,
                image=args.envoy_image,
                log_configuration=logs,
                tracing=args.tracing,
                log_level=args.envoy_log_level,
                health_check_command=args.envoy_health_check_command,
            ),
        ]
        if args.tracing:
            result.append(
                containers.xray_container(
                    image=args.xray_image, log_configuration=logs, user=sidecar.ENVOY_UID
                )
            )
        return result
