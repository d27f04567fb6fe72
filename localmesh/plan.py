"""Where every proxy and app of a mesh listens: the only input the Envoy renderer takes besides the spec.

Nothing here assumes one machine: an Endpoint is any host and port, so the same plan shape can
describe a Fargate task (app on 127.0.0.1:8080, peers by Cloud Map name) or localmesh's loopback ports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from meshspec import Mesh


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class SidecarPlan:
    """One version of one service: its app and the Envoy sidecar in front of it."""

    service: str
    version: str
    app: Endpoint  # where the app listens (the sidecar's local upstream)
    ingress: Endpoint  # the sidecar's inbound listener; peers and the gateway send here
    egress: Endpoint  # the sidecar's outbound listener; the app's HTTP_PROXY
    admin: Endpoint  # the sidecar's admin interface (readiness, stats)


@dataclass(frozen=True)
class MeshPlan:
    gateway: Endpoint  # the ingress gateway's listener (the URL users call)
    gateway_admin: Endpoint
    sidecars: dict[tuple[str, str], SidecarPlan]  # (service, version) → plan
    # Where each external backend is really reached; by default its own host and port.
    external: dict[str, Endpoint] = field(default_factory=dict)

    def sidecar(self, service: str, version: str) -> SidecarPlan:
        return self.sidecars[(service, version)]

    def versions_of(self, service: str) -> list[SidecarPlan]:
        return [p for (s, _), p in self.sidecars.items() if s == service]

    def __iter__(self) -> Iterator[SidecarPlan]:
        return iter(self.sidecars.values())


def plan_mesh(
    mesh: Mesh,
    next_port: Callable[[], int],
    gateway_port: int | None = None,
    host: str = "127.0.0.1",
    external: dict[str, Endpoint] | None = None,
) -> MeshPlan:
    """Give every listener of the mesh an address; ports come from next_port (e.g. free ports)."""

    def endpoint() -> Endpoint:
        return Endpoint(host, next_port())

    sidecars = {
        (name, version): SidecarPlan(
            service=name,
            version=version,
            app=endpoint(),
            ingress=endpoint(),
            egress=endpoint(),
            admin=endpoint(),
        )
        for name, service in mesh.services.items()
        for version in service.versions
    }
    externals = {name: Endpoint(ext.host, ext.port) for name, ext in mesh.external.items()}
    externals.update(external or {})
    return MeshPlan(
        gateway=Endpoint(host, gateway_port if gateway_port is not None else next_port()),
        gateway_admin=endpoint(),
        sidecars=sidecars,
        external=externals,
    )
