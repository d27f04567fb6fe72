"""The seam between the platform and a data plane.

MeshPlatform builds what every data plane needs (network, public endpoint, foundation, images,
firewall) and hands it over as PlatformParts; the chosen DataPlane then deploys the services and
the gateway in its own way: App Mesh (components/appmesh/dataplane.py), our own Envoy
(components/envoy/dataplane.py) and ECS Service Connect (components/serviceconnect/dataplane.py).
Another is one more module implementing DataPlane, and one more entry in the platform's table of
data planes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pulumi

from fargate_mesh.components.base import Scope
from fargate_mesh.components.ecs.task import WorkloadResources
from fargate_mesh.components.ecs.workload import TaskPlacement
from fargate_mesh.components.firewall import MeshFirewall
from fargate_mesh.components.foundation import MeshFoundation
from fargate_mesh.components.public_endpoint import PublicEndpoint
from fargate_mesh.model import CompiledMesh


@dataclass(frozen=True)
class ServiceImages:
    """What a service's versions run, and the private ECR repositories those images are pulled from."""

    by_version: Mapping[str, pulumi.Input[str]]
    repository_arns: Sequence[pulumi.Input[str]]


@dataclass(frozen=True)
class PlatformParts:
    """What the platform has built when the data plane's turn comes, and the compiled mesh, which
    carries every name, route, policy, callee and environment the data plane deploys."""

    scope: Scope  # names the data plane's components after the platform (components/base.py)
    mesh: CompiledMesh
    foundation: MeshFoundation  # Cloud Map namespace and ECS cluster
    endpoint: PublicEndpoint  # the ALB, its HTTPS listener and the gateway's target group (if any)
    firewall: MeshFirewall  # a security group per workload (services by name, the gateway's key if any)
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    vpc_id: pulumi.Input[str]  # for a data plane's own target groups
    images: Mapping[str, ServiceImages]  # per service
    platform_version: str
    writable_root_services: Sequence[str]  # services whose app may write its root filesystem
    tags: Mapping[str, str]
    # What a workload (a service by name, the gateway by GATEWAY) brings of its own; default nothing.
    workload_resources: Mapping[str, WorkloadResources] = field(default_factory=dict)

    def resources(self, workload: str) -> WorkloadResources:
        """What `workload` brings of its own, or nothing: everything is made for it."""
        return self.workload_resources.get(workload, WorkloadResources())

    def placement(self, workload: str) -> TaskPlacement:
        """Where a workload's tasks run: the cluster, the private subnets, its own security group."""
        return TaskPlacement(
            cluster_arn=self.foundation.cluster_arn,
            cluster_name=self.foundation.cluster_name,
            subnet_ids=self.private_subnet_ids,
            security_group_ids=[self.firewall.group_ids[workload]],
            platform_version=self.platform_version,
        )


@dataclass(frozen=True)
class DeployedDataPlane:
    """What the platform exports from the data plane."""

    mesh_name: pulumi.Output[str]
    mesh_arn: pulumi.Output[str] | None  # None: the data plane has no App Mesh mesh
    gateway_arn: pulumi.Output[str]  # App Mesh's virtual gateway, or the gateway's ECS service
    service_names: dict[str, pulumi.Output[str]]  # service → the name callers reach it by
    # Workload (a service, or GATEWAY) → its task (version, or the gateway's name) → the policy JSON
    # its task role allows (None: nothing): what a task role brought for it must allow.
    task_role_policies: dict[str, dict[str, pulumi.Output[str] | None]] = field(default_factory=dict)


class DataPlane(Protocol):
    """What carries a mesh's traffic on AWS (appmesh, envoy, serviceConnect): the platform makes the
    shared parts, then hands them to the data plane's deploy()."""

    @property
    def admission_port(self) -> int | None:
        """The port callers (and the gateway) open to a service's tasks: its sidecar's listener, or
        None for the service's own port (App Mesh: iptables keeps the app's port as destination)."""
        ...

    @property
    def has_gateway_workload(self) -> bool:
        """Whether the gateway runs as tasks of its own behind the ALB's target group, with a
        security group of its own (App Mesh, Envoy); False when the ALB's listener rules forward
        to the services' own target groups (Service Connect): the platform then makes neither."""
        ...

    def deploy(self, platform: pulumi.Resource, parts: PlatformParts) -> DeployedDataPlane:
        """Deploy every service and the gateway. Components are registered as children of
        `platform` itself: a component of the data plane's own above them would change the URN
        of every resource below it."""
        ...
