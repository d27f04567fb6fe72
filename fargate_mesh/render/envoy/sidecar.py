"""A version's sidecar Envoy: ingress in front of its app, egress for the app's calls.

Ingress (`lds_ingress_0.0.0.0_15000`, listening on the plan's sidecar.ingress; peers dial
sidecar.peer_address): every request goes to the local app (`cds_ingress_...` at sidecar.app) with
the version's listener timeout (model/policies.py: the widest of the service's and of every route that
targets the version), so a route allowed 5 s on a service whose own timeout is 1 s gets its 5 s here
too; the route's own timeout is enforced by the caller.

Egress (`lds_egress_0.0.0.0_15001`, on sidecar.egress): the app's HTTP proxy. An app with
HTTP_PROXY set sends absolute-form requests (`GET http://prices.shop.local:8080/v1/prices/p-001`),
which Envoy's HTTP/1 codec takes as `:authority` + `:path`; an app that sends plain requests to this
address with a `Host` header works the same. There is one virtual host per *declared* backend:
- a mesh service: domains `<vs name>` and `<vs name>:<port>`, its router routes (weights, header
  matches, retries, timeouts) to `cds_egress_...` clusters at each target version's peer address;
- an external backend: domains `<host>` and `<host>:<port>`, one route with App Mesh's default
  retries and timeouts to a DNS cluster at the plan's address, which originates TLS when the
  backend uses TLS (the app speaks plain HTTP to its sidecar, as with App Mesh TLS origination).
Anything else meets the mesh's egress filter: with DROP_ALL (the default) a 404 whose body names
the refused host; with ALLOW_ALL Envoy's dynamic forward proxy sends it to wherever the Host says.
Plain HTTP only: HTTPS through the proxy (CONNECT) is refused, not tunnelled.
"""

from __future__ import annotations

from typing import Any

from fargate_mesh import naming
from fargate_mesh.facts import envoy_ingress_port
from fargate_mesh.model import DEFAULT_TIMEOUT, CompiledMesh
from fargate_mesh.render.envoy.backends import Backend, external_service, mesh_service, sidecar_of
from fargate_mesh.render.envoy.bootstrap import bootstrap
from fargate_mesh.render.envoy.clusters import (
    ALLOW_ALL_CLUSTER,
    ALLOW_ALL_DNS_CACHE,
    app_cluster,
    dynamic_forward_proxy_cluster,
)
from fargate_mesh.render.envoy.http import connection_manager, listener, route_config, virtual_host
from fargate_mesh.render.envoy.plan import Endpoint, MeshPlan
from fargate_mesh.render.envoy.routes import timeouts
from fargate_mesh.render.envoy.tls import protect
from fargate_mesh.render.envoy.tracing import proxy_tracing


def render_sidecar(
    mesh: CompiledMesh,
    plan: MeshPlan,
    service: str,
    version: str,
    access_log_path: str = "/dev/stdout",
    ca_file: str | None = None,
) -> dict[str, Any]:
    """The bootstrap of one version's sidecar Envoy. ca_file: the CA bundle external TLS backends are
    validated with, as a path where Envoy runs; required when the service calls one."""
    if service not in mesh.services:
        raise ValueError(f"unknown service {service!r}; services are: {', '.join(mesh.services)}")
    if version not in mesh.services[service].versions:
        known = ", ".join(mesh.services[service].versions)
        raise ValueError(f"service {service!r} has no version {version!r}; versions are: {known}")
    compiled = mesh.services[service]
    node = compiled.versions[version].node
    sidecar = sidecar_of(plan, service, version)
    if len(sidecar.ports) != len(compiled.ports):
        raise ValueError(
            f"the plan has {len(sidecar.ports)} ports for {service} {version}, the service {len(compiled.ports)}"
        )
    tracing = proxy_tracing(mesh.name, plan, node)
    ingresses: list[dict[str, Any]] = []
    local_clusters: list[dict[str, Any]] = []
    # One ingress listener and app cluster per app port (`port` first, named as before; extraPorts after).
    for index, (port, at) in enumerate(zip(compiled.ports, sidecar.ports, strict=True)):
        local = naming.ingress_cluster(mesh.name, node, compiled.protocol, port)
        name = naming.sidecar_ingress_listener(envoy_ingress_port(index))
        ingresses.append(
            _ingress(mesh, plan, service, version, name, at.ingress, local, access_log_path, tracing)
        )
        local_clusters.append(app_cluster(local, compiled, at.app))
    egress, egress_clusters = _egress(mesh, plan, service, sidecar.egress, access_log_path, ca_file, tracing)
    clusters = [*local_clusters, *egress_clusters]
    return bootstrap(naming.virtual_node_id(mesh.name, node), sidecar.admin, [*ingresses, egress], clusters)


def _ingress(
    mesh: CompiledMesh,
    plan: MeshPlan,
    service: str,
    version: str,
    name: str,
    at: Endpoint,
    local: str,
    access_log_path: str,
    tracing: dict[str, Any] | None,
) -> dict[str, Any]:
    compiled = mesh.version(service, version)
    route = {
        "name": "ingress",
        "match": {"prefix": "/"},
        # No retries here: the caller's router retries, as App Mesh does.
        "route": {"cluster": local, **timeouts(compiled.listener_timeout)},
    }
    vhost = virtual_host(compiled.node, ["*"], [route])
    plain = listener(
        name,
        at,
        connection_manager("ingress", route_config(name, [vhost]), access_log_path, name, tracing=tracing),
    )
    return protect(plain, mesh.tls.services[service], plan.certificates, mesh.services[service].protocol)


def _egress(
    mesh: CompiledMesh,
    plan: MeshPlan,
    service: str,
    at: Endpoint,
    access_log_path: str,
    ca_file: str | None,
    tracing: dict[str, Any] | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    name = naming.SIDECAR_EGRESS_LISTENER
    vhosts: list[dict[str, Any]] = []
    clusters: list[dict[str, Any]] = []
    for callee in mesh.services[service].callees:
        if callee.external:
            backend: Backend = external_service(mesh, plan, callee.name, ca_file)
        else:
            for port in mesh.services[callee.name].ports:
                backend = mesh_service(mesh, plan, callee.name, mesh.tls.identity(service), port)
                vhosts.append(_callee_host(callee.dns_name, port, callee.port, backend.routes))
                clusters += backend.clusters
            continue
        host = callee.dns_name
        vhosts.append(virtual_host(host, [host, f"{host}:{callee.port}"], backend.routes))
        clusters += backend.clusters
    filters: list[dict[str, Any]] = []
    if mesh.egress_filter == "ALLOW_ALL":
        vhosts.append(virtual_host("allow_all", ["*"], [_forward_anywhere()]))
        filters.append(_dynamic_forward_proxy_filter())
        clusters.append(dynamic_forward_proxy_cluster())
    else:
        vhosts.append(virtual_host("drop_all", ["*"], [_refuse(service)]))
    manager = connection_manager(
        "egress", route_config(name, vhosts), access_log_path, name, http_filters=filters, tracing=tracing
    )
    return listener(name, at, manager), clusters


def _callee_host(host: str, port: int, main_port: int, routes: list[dict[str, Any]]) -> dict[str, Any]:
    """A mesh callee's virtual host for one of its ports: a Host without a port means its `port`."""
    if port == main_port:
        return virtual_host(host, [host, f"{host}:{port}"], routes)
    return virtual_host(f"{host}:{port}", [f"{host}:{port}"], routes)


def _refuse(service: str) -> dict[str, Any]:
    # body_format (not body) so that the refused host can be named in the reply.
    text = (
        f"egress refused: %REQ(:AUTHORITY)% is not a backend of {service} "
        "(the mesh's egress filter is DROP_ALL; add it to the service's backends)\n"
    )
    return {
        "name": "drop_all",
        "match": {"prefix": "/"},
        "direct_response": {"status": 404, "body_format": {"text_format_source": {"inline_string": text}}},
    }


def _forward_anywhere() -> dict[str, Any]:
    return {
        "name": "allow_all",
        "match": {"prefix": "/"},
        "route": {"cluster": ALLOW_ALL_CLUSTER, **timeouts(DEFAULT_TIMEOUT)},
    }


def _dynamic_forward_proxy_filter() -> dict[str, Any]:
    return {
        "name": "envoy.filters.http.dynamic_forward_proxy",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig",
            "dns_cache_config": ALLOW_ALL_DNS_CACHE,
        },
    }
