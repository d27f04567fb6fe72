"""How a caller (a peer sidecar's egress, the gateway) reaches a backend: the routes to put in its
virtual host and the clusters those routes use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fargate_mesh import naming
from fargate_mesh.model import CompiledMesh, CompiledService, Target
from fargate_mesh.render.envoy.clusters import external_cluster, node_cluster
from fargate_mesh.render.envoy.plan import MeshPlan, SidecarPlan
from fargate_mesh.render.envoy.retries import retry_policy
from fargate_mesh.render.envoy.routes import router_route, timeouts


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


def egress_cluster(mesh: CompiledMesh, service: CompiledService, node: str) -> str:
    return naming.egress_cluster(mesh.name, node, service.protocol, service.port)


def mesh_service(mesh: CompiledMesh, plan: MeshPlan, name: str) -> Backend:
    """A virtual service with a router: its routes, and a cluster per version they send traffic to."""
    service = mesh.services[name]

    def cluster_of(target: Target) -> str:
        return egress_cluster(mesh, service, target.node)

    routes = [router_route(route, cluster_of) for route in service.routes]
    clusters = [
        node_cluster(
            egress_cluster(mesh, service, version.node),
            service,
            [sidecar_of(plan, name, version.name).peer_address],
            plan.resolver,
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
