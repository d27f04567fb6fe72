"""How a caller (a peer sidecar's egress, the gateway) reaches a backend: the routes
to put in its virtual host and the clusters those routes use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fargate_mesh.render.envoy import names
from fargate_mesh.render.envoy.clusters import external_cluster, node_cluster
from fargate_mesh.render.envoy.plan import MeshPlan, SidecarPlan
from fargate_mesh.render.envoy.retries import default_retry_policy
from fargate_mesh.render.envoy.routes import router_routes, target_versions, timeouts
from fargate_mesh.spec import Mesh, Timeouts


@dataclass(frozen=True)
class Backend:
    routes: list[dict[str, Any]]  # for the caller's virtual host of this backend
    clusters: list[dict[str, Any]]  # the clusters those routes name


def sidecar_of(plan: MeshPlan, service: str, version: str) -> SidecarPlan:
    try:
        return plan.sidecar(service, version)
    except KeyError:
        raise ValueError(
            f"the plan has no address for {service} {version}; make the plan from the same mesh (plan_mesh)"
        ) from None


def mesh_service(mesh: Mesh, plan: MeshPlan, service: str) -> Backend:
    """A virtual service with a router: its routes, and a cluster per version they send traffic to."""
    spec = mesh.services[service]
    routes = router_routes(spec, lambda version: names.egress_cluster(mesh, service, version))
    clusters = [
        node_cluster(
            names.egress_cluster(mesh, service, version),
            spec,
            mesh.virtual_service_name(service),
            [sidecar_of(plan, service, version).peer_address],
        )
        for version in target_versions(spec)
    ]
    return Backend(routes, clusters)


def external_service(mesh: Mesh, plan: MeshPlan, name: str, ca_file: str | None) -> Backend:
    """An external backend is a virtual service provided by a DNS virtual node, with no router: App
    Mesh's default retry policy and timeouts apply to it (roadmap #194: no retry policy for node
    providers). ca_file: the trust store its TLS is validated with; required when it uses TLS."""
    cluster = names.external_cluster(mesh, name)
    at = plan.external.get(name)
    if at is None:
        raise ValueError(f"the plan has no address for external backend {name!r}; plan_mesh adds one")
    route = {
        "name": mesh.virtual_node_name(name),
        "match": {"prefix": "/"},
        "route": {"cluster": cluster, **timeouts(Timeouts()), "retry_policy": default_retry_policy()},
    }
    return Backend([route], [external_cluster(cluster, name, mesh.external[name], at, ca_file)])
