"""The ingress gateway's Envoy: App Mesh's two-stage virtual gateway routing, in one route table
where that is exactly equivalent.

App Mesh routes a request at a virtual gateway in two steps: a gateway route matches it, rewrites
its path and Host, and hands it to a virtual service; that service's router routes then match the
*rewritten* request and pick a version (weights, header canaries, retries, timeouts).

Flattened (the usual case): a gateway route G that keeps the path, where neither G nor a router
route of its service matches the path with a regex, becomes routes of the public listener
`lds_ingress_0.0.0.0_<spec gateway port>` (fargate_mesh.naming) itself, one per router route R in router
order, named `<G>/<R>`. A request reaches R iff it matches G, then (after a rewrite that only
changes Host, which router routes never match) matches R and no router route before it. So each
combination matches G ∧ R (matches.combined_match: the narrower of the two literal paths, the
headers and query parameters of both; a combination no request can meet is left out) and carries
R's action: its weighted clusters at each version's sidecar, its retry policy and timeouts, plus
G's host rewrite. G's hostname stays an `:authority` condition, evaluated on the client's Host as
before. After G's combinations comes `<G>/(no-route)`: G's own match with a direct 404 (no body,
as the second stage's "no route" answered), so a request G takes that no router route matches
stops there instead of falling through to a later gateway route. It is left out when a
combination already takes every request G takes (a plain router route whose path covers G's).

Two stages (the fallback): for a gateway route that rewrites the path (`stripPrefix`, `prefix`) or
involves a regex path, the router routes must see the rewritten path, so:

  stage 1  on the public listener, the gateway route forwards to the cluster
           `cds_virtual_service_<mesh>_<vs>`, whose only endpoint is an internal listener
           (Envoy's internal_listener extension: in-process, no socket, no port to plan).
  stage 2  internal listener `lds_virtual_service_<vs>`: the service's router routes, exactly as a
           peer sidecar's egress renders them, to the same `cds_egress_<mesh>_<node>_...` clusters.

Only services some fallback route targets get an internal listener and cluster. Stage 1 disables
its own timeouts: stage 2 enforces the service's, so a long per-request timeout set on the service
is not cut short by an Envoy default in front of it. Stage 1 does not retry either; the router's
retry policy at stage 2 does, once, as App Mesh does.

A request no gateway route matches gets Envoy's 404 (response flag NR); one no router route of the
chosen service matches after the rewrite gets a 404 too (NR at stage 2, or the flattened route's
direct 404), as at an App Mesh gateway. The access log's `route` names the route taken.

A gateway route's target port (`port`, for a service with extraPorts) picks the router routes that
serve that port and the clusters at each version's sidecar ingress for it; a second stage for a port
other than the service's `port` has its own internal listener and cluster, named with the port.

Rewrites (the spec's `rewrite`, App Mesh's names in brackets):
- default: keep the path (`default_prefix: DISABLED`), the product's choice: App Mesh's default
  rewrite would strip `/v1/products` from `/v1/products/7` (App Mesh user guide, "Gateway routes");
- `stripPrefix` (App Mesh's default, `default_prefix: ENABLED`): the matched prefix becomes `/`,
  `/v1/products/7` → `/7`. A prefix without a trailing `/` is stripped with a regex so that the
  slash after it goes too (Envoy's prefix_rewrite would leave `//7`);
- `prefix: /x/` (`value`): the matched prefix is replaced by `/x/`;
- `path: /x` (`path.exact`, with a path match): the whole path becomes `/x`, the query string kept;
- Host becomes the virtual service name (`default_target_hostname: ENABLED`) unless
  `rewrite.hostname: false`.
"""

from __future__ import annotations

import re
from typing import Any

from fargate_mesh import naming
from fargate_mesh.model import CompiledGatewayRoute, CompiledMesh, CompiledService, Target
from fargate_mesh.render.envoy.backends import Backend, egress_cluster, mesh_service, serves
from fargate_mesh.render.envoy.bootstrap import bootstrap
from fargate_mesh.render.envoy.clusters import internal_cluster
from fargate_mesh.render.envoy.http import (
    connection_manager,
    internal_listener,
    listener,
    route_config,
    virtual_host,
)
from fargate_mesh.render.envoy.matches import combined_match, has_regex_path, route_match
from fargate_mesh.render.envoy.plan import MeshPlan
from fargate_mesh.render.envoy.routes import router_route
from fargate_mesh.render.envoy.tls import protect_edge
from fargate_mesh.render.envoy.tracing import proxy_tracing

# The name suffix of a flattened gateway route's "no router route matched" 404.
NO_ROUTE = "(no-route)"


def render_gateway(
    mesh: CompiledMesh, plan: MeshPlan, access_log_path: str = "/dev/stdout"
) -> dict[str, Any]:
    """The bootstrap of the ingress gateway Envoy."""
    public = naming.gateway_listener(mesh.gateway.port)
    routes: list[dict[str, Any]] = []
    two_stage: set[tuple[str, int]] = set()
    for route in mesh.gateway.routes:
        service = mesh.services[route.service]
        if flattens(route, service):
            routes += flattened_routes(mesh, route, service)
        else:
            routes.append(gateway_route(mesh, route))
            two_stage.add((route.service, route.target_port))
    edge = listener(
        public,
        plan.gateway,
        connection_manager(
            "gateway",
            route_config(public, [virtual_host(mesh.gateway.name, ["*"], routes)]),
            access_log_path,
            public,
            edge=True,
            # The internal listeners behind it are the same proxy: one segment per request.
            tracing=proxy_tracing(mesh.name, plan, mesh.gateway.name),
        ),
    )
    listeners = [protect_edge(edge, mesh.tls.gateway, plan.certificates)]
    clusters: list[dict[str, Any]] = []
    for service, port in target_ports(mesh):
        backend = mesh_service(mesh, plan, service.name, mesh.tls.gateway.identity, port)
        if (service.name, port) in two_stage:
            inner = naming.virtual_service_listener(service.dns_name, _named_port(service, port))
            listeners.append(_virtual_service_listener(service, inner, backend, access_log_path))
            cluster = naming.virtual_service_cluster(mesh.name, service.dns_name, _named_port(service, port))
            clusters.append(internal_cluster(cluster, inner))
        clusters += backend.clusters
    return bootstrap(
        naming.virtual_gateway_id(mesh.name, mesh.gateway.name),
        plan.gateway_admin,
        listeners,
        clusters,
        internal_listeners=bool(two_stage),
    )


def target_ports(mesh: CompiledMesh) -> list[tuple[CompiledService, int]]:
    """Each service some gateway route targets, with each of its ports targeted, in spec order."""
    wanted = {(r.service, r.target_port) for r in mesh.gateway.routes}
    return [(s, port) for s in mesh.gateway_services for port in s.ports if (s.name, port) in wanted]


def _named_port(service: CompiledService, port: int) -> int | None:
    # The service's `port` keeps the names it had before extraPorts existed.
    return None if port == service.port else port


def flattens(route: CompiledGatewayRoute, service: CompiledService) -> bool:
    """Whether one route table can do both stages for this gateway route: it keeps the path, and
    neither it nor a router route of its service matches the path with a regex."""
    if route.rewrite.rewrites_path:
        return False
    return not any(has_regex_path(m) for m in [route.match, *(r.match for r in service.routes)])


def flattened_routes(
    mesh: CompiledMesh, route: CompiledGatewayRoute, service: CompiledService
) -> list[dict[str, Any]]:
    """The gateway route's combinations with its service's router routes, in router order, then its
    404 for a request no router route matches (unless a combination already takes every request)."""
    own = route_match(route.match)
    flat: list[dict[str, Any]] = []

    def cluster_of(target: Target) -> str:
        return egress_cluster(mesh, service, target.node, route.target_port)

    for inner in service.routes:
        if not serves(inner, service, route.target_port):
            continue
        match = combined_match(route.match, inner.match)
        if match is None:  # no request meets both: the router route is unreachable from here
            continue
        action = {**router_route(inner, cluster_of)["route"], **host_rewrite(route)}
        flat.append({"name": f"{route.name}/{inner.name}", "match": match, "route": action})
        if match == own:  # every request of this gateway route stops here; later ones are unreachable
            return flat
    flat.append({"name": f"{route.name}/{NO_ROUTE}", "match": own, "direct_response": {"status": 404}})
    return flat


def gateway_route(mesh: CompiledMesh, route: CompiledGatewayRoute) -> dict[str, Any]:
    port = _named_port(mesh.services[route.service], route.target_port)
    action: dict[str, Any] = {
        "cluster": naming.virtual_service_cluster(mesh.name, route.target_dns_name, port),
        # Stage 2 enforces the service's timeouts; see the module docstring.
        "timeout": "0s",
        "idle_timeout": "0s",
        **path_rewrite(route),
        **host_rewrite(route),
    }
    return {"name": route.name, "match": route_match(route.match), "route": action}


def host_rewrite(route: CompiledGatewayRoute) -> dict[str, Any]:
    return {"host_rewrite_literal": route.target_dns_name} if route.rewrite.hostname else {}


def path_rewrite(route: CompiledGatewayRoute) -> dict[str, Any]:
    if route.rewrite.path is not None:
        # The whole path (query string kept: regex_rewrite sees the path alone).
        return {"regex_rewrite": {"pattern": {"regex": "^.*$"}, "substitution": route.rewrite.path}}
    if route.rewrite.prefix is not None:
        return {"prefix_rewrite": route.rewrite.prefix}
    if not route.rewrite.strip_prefix:
        return {}
    prefix = route.match.effective_prefix or "/"
    if prefix.endswith("/"):
        return {"prefix_rewrite": "/"}
    # The query string is not part of what regex_rewrite sees, so it is kept.
    return {"regex_rewrite": {"pattern": {"regex": f"^{re.escape(prefix)}/*"}, "substitution": "/"}}


def _virtual_service_listener(
    service: CompiledService, name: str, backend: Backend, access_log_path: str
) -> dict[str, Any]:
    vhost = virtual_host(service.router, ["*"], backend.routes)
    return internal_listener(
        name,
        connection_manager(
            f"virtual_service.{service.name}", route_config(name, [vhost]), access_log_path, name
        ),
    )
