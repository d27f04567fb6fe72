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
        check_task_roles("EnvoyMeshServiceArgs", self)
        versions = set(self.service.versions)
        for what, given in (("images", self.images), ("proxies", self.proxies)):
            if set(given) != versions:
                raise ValueError(
                    f"EnvoyMeshServiceArgs.{what}: needs exactly the versions of {self.service.name!r} "
                    f"({sorted(versions)}), got {sorted(given)}"
                )


class EnvoyMeshService(pulumi.ComponentResource):
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
