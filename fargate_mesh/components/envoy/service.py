"""EnvoyMeshService: one mesh service on Fargate with its own Envoy sidecars, no App Mesh.

Per service: the tasks' shared log group and execution role (ecs.task.TaskGroup). Per version: its
Cloud Map service (discovery.py), a task role, a task definition (app + Envoy + X-Ray daemon, and
the S3 bootstrap's init container when there is one) and an ECS service registered in that Cloud Map
service. Routing lives in the callers' bootstraps, so this component has none of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi

from fargate_mesh.components.args import require_plain
from fargate_mesh.components.base import type_token
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
from fargate_mesh.components.envoy.discovery import version_discovery
from fargate_mesh.components.envoy.proxy import EnvoyProxy
from fargate_mesh.components.names import TaskNames
from fargate_mesh.model import CompiledService


@dataclass(frozen=True)
class EnvoyMeshServiceArgs(CompiledServiceWorkload):
    """One service on the `envoy` data plane: per version a Cloud Map service and an ECS service
    whose Envoy sidecar runs the bootstrap rendered for it (no App Mesh).

    Args:
        service: One service of a mesh compiled for envoy (fargate_mesh.model.compile_checked(mesh,
            "envoy")): its names, each version's environment and count. Required, plain.
        namespace_id: The Cloud Map namespace every version registers in, named as the spec's
            namespace. Required.
        placement: Cluster, private subnets, the service's security groups. Required.
        images: Version → the app's image reference. Required, one per version.
        proxies: Version → its Envoy sidecar, with the bootstrap rendered for it: from a compiled
            mesh holding the service and what it calls, `envoy_sidecars(mesh, service.name)`.
            Required, one per version.
        repository_arns: Private ECR repositories the images come from. Default none.
        telemetry: Logs (30 days) and tracing (on). Default Telemetry().
        read_only_root_filesystem: Default True; False lets the app write its image's files.
        tags: Added to every resource. Default none.
        existing: A log group, execution role and task role of your own. Default none: all are
            made, a task role per version. A task role you bring must allow each version's
            `EnvoyMeshService.task_role_policies` document.
        task_policy_arns: Managed policies the app needs (label → policy ARN), attached to each
            version's task role as `<task role>-<label>`. Default none.
    """

    service: CompiledService  # with every name: ECS services, task families, log group, Cloud Map names
    namespace_id: pulumi.Input[str]  # the Cloud Map namespace every version registers in
    placement: TaskPlacement  # cluster, private subnets, the service's security group
    images: Mapping[str, pulumi.Input[str]]  # version → the app's image
    proxies: Mapping[str, EnvoyProxy]  # version → its sidecar, with the bootstrap rendered for it
    repository_arns: Sequence[pulumi.Input[str]] = ()
    telemetry: Telemetry = field(default_factory=Telemetry)
    read_only_root_filesystem: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)
    # Log group, execution role, task role (then it must allow EnvoyMeshService.task_role_policies).
    existing: ExistingTaskResources = field(default_factory=ExistingTaskResources)
    # Managed policies (label → ARN) attached to each made task role as `<task role>-<label>`.
    task_policy_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require_plain(
            "EnvoyMeshServiceArgs",
            service=self.service,
            read_only_root_filesystem=self.read_only_root_filesystem,
        )
        check_task_roles("EnvoyMeshServiceArgs", self)
        versions = set(self.service.versions)
        for what, given in (("images", self.images), ("proxies", self.proxies)):
            if set(given) != versions:
                raise ValueError(
                    f"EnvoyMeshServiceArgs.{what}: needs exactly the versions of {self.service.name!r} "
                    f"({sorted(versions)}), got {sorted(given)}"
                )
        gateways = sorted(v for v, proxy in self.proxies.items() if not proxy.is_sidecar)
        if gateways:
            raise ValueError(
                f"EnvoyMeshServiceArgs.proxies: {gateways} hold the gateway's Envoy, not a sidecar: "
                f"envoy_sidecars(mesh, {self.service.name!r}) renders each version's"
            )


class EnvoyMeshService(pulumi.ComponentResource):
    """One service on the `envoy` data plane (EnvoyMeshServiceArgs). Outputs: ecs_service_names and
    discovery_service_arns (version → its ECS service, its Cloud Map service), log_group_name, and
    task_role_policies (version → policy JSON, None when the role needs nothing): what each version's
    task role allows, which a task role you bring must allow."""

    ecs_service_names: dict[str, pulumi.Output[str]]
    discovery_service_arns: dict[str, pulumi.Output[str]]
    log_group_name: pulumi.Output[str]
    task_role_policies: dict[str, pulumi.Output[str] | None]  # version → what its task role allows

    def __init__(
        self, name: str, args: EnvoyMeshServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("envoy", "MeshService"), name, None, opts)
        service = args.service
        tasks = TaskGroup(name, self, args)
        self.ecs_service_names = {}
        self.discovery_service_arns = {}
        self.task_role_policies = {}
        for version in service.versions.values():
            discovery = version_discovery(
                f"{name}-{version.name}-discovery",
                service_name=version.node,
                namespace_id=args.namespace_id,
                parent=self,
                tags=args.tags,
            )
            task = TaskArgs(
                app=App(
                    image=args.images[version.name],
                    port=service.port,
                    env=dict(version.env),
                    read_only_root=args.read_only_root_filesystem,
                ),
                proxy=args.proxies[version.name],
                names=TaskNames.of_version(version),
                task_role=f"{name}-{version.name}-task",
                label=f"{service.name} {version.name}",
                capacity=Capacity(service.size, version.desired_count, service.autoscaling),
                service_registry_arn=discovery.arn,
            )
            workload = tasks.service(f"{name}-{version.name}", task)
            self.ecs_service_names[version.name] = workload.service_name
            self.task_role_policies[version.name] = tasks.task_role_policy(task)
            self.discovery_service_arns[version.name] = discovery.arn
        self.log_group_name = tasks.log_group_name
        self.register_outputs(
            {
                "ecs_service_names": self.ecs_service_names,
                "discovery_service_arns": self.discovery_service_arns,
                "log_group_name": self.log_group_name,
                "task_role_policies": self.task_role_policies,
            }
        )
