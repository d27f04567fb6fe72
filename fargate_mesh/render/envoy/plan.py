"""Where every proxy and app of a mesh listens, and where it is reached: the only input the Envoy
renderer takes besides the compiled mesh (and the trust store for external TLS). Two plans ship:
fargate_plan (one task per proxy, peers dialled by Cloud Map name: what the envoy data plane ships,
and what localmesh runs with each task moved onto a loopback address of its own, localmesh/layout.py)
and loopback_plan (every listener on one machine at numbered ports; the renderer's tests use it).

An Endpoint is any host and port; a host may be an IP or a name. A sidecar has two addresses for its
ingress, because "where I listen" and "where others dial me" differ as soon as proxies are not all on
one machine:
- `ingress` is the listen address, which must be an IP (`0.0.0.0:15000` in a Fargate task);
- `peer` is what peer sidecars and the gateway dial, an IP or a name Envoy resolves (a Cloud Map name
  such as `products-v1.shop.local:15000`); it defaults to `ingress`, which is what loopback plans use.
`app` is only dialled by the renderer (the sidecar's local upstream, `127.0.0.1:8080` in a task);
localmesh also tells its apps to listen there. `egress`, `admin`, `gateway` and `gateway_admin` are
listen addresses; localmesh dials them as they are (an app's HTTP_PROXY, readiness probes), which
works because everything it plans is on loopback. External backends are dial addresses.

A service with `extraPorts` has one more (app, ingress, peer) triple per extra port (SidecarPlan.extra,
in extraPorts order): the sidecar has an ingress listener in front of each app port. In a Fargate task
the app's extraPorts[i] is reached on 127.0.0.1 at that port, behind the ingress at 15100 + i + 1
(facts.envoy_ingress_port; 15000 + i would meet the egress port), dialled by peers at the version's
Cloud Map name on that port.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from fargate_mesh.facts import (
    ENVOY_ADMIN_PORT,
    ENVOY_EGRESS_PORT,
    ENVOY_INGRESS_PORT,
    TASK_TLS_DIRECTORY,
    XRAY_DAEMON_PORT,
    envoy_ingress_port,
)
from fargate_mesh.model import CompiledMesh
from fargate_mesh.tls_files import CertificateFiles


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class PortPlan:
    """One listener port of an app: the app there, the sidecar ingress in front of it, where peers dial."""

    app: Endpoint
    ingress: Endpoint
    peer: Endpoint | None = None  # None: at `ingress`

    @property
    def peer_address(self) -> Endpoint:
        return self.peer if self.peer is not None else self.ingress


@dataclass(frozen=True)
class SidecarPlan:
    """One version of one service: its app and the Envoy sidecar in front of it."""

    service: str
    version: str
    app: Endpoint  # where the sidecar reaches its app (its local upstream)
    ingress: Endpoint  # where the sidecar's inbound listener listens
    egress: Endpoint  # where the sidecar's outbound listener listens; the app's HTTP_PROXY
    admin: Endpoint  # where the sidecar's admin interface listens (readiness, stats)
    peer: Endpoint | None = None  # where peers and the gateway reach the ingress; None: at `ingress`
    extra: tuple[PortPlan, ...] = ()  # the service's extraPorts, in order

    @property
    def peer_address(self) -> Endpoint:
        """Where other proxies send this version's traffic."""
        return self.peer if self.peer is not None else self.ingress

    @property
    def ports(self) -> tuple[PortPlan, ...]:
        """Every listener port, in the service's order (`port` first, then extraPorts)."""
        return (PortPlan(self.app, self.ingress, self.peer), *self.extra)

    def as_dict(self) -> dict[str, Any]:
        extra = [
            {"app": str(p.app), "ingress": str(p.ingress), "peer": str(p.peer_address)} for p in self.extra
        ]
        return {
            "service": self.service,
            "version": self.version,
            "app": str(self.app),
            "ingress": str(self.ingress),
            "peer": str(self.peer_address),
            "egress": str(self.egress),
            "admin": str(self.admin),
            **({"extra": extra} if extra else {}),
        }


@dataclass(frozen=True)
class MeshPlan:
    gateway: Endpoint  # where the ingress gateway listens (localmesh's users call it there)
    gateway_admin: Endpoint
    sidecars: dict[tuple[str, str], SidecarPlan]  # (service, version) → plan
    # Where each external backend is really reached; by default its own host and port.
    external: dict[str, Endpoint] = field(default_factory=dict)
    # The DNS server Envoy asks for peers' names; None: the system's (the VPC resolver on Fargate).
    resolver: Endpoint | None = None
    # Mesh TLS files; used only when the compiled mesh's tls is enabled.
    certificates: CertificateFiles = field(default_factory=lambda: CertificateFiles(TASK_TLS_DIRECTORY))
    # The X-Ray daemon every proxy sends segments to (UDP); None: proxies do not trace.
    tracer: Endpoint | None = None

    def sidecar(self, service: str, version: str) -> SidecarPlan:
        return self.sidecars[(service, version)]

    def __iter__(self) -> Iterator[SidecarPlan]:
        return iter(self.sidecars.values())

    def listen_endpoints(self) -> list[Endpoint]:
        """Every address something of the mesh listens on."""
        own = [e for s in self for e in (s.app, s.ingress, s.egress, s.admin)]
        own += [e for s in self for p in s.extra for e in (p.app, p.ingress)]
        return [*own, self.gateway, self.gateway_admin]

    def as_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data (render's addresses.json, up's processes.json)."""
        return {
            "gateway": str(self.gateway),
            "gatewayAdmin": str(self.gateway_admin),
            "sidecars": [s.as_dict() for s in self],
            "external": {name: str(e) for name, e in self.external.items()},
            "resolver": str(self.resolver) if self.resolver else None,
        }


def loopback_plan(
    mesh: CompiledMesh,
    next_port: Callable[[], int],
    gateway_port: int | None = None,
    host: str = "127.0.0.1",
    external: Mapping[str, Endpoint] | None = None,
    certificates: str | None = None,
) -> MeshPlan:
    """localmesh's plan: every listener of the mesh on `host`, ports from next_port (e.g. free ones);
    peers dial the listen addresses. external: where external backends are reached instead of their
    own host and port. certificates: the folder of mesh TLS files (default: a task's)."""

    def endpoint() -> Endpoint:
        return Endpoint(host, next_port())

    sidecars = {
        (service.name, version): SidecarPlan(
            service=service.name,
            version=version,
            app=endpoint(),
            ingress=endpoint(),
            egress=endpoint(),
            admin=endpoint(),
            extra=tuple(PortPlan(endpoint(), endpoint()) for _ in service.extra_ports),
        )
        for service in mesh.services.values()
        for version in service.versions
    }
    return MeshPlan(
        gateway=Endpoint(host, gateway_port if gateway_port is not None else next_port()),
        gateway_admin=endpoint(),
        sidecars=sidecars,
        external={**_own_addresses(mesh), **(external or {})},
        certificates=CertificateFiles(certificates or TASK_TLS_DIRECTORY),
    )


def fargate_plan(mesh: CompiledMesh) -> MeshPlan:
    """Addresses as in Fargate tasks, one task per proxy: a sidecar listens on 0.0.0.0:15000 for peers
    and on 127.0.0.1:15001 for its app's calls, reaches its app on 127.0.0.1 at the service's port, and
    peers dial it by the version's Cloud Map name (products-v1.shop.local:15000). The gateway listens
    on 0.0.0.0 at the spec's port. Admin interfaces stay on 127.0.0.1: only the task itself (its
    health check) may reach them. With the mesh's tracing on, proxies send X-Ray segments to the
    daemon in their own task (127.0.0.1:2000/udp)."""
    admin = Endpoint("127.0.0.1", ENVOY_ADMIN_PORT)
    sidecars = {
        (service.name, version.name): SidecarPlan(
            service=service.name,
            version=version.name,
            app=Endpoint("127.0.0.1", service.port),
            ingress=Endpoint("0.0.0.0", ENVOY_INGRESS_PORT),
            egress=Endpoint("127.0.0.1", ENVOY_EGRESS_PORT),
            admin=admin,
            peer=Endpoint(version.dns_name, ENVOY_INGRESS_PORT),
            extra=tuple(
                PortPlan(
                    Endpoint("127.0.0.1", port),
                    Endpoint("0.0.0.0", envoy_ingress_port(index)),
                    Endpoint(version.dns_name, envoy_ingress_port(index)),
                )
                for index, port in enumerate(service.extra_ports, start=1)
            ),
        )
        for service in mesh.services.values()
        for version in service.versions.values()
    }
    # With tracing on, each task runs the X-Ray daemon beside its proxy, on the task's loopback.
    tracer = Endpoint("127.0.0.1", XRAY_DAEMON_PORT) if mesh.tracing else None
    return MeshPlan(
        Endpoint("0.0.0.0", mesh.gateway.port), admin, sidecars, _own_addresses(mesh), tracer=tracer
    )


def _own_addresses(mesh: CompiledMesh) -> dict[str, Endpoint]:
    return {name: Endpoint(ext.host, ext.port) for name, ext in mesh.externals.items()}
