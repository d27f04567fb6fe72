"""The compiled mesh: what every renderer reads. Each fact is computed once, by model/compile.py.

Frozen dataclasses (their mappings read-only views) around the spec's own value objects (matches,
health checks, sizes), with names, evaluation order, effective policies, callees and environments
already worked out. A renderer translates these into its data plane's shapes and derives nothing of
its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from fargate_mesh.model.policies import RoutePolicy, Timeout
from fargate_mesh.model.tls import CompiledTls
from fargate_mesh.spec import (
    Autoscaling,
    ConnectionPool,
    GatewayMatch,
    HealthCheck,
    HttpMatch,
    Network,
    OutlierDetection,
    Rewrite,
    TaskSize,
)
from fargate_mesh.spec.mesh import DataPlane
from fargate_mesh.spec.rollout import Rollout


@dataclass(frozen=True)
class Target:
    version: str
    node: str  # the version's virtual node name
    weight: int  # relative to the route's other targets


@dataclass(frozen=True)
class CompiledRoute:
    """A router route: match, targets, and the policy a request on it meets."""

    name: str
    priority: int | None
    match: HttpMatch
    targets: tuple[Target, ...]  # the versions that get traffic: weight > 0, in spec order
    written_targets: tuple[Target, ...]  # as written, zero weights included
    policy: RoutePolicy
    port: int | None  # the listener port it serves, when the service has several
    path: str  # where the spec writes it: services.products.routes[1] (or .versions, the default route)
    written: bool  # False for the default catch-all of a service without routes

    @property
    def own_timeout(self) -> bool:
        """The route sets its own timeout (rather than using its service's)."""
        return self.policy.timeout_source == f"{self.path}.timeout"


@dataclass(frozen=True)
class Callee:
    """A backend a service calls (`backends`): a mesh service or an external host."""

    name: str  # the spec's name for it: prices, payments
    external: bool
    dns_name: str  # what the app calls: prices.shop.local, api.payments.example
    port: int
    protocol: str
    tls: bool  # the caller's sidecar originates TLS; the app speaks plain HTTP
    env_var: str  # PRICES_BASE_URL
    base_url: str  # http://prices.shop.local:8080


@dataclass(frozen=True)
class CompiledVersion:
    name: str
    node: str  # virtual node; also the ECS service and the Envoy node's name
    ecs_service: str
    task_family: str
    dns_name: str  # the version's own Cloud Map name, for data planes that dial versions by DNS
    listener_timeout: Timeout  # widest of the service's and of every route that targets it
    env: Mapping[str, str]  # the app's environment (model/env.py)
    desired_count: int
    image: str | None  # a prebuilt image (the version's, else the service's); None: build the app
    routed: bool  # some route sends it traffic
    unrouted: str | None  # the spec's reason why no route sends it traffic, if it says one
    path: str  # services.products.versions.v1


@dataclass(frozen=True)
class CompiledService:
    name: str
    port: int
    extra_ports: tuple[int, ...]  # more listener ports of the app
    protocol: str
    app: str  # the apps/ folder its image is built from
    dns_name: str  # the virtual service name callers use: products.shop.local
    router: str
    cloud_map_service: str
    log_group: str
    health_check: HealthCheck
    outlier_detection: OutlierDetection | None
    connection_pool: ConnectionPool | None  # between each version's Envoy and its app
    listener_timeout_given: bool  # the spec sets listenerTimeout (CompiledVersion.listener_timeout has it)
    size: TaskSize
    autoscaling: Autoscaling | None
    routes: tuple[CompiledRoute, ...]  # in evaluation order
    versions: Mapping[str, CompiledVersion]  # in spec order
    callees: tuple[Callee, ...]  # in spec order
    path: str  # services.products
    rollout: Rollout | None = None  # how ECS replaces a revision (serviceConnect)

    @property
    def ports(self) -> tuple[int, ...]:
        """Every listener port of the app: `port` first."""
        return (self.port, *self.extra_ports)

    @property
    def target_versions(self) -> list[CompiledVersion]:
        """Versions some route sends traffic to, in spec order."""
        return [v for v in self.versions.values() if v.routed]


@dataclass(frozen=True)
class CompiledExternal:
    """A backend outside the mesh, reached by DNS: App Mesh's defaults apply to calls to it."""

    name: str
    host: str
    port: int
    tls: bool
    node: str  # the DNS virtual node that stands for it
    policy: RoutePolicy
    path: str  # external.payments


@dataclass(frozen=True)
class CompiledGatewayRoute:
    name: str
    service: str
    priority: int | None
    match: GatewayMatch
    rewrite: Rewrite
    target_dns_name: str  # the virtual service it hands requests to
    target_port: int
    path: str  # gateway.routes[0]


@dataclass(frozen=True)
class CompiledGateway:
    name: str  # virtual gateway; also its ECS service and task family
    port: int
    health_check_path: str  # what the load balancer checks: a path a plain request reaches
    size: TaskSize
    desired_count: int
    autoscaling: Autoscaling | None
    log_group: str
    routes: tuple[CompiledGatewayRoute, ...]  # in evaluation order


@dataclass(frozen=True)
class CompiledMesh:
    name: str
    namespace: str
    domain: str
    hosted_zone: str
    dataplane: DataPlane  # what the stack asks for; runners may compile for another (localmesh: envoy)
    network: Network
    egress_filter: Literal["DROP_ALL", "ALLOW_ALL"]
    envoy_image: str
    xray_image: str
    tracing: bool  # as written, else the stack's data plane's default
    log_retention_days: int
    tags: Mapping[str, str]
    gateway: CompiledGateway
    services: Mapping[str, CompiledService]  # in spec order
    externals: Mapping[str, CompiledExternal]  # in spec order
    tls: CompiledTls  # identities, each listener's mode and clients, the authority (model/tls.py)

    def service(self, name: str) -> CompiledService:
        return self.services[name]

    def version(self, service: str, version: str) -> CompiledVersion:
        return self.services[service].versions[version]

    @property
    def gateway_services(self) -> list[CompiledService]:
        """Services some gateway route targets, in spec order."""
        wanted = {r.service for r in self.gateway.routes}
        return [s for name, s in self.services.items() if name in wanted]
