"""The ingress gateway's Envoy: App Mesh's two-stage virtual gateway routing.

App Mesh routes a request at a virtual gateway in two steps: a gateway route matches it, rewrites
its path and Host, and hands it to a virtual service; that service's router routes then match the
*rewritten* request and pick a version (weights, header canaries, retries, timeouts). One Envoy
route table cannot match twice, so the gateway Envoy runs both stages itself:

  stage 1  public listener `lds_ingress_0.0.0.0_<spec gateway port>` (names.py): gateway routes, in
           App Mesh order. Each forwards to the cluster `cds_virtual_service_<mesh>_<vs>`, whose
           only endpoint is an internal listener (Envoy's internal_listener extension: in-process,
           no socket, no port to plan).
  stage 2  internal listener `lds_virtual_service_<vs>`: the service's router routes, exactly as a
           peer sidecar's egress renders them, to `cds_egress_<mesh>_<node>_...` clusters at each
           version's sidecar (its plan's peer address).

Stage 1 disables its own timeouts: stage 2 enforces the service's, so a long per-request timeout
set on the service is not cut short by an Envoy default in front of it. Stage 1 does not retry
either; the router's retry policy at stage 2 does, once, as App Mesh does.

A request no gateway route matches, or that no router route of the chosen service matches after
the rewrite, gets Envoy's 404 (response flag NR), as at an App Mesh gateway.

Rewrites (the spec's `rewrite`, App Mesh's names in brackets):
- default: keep the path (`default_prefix: DISABLED`), the product's choice (APPMESH.md §1);
- `stripPrefix` (App Mesh's default, `default_prefix: ENABLED`): the matched prefix becomes `/`,
  `/v1/products/7` → `/7`. A prefix without a trailing `/` is stripped with a regex so that the
  slash after it goes too (Envoy's prefix_rewrite would leave `//7`);
- `prefix: /x/` (`value`): the matched prefix is replaced by `/x/`;
- Host becomes the virtual service name (`default_target_hostname: ENABLED`) unless
  `rewrite.hostname: false`.
"""

from __future__ import annotations

import re
from typing import Any

from localmesh.envoy import names
from localmesh.envoy.backends import Backend, mesh_service
from localmesh.envoy.bootstrap import bootstrap
from localmesh.envoy.clusters import internal_cluster
from localmesh.envoy.http import connection_manager, internal_listener, listener, route_config, virtual_host
from localmesh.envoy.matches import route_match
from localmesh.envoy.ordering import ordered
from localmesh.plan import MeshPlan
from meshspec import GatewayRoute, Mesh


def render_gateway(mesh: Mesh, plan: MeshPlan, access_log_path: str = "/dev/stdout") -> dict[str, Any]:
    """The bootstrap of the ingress gateway Envoy."""
    public = names.gateway_listener(mesh)
    stage1 = [gateway_route(mesh, r) for r in ordered(mesh.gateway.routes)]
    listeners = [
        listener(
            public,
            plan.gateway,
            connection_manager(
                "gateway",
                route_config(public, [virtual_host(mesh.gateway_name, ["*"], stage1)]),
                access_log_path,
                public,
                edge=True,
            ),
        )
    ]
    clusters: list[dict[str, Any]] = []
    for service in _targeted_services(mesh):
        inner = names.virtual_service_listener(mesh, service)
        backend = mesh_service(mesh, plan, service)
        listeners.append(_virtual_service_listener(mesh, service, inner, backend, access_log_path))
        clusters.append(internal_cluster(names.virtual_service_cluster(mesh, service), inner))
        clusters += backend.clusters
    return bootstrap(
        names.virtual_gateway_id(mesh), plan.gateway_admin, listeners, clusters, internal_listeners=True
    )


def gateway_route(mesh: Mesh, route: GatewayRoute) -> dict[str, Any]:
    action: dict[str, Any] = {
        "cluster": names.virtual_service_cluster(mesh, route.service),
        # Stage 2 enforces the service's timeouts; see the module docstring.
        "timeout": "0s",
        "idle_timeout": "0s",
        **path_rewrite(route),
    }
    if route.rewrite.hostname:
        action["host_rewrite_literal"] = mesh.virtual_service_name(route.service)
    return {"name": route.resource_name, "match": route_match(route.match), "route": action}


def path_rewrite(route: GatewayRoute) -> dict[str, Any]:
    if route.rewrite.prefix is not None:
        return {"prefix_rewrite": route.rewrite.prefix}
    if not route.rewrite.strip_prefix:
        return {}
    prefix = route.match.effective_prefix or "/"
    if prefix.endswith("/"):
        return {"prefix_rewrite": "/"}
    # The query string is not part of what regex_rewrite sees, so it is kept.
    return {"regex_rewrite": {"pattern": {"regex": f"^{re.escape(prefix)}/*"}, "substitution": "/"}}


def _targeted_services(mesh: Mesh) -> list[str]:
    wanted = {r.service for r in mesh.gateway.routes}
    return [s for s in mesh.services if s in wanted]


def _virtual_service_listener(
    mesh: Mesh, service: str, name: str, backend: Backend, access_log_path: str
) -> dict[str, Any]:
    vhost = virtual_host(mesh.virtual_router_name(service), ["*"], backend.routes)
    return internal_listener(
        name,
        connection_manager(f"virtual_service.{service}", route_config(name, [vhost]), access_log_path, name),
    )
