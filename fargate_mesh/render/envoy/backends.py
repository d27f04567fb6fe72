"""How a caller (a peer sidecar's egress, the gateway) reaches a backend: the routes to put in its
virtual host and the clusters those routes use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fargate_mesh import naming
from fargate_mesh.model import CompiledMesh, CompiledRoute, CompiledService, Identity, Target
from fargate_mesh.render.envoy.clusters import external_cluster, node_cluster
from fargate_mesh.render.envoy.plan import MeshPlan, SidecarPlan
from fargate_mesh.render.envoy.retries import retry_policy
from fargate_mesh.render.envoy.routes import router_route, timeouts
from fargate_mesh.render.envoy.tls import alpn_for, upstream


@dataclass(frozen=True)
class Backend:
    routes: list[dict[str, Any]]  # for the caller's virtual host of this backend
    clusters: list[dict[str, Any]]  # the clusters those routes name


def sidecar_of(plan: MeshPlan, service: str, version: str) -> SidecarPlan:
    try:
        return plan.sidecar(service, version)
    except KeyError:
        raise ValueError(
            f"the plan has no address for {service} {version}; make the plan from the same mesh"
        ) from None


def egress_cluster(mesh: CompiledMesh, service: CompiledService, node: str, port: int | None = None) -> str:
    """port: which listener port of the service (default: its `port`)."""
    return naming.egress_cluster(mesh.name, node, service.protocol, port or service.port)


def serves(route: CompiledRoute, service: CompiledService, port: int) -> bool:
    """Whether a router route handles requests to this listener port (a route without a port serves
    `port`, the only one a service without extraPorts has)."""
    return (route.port or service.port) == port


def mesh_service(
    mesh: CompiledMesh, plan: MeshPlan, name: str, caller: Identity, port: int | None = None
) -> Backend:
    """A virtual service with a router, at one of its listener ports (default: its `port`): the routes
    that serve that port, and a cluster per version they send traffic to, at that version's sidecar
    ingress for the port, over TLS when the service's listener speaks it (`caller`'s certificate when
    it is mutual)."""
    service = mesh.services[name]
    port = port or service.port
    index = service.ports.index(port)
    callee = mesh.tls.services[name]
    socket = (
        upstream(plan.certificates, callee, caller, alpn_for(service.protocol)) if callee.encrypted else None
    )

    def cluster_of(target: Target) -> str:
        return egress_cluster(mesh, service, target.node, port)

    routes = [router_route(route, cluster_of) for route in service.routes if serves(route, service, port)]
    clusters = [
        node_cluster(
            egress_cluster(mesh, service, version.node, port),
            service,
            [sidecar_of(plan, name, version.name).ports[index].peer_address],
            plan.resolver,
            socket,
        )
        for version in service.target_versions
    ]
    return Backend(routes, clusters)


def external_service(mesh: CompiledMesh, plan: MeshPlan, name: str, ca_file: str | None) -> Backend:
    """An external backend: one route with its policy (App Mesh's defaults) to a DNS cluster.
    ca_file: the trust store its TLS is validated with; required when it uses TLS."""
    external = mesh.externals[name]
    cluster = naming.egress_cluster(mesh.name, external.node, "http", external.port)
    at = plan.external.get(name)
    if at is None:
        raise ValueError(f"the plan has no address for external backend {name!r}; plans add one")
    route = {
        "name": external.node,
        "match": {"prefix": "/"},
        "route": {
            "cluster": cluster,
            **timeouts(external.policy.timeout),
            "retry_policy": retry_policy(external.policy.retry),
        },
    }
    return Backend([route], [external_cluster(cluster, external, at, ca_file)])
