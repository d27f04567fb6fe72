"""Every name the platform gives an AWS resource, worked out from the spec in this one place.

Components take their names as required arguments; only the platform (and the data plane it
runs) computes them, through StackNames, which spells nothing itself: every name comes from
fargate_mesh.naming, the one module that spells names for every data plane. These names are live resources' identities: changing one replaces
the resource (tests/aws/test_live_stacks.py guards them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fargate_mesh import naming
from fargate_mesh.spec import Mesh


@dataclass(frozen=True)
class TaskNames:
    """One ECS service's names."""

    ecs_service: str  # products-v1, in the cluster
    family: str  # shop-dev-products-v1; App Mesh filters Cloud Map on it
    log_stream_prefix: str  # v1: the streams of the workload's log group are <prefix>/<container>/<task>


@dataclass(frozen=True)
class VersionNames:
    """One version's AWS names."""

    node: str  # App Mesh virtual node: products-v1
    task: TaskNames


@dataclass(frozen=True)
class ServiceNames:
    """One service's AWS names."""

    virtual_service: str  # the name callers call: products.shop.local
    router: str  # App Mesh virtual router: products-router
    cloud_map_service: str  # the Cloud Map service every version registers in: products
    log_group: str  # /ecs/shop-dev/products, shared by the versions
    versions: Mapping[str, VersionNames]


@dataclass(frozen=True)
class GatewayNames:
    """The gateway's AWS names."""

    gateway: str  # App Mesh virtual gateway: shop-dev-gateway; its alarms' prefix too
    log_group: str  # /ecs/shop-dev/shop-dev-gateway
    task: TaskNames


class StackNames:
    """The names of one stack's resources, from its spec."""

    def __init__(self, mesh: Mesh) -> None:
        self._mesh = mesh

    @property
    def mesh(self) -> str:
        """The App Mesh mesh."""
        return self._mesh.name

    @property
    def cluster(self) -> str:
        return self._mesh.name

    @property
    def namespace(self) -> str:
        """The Cloud Map private DNS namespace."""
        return self._mesh.namespace

    @property
    def gateway(self) -> GatewayNames:
        name = naming.gateway_name(self._mesh.name)
        return GatewayNames(
            gateway=name,
            # Named after the gateway, not "gateway": /ecs/<mesh>/gateway belongs to a service of that name.
            log_group=naming.log_group(self._mesh.name, name),
            task=TaskNames(ecs_service=name, family=name, log_stream_prefix="gateway"),
        )

    def repository(self, app: str) -> str:
        """The ECR repository an app's image is pushed to."""
        return naming.ecr_repository(self._mesh.name, app)

    def virtual_service(self, service_or_external: str) -> str:
        """A mesh service's DNS name, or an external backend's host."""
        external = self._mesh.external.get(service_or_external)
        if external is not None:
            return external.host
        return naming.virtual_service_name(service_or_external, self._mesh.namespace)

    def external_node(self, external: str) -> str:
        return naming.external_node_name(external)

    def service(self, service: str) -> ServiceNames:
        mesh = self._mesh
        return ServiceNames(
            virtual_service=naming.virtual_service_name(service, mesh.namespace),
            router=naming.virtual_router_name(service),
            cloud_map_service=naming.cloud_map_service(service),
            log_group=naming.log_group(mesh.name, service),
            versions={
                version: VersionNames(
                    node=naming.virtual_node_name(service, version),
                    task=TaskNames(
                        ecs_service=naming.ecs_service_name(service, version),
                        family=naming.task_family(mesh.name, service, version),
                        log_stream_prefix=version,
                    ),
                )
                for version in mesh.services[service].versions
            },
        )
