"""A service's router routes (model.CompiledRoute) as Envoy routes: match, targets, retries, timeouts.

The same rendering serves every caller of a service (a peer sidecar's egress, the gateway's routes
into the service, flattened or at its second stage), so a request meets the same router wherever it
comes from. The model has already ordered the routes, picked each one's policy and pruned targets
that get no traffic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fargate_mesh.model import CompiledRoute, Target, Timeout
from fargate_mesh.render.envoy.durations import envoy_duration
from fargate_mesh.render.envoy.matches import route_match
from fargate_mesh.render.envoy.retries import retry_policy

# target → the caller's cluster for that version
ClusterOf = Callable[[Target], str]


def timeouts(timeout: Timeout) -> dict[str, str]:
    # Envoy reads a zero route timeout as "no timeout", which is App Mesh's meaning of 0 too.
    return {
        "timeout": envoy_duration(timeout.per_request_ms),
        "idle_timeout": envoy_duration(timeout.idle_ms),
    }


def router_route(route: CompiledRoute, cluster_of: ClusterOf) -> dict[str, Any]:
    action: dict[str, Any] = {
        **targets(route.targets, cluster_of),
        **timeouts(route.policy.timeout),
        "retry_policy": retry_policy(route.policy.retry),
    }
    return {"name": route.name, "match": route_match(route.match), "route": action}


def targets(live: tuple[Target, ...], cluster_of: ClusterOf) -> dict[str, Any]:
    if len(live) == 1:
        return {"cluster": cluster_of(live[0])}
    # Weights are relative in both App Mesh and Envoy (no total_weight: Envoy sums them).
    return {"weighted_clusters": {"clusters": [{"name": cluster_of(t), "weight": t.weight} for t in live]}}
