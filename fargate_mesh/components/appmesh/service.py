"""MeshService: one microservice on Fargate inside App Mesh, from its compiled service.

Per service: the App Mesh routing (ServiceRouting), one Cloud Map service all versions register
in, and the tasks' shared log group and execution role (ecs.task.TaskGroup). Per version, from the
same task builder: a task role whose only App Mesh permission is its own node, a task definition
(app + Envoy sidecar + X-Ray daemon) and an ECS service. Names, routes, callees, each version's
environment and task count are the compiled service's (fargate_mesh.model); security groups are the
caller's (MeshFirewall): who may call whom spans services.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.appmesh.routing import ServiceRouting, ServiceRoutingArgs
from fargate_mesh.components.appmesh.sidecar import AppMeshEnvoy, EnvoyOptions
from fargate_mesh.components.appmesh.tls_setup import MeshTlsParts
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
from fargate_mesh.components.ecs.workload import TaskPlacement
from fargate_mesh.components.names import TaskNames
from fargate_mesh.model import CompiledService
from fargate_mesh.render.appmesh import specs


@dataclass(frozen=True)
class MeshServiceArgs(CompiledServiceWorkload):
    """One service in App Mesh: its routing, one Cloud Map service, and an ECS service per version.

    Args:
        service: One service of a compiled mesh (fargate_mesh.model.compile_checked): its names,
            routes, callees, each version's environment and count. Required, plain.
        mesh_name: The mesh. Required.
        namespace: The Cloud Map namespace's name (spelled into node names). Required, plain.
        namespace_id: The namespace's id. Required.
        placement: Cluster, private subnets, the service's security groups. Required.
        images: Version → image reference. Required.
        repository_arns: Private ECR repositories the images come from. Default none.
        telemetry: Logs (30 days) and tracing (on). Default Telemetry().
        envoy: The Envoy image and health check. Default EnvoyOptions().
        trust_bundle: CA bundle TLS backends are checked against. Default the Envoy image's.
        read_only_root_filesystem: Default True; False lets the app write its image's files.
        mesh_owner: The account owning a shared mesh (AWS RAM). Default None: this account.
        existing: A log group, execution role and task role of your own. Default none: all are
            made, a task role per version. A task role you bring must allow each version's
            `MeshService.task_role_policies` document.
        task_policy_arns: Managed policies the app needs (label → policy ARN, e.g. reading its
            DynamoDB table), attached to each version's task role as `<task role>-<label>`.
            Default none: the roles allow only what Envoy and X-Ray need.
        tags: Added to every resource. Default none.
    """

    service: CompiledService  # one service of a compiled mesh (fargate_mesh.model.compile_checked)
    mesh_name: pulumi.Input[str]
    namespace: str  # Cloud Map namespace name (shop.local)
    namespace_id: pulumi.Input[str]
    placement: TaskPlacement  # cluster, private subnets, the service's security groups
    images: Mapping[str, pulumi.Input[str]]  # version → image reference
    repository_arns: Sequence[pulumi.Input[str]] = ()  # private ECR repositories the images come from
    telemetry: Telemetry = field(default_factory=Telemetry)
    envoy: EnvoyOptions = field(default_factory=EnvoyOptions)
    # The CA bundle in the Envoy image that TLS backends are validated against (file trust).
    trust_bundle: str = specs.DEFAULT_TRUST_BUNDLE
    # Secure by default: the app cannot write to its image's filesystem. False is a knowing
    # loosening for an app (often a prebuilt image) that writes outside mounted volumes.
    read_only_root_filesystem: bool = True
    # Mesh TLS (None: the mesh has none): node TLS, and each task's certificate delivery.
    mesh_tls: MeshTlsParts | None = None
    mesh_owner: str | None = None
    existing: ExistingTaskResources = field(default_factory=ExistingTaskResources)
    task_policy_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_plain(
            "MeshServiceArgs",
            service=self.service,
            namespace=self.namespace,
            read_only_root_filesystem=self.read_only_root_filesystem,
            mesh_owner=self.mesh_owner,
        )
        check_task_roles("MeshServiceArgs", self)


class MeshService(pulumi.ComponentResource):
    """One service in App Mesh. `task_role_policies` (version → policy JSON, None when the role
    needs nothing) is what each version's task role allows: a task role you bring must allow it."""

    virtual_service_name: pulumi.Output[str]
    node_arns: dict[str, pulumi.Output[str]]
    ecs_service_names: dict[str, pulumi.Output[str]]
    log_group_name: pulumi.Output[str]
    discovery_service_arn: pulumi.Output[str]
    task_role_policies: dict[str, pulumi.Output[str] | None]

    def __init__(self, name: str, args: MeshServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        missing = sorted(set(args.service.versions) - set(args.images))
        if missing:
            raise ValueError(f"service {args.service.name!r}: no image for versions {missing}")
        super().__init__(type_token("appmesh", "MeshService"), name, None, opts)
        service = args.service
        tags = dict(args.tags)
        # Inline policies are named after the service, not the component: unique within their
        # role, and the same as before components were named after their platform.
        tasks = TaskGroup(name, self, args, policy_prefix=service.name)
        # One Cloud Map service for all versions; each version's node filters on its task family.
        discovery = aws.servicediscovery.Service(
            f"{name}-discovery",
            name=service.cloud_map_service,
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
                service=service,
                mesh_name=args.mesh_name,
                namespace=args.namespace,
                trust_bundle=args.trust_bundle,
                mesh_tls=args.mesh_tls,
                mesh_owner=args.mesh_owner,
                tags=tags,
            ),
            opts=child(self),
        )
        delivery = args.mesh_tls.service_delivery(service.name) if args.mesh_tls else None

        self.ecs_service_names = {}
        self.task_role_policies = {}
        for version in service.versions.values():
            task = TaskArgs(
                app=App(
                    image=args.images[version.name],
                    port=service.port,
                    env=version.env,
                    read_only_root=args.read_only_root_filesystem,
                ),
                proxy=AppMeshEnvoy.sidecar(
                    routing.node_arns[version.name], service.ports, args.envoy, delivery
                ),
                names=TaskNames.of_version(version),
                task_role=f"{name}-{version.name}-task",
                task_policy=f"{service.name}-{version.name}-task-inline",
                label=f"{service.name} {version.name}",
                capacity=Capacity(service.size, version.desired_count, service.autoscaling),
                service_registry_arn=discovery.arn,
            )
            workload = tasks.service(f"{name}-{version.name}", task)
            self.ecs_service_names[version.name] = workload.service_name
            self.task_role_policies[version.name] = tasks.task_role_policy(task)

        self.virtual_service_name = routing.virtual_service_name
        self.node_arns = routing.node_arns
        self.log_group_name = tasks.log_group_name
        self.discovery_service_arn = discovery.arn
        self.register_outputs(
            {
                "virtual_service_name": self.virtual_service_name,
                "node_arns": self.node_arns,
                "ecs_service_names": self.ecs_service_names,
                "log_group_name": self.log_group_name,
                "discovery_service_arn": self.discovery_service_arn,
                "task_role_policies": self.task_role_policies,
            }
        )
