"""The names the platform gives AWS resources, read from the compiled mesh.

Components spell no name: the compiled mesh (fargate_mesh.model) carries every name a service,
version or gateway has, spelled once in fargate_mesh.naming, and the few that belong to the stack
rather than to one workload (the ECS cluster, the ECR repositories) are read here, from the same
module. These names are live resources' identities: changing one replaces the resource
(tests/aws/test_live_stacks.py guards them).
"""

from __future__ import annotations

from dataclasses import dataclass

from fargate_mesh import naming
from fargate_mesh.model import CompiledGateway, CompiledMesh, CompiledVersion


@dataclass(frozen=True)
class TaskNames:
    """One ECS service's names."""

    ecs_service: str  # products-v1, in the cluster
    family: str  # shop-dev-products-v1; App Mesh filters Cloud Map on it
    log_stream_prefix: str  # v1: the streams of the workload's log group are <prefix>/<container>/<task>

    @classmethod
    def of_version(cls, version: CompiledVersion) -> TaskNames:
        """A version's ECS service: its streams are prefixed with the version's name."""
        return cls(version.ecs_service, version.task_family, version.name)

    @classmethod
    def of_gateway(cls, gateway: CompiledGateway) -> TaskNames:
        """The gateway's ECS service and task family are the virtual gateway's name."""
        return cls(gateway.name, gateway.name, "gateway")


class StackNames:
    """The names of what a stack's workloads share, from its compiled mesh."""

    def __init__(self, mesh: CompiledMesh) -> None:
        self._mesh = mesh

    @property
    def mesh(self) -> str:
        """The App Mesh mesh."""
        return self._mesh.name

    @property
    def cluster(self) -> str:
        return naming.cluster_name(self._mesh.name)

    @property
    def namespace(self) -> str:
        """The Cloud Map private DNS namespace."""
        return self._mesh.namespace

    def repository(self, app: str) -> str:
        """The ECR repository an app's image is pushed to."""
        return naming.ecr_repository(self._mesh.name, app)
