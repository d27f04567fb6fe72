"""A virtual router's routes as Envoy routes: match, weighted targets, retries and timeouts.

The same rendering serves every caller of a service (a peer sidecar's egress, the gateway's routes
into the service, flattened or at its second stage), so a request meets the same router wherever it comes from, as in App Mesh. A route's own
retry policy or timeout replaces the service's; with neither, App Mesh's defaults apply (hidden
retries; 15 s per request, 0 disables; 300 s idle).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fargate_mesh.render.envoy.matches import route_match
from fargate_mesh.render.envoy.ordering import ordered
from fargate_mesh.render.envoy.retries import retry_policy
from fargate_mesh.spec import Route, Service, Timeouts
from fargate_mesh.spec.durations import envoy_duration

# version → the caller's cluster for that version
ClusterOf = Callable[[str], str]


def timeouts(timeout: Timeouts) -> dict[str, str]:
    # Envoy reads a zero route timeout as "no timeout", which is App Mesh's meaning of 0 too.
    return {"timeout": envoy_duration(timeout.per_request), "idle_timeout": envoy_duration(timeout.idle)}


def router_routes(service: Service, cluster_of: ClusterOf) -> list[dict[str, Any]]:
    """The service's router routes in App Mesh evaluation order."""
    return [router_route(route, service, cluster_of) for route in ordered(service.effective_routes())]


def router_route(route: Route, service: Service, cluster_of: ClusterOf) -> dict[str, Any]:
    action: dict[str, Any] = {
        **targets(route.targets, cluster_of),
        **timeouts(route.timeout or service.timeout),
        "retry_policy": retry_policy(route.retry_policy or service.retry_policy),
    }
    return {"name": route.name, "match": route_match(route.match), "route": action}


def targets(weights: dict[str, int], cluster_of: ClusterOf) -> dict[str, Any]:
    # A zero weight gets no traffic in App Mesh; Envoy needs at least one positive weight, which the
    # spec guarantees (weights add up to 1..100).
    live = {version: weight for version, weight in weights.items() if weight > 0}
    if len(live) == 1:
        return {"cluster": cluster_of(next(iter(live)))}
    # Weights are relative in both App Mesh and Envoy (no total_weight: Envoy sums them).
    return {
        "weighted_clusters": {
            "clusters": [{"name": cluster_of(version), "weight": weight} for version, weight in live.items()]
        }
    }


def target_versions(service: Service) -> list[str]:
    """Versions some route of the service sends traffic to, in spec order."""
    reached = {v for route in service.effective_routes() for v, w in route.targets.items() if w > 0}
    return [v for v in service.versions if v in reached]
