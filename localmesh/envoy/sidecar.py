"""A version's sidecar Envoy: ingress in front of its app, egress for the app's calls.

Ingress (`lds_ingress_<host>_<port>`, on the plan's sidecar.ingress): every request goes to the local
app (`cds_ingress_...` at sidecar.app) with the service's listener timeouts. A route timeout above
the listener's is cut by this listener, as in App Mesh, where a long timeout must be set on the route
and on every node listener it crosses.

Egress (`lds_egress_<host>_<port>`, on sidecar.egress): the app's HTTP proxy. An app with
HTTP_PROXY set sends absolute-form requests (`GET http://prices.shop.local:8080/v1/prices/p-001`),
which Envoy's HTTP/1 codec takes as `:authority` + `:path`; an app that sends plain requests to this
address with a `Host` header works the same. There is one virtual host per *declared* backend:
- a mesh service: domains `<vs name>` and `<vs name>:<port>`, its router routes (weights, header
  matches, retries, timeouts) to `cds_egress_...` clusters at each target version's sidecar ingress;
- an external backend: domains `<host>` and `<host>:<port>`, one route with App Mesh's default
  retries and timeouts to a DNS cluster at the plan's address, which originates TLS when the
  backend uses TLS (the app speaks plain HTTP to its sidecar, as with App Mesh TLS origination).
Anything else meets the mesh's egress filter: with DROP_ALL (the default) a 404 whose body names
the refused host; with ALLOW_ALL Envoy's dynamic forward proxy sends it to wherever the Host says.
Plain HTTP only: HTTPS through the proxy (CONNECT) is refused, not tunnelled.
"""

from __future__ import annotations

from typing import Any

from localmesh.envoy import names
from localmesh.envoy.backends import Backend, external_service, mesh_service, sidecar_of
from localmesh.envoy.bootstrap import bootstrap
from localmesh.envoy.clusters import DEFAULT_CA_FILE, app_cluster, circuit_breakers
from localmesh.envoy.http import connection_manager, listener, route_config, virtual_host
from localmesh.envoy.routes import timeouts
from localmesh.plan import Endpoint, MeshPlan
from meshspec import Mesh, Timeouts

ALLOW_ALL_CLUSTER = "cds_egress_allow_all"
_DNS_CACHE = {"name": "egress_allow_all", "dns_lookup_family": "V4_PREFERRED"}


def render_sidecar(
    mesh: Mesh,
    plan: MeshPlan,
    service: str,
    version: str,
    access_log_path: str = "/dev/stdout",
    ca_file: str = DEFAULT_CA_FILE,
) -> dict[str, Any]:
    """The bootstrap of one version's sidecar Envoy. ca_file: the trust store for external TLS."""
    if service not in mesh.services:
        raise ValueError(f"unknown service {service!r}; services are: {', '.join(mesh.services)}")
    if version not in mesh.services[service].versions:
        known = ", ".join(mesh.services[service].versions)
        raise ValueError(f"service {service!r} has no version {version!r}; versions are: {known}")
    sidecar = sidecar_of(plan, service, version)
    local = names.ingress_cluster(mesh, service, version)
    ingress = _ingress(mesh, service, version, sidecar.ingress, local, access_log_path)
    egress, egress_clusters = _egress(mesh, plan, service, sidecar.egress, access_log_path, ca_file)
    clusters = [app_cluster(local, mesh.services[service], sidecar.app), *egress_clusters]
    node = names.virtual_node_id(mesh, service, version)
    return bootstrap(node, sidecar.admin, [ingress, egress], clusters)


def _ingress(
    mesh: Mesh, service: str, version: str, at: Endpoint, local: str, access_log_path: str
) -> dict[str, Any]:
    name = names.listener_name("ingress", at)
    route = {
        "name": "ingress",
        "match": {"prefix": "/"},
        # No retries here: the caller's router retries, as App Mesh does.
        "route": {"cluster": local, **timeouts(mesh.services[service].timeout)},
    }
    vhost = virtual_host(mesh.virtual_node_name(service, version), ["*"], [route])
    return listener(
        name, at, connection_manager("ingress", route_config(name, [vhost]), access_log_path, name)
    )


def _egress(
    mesh: Mesh, plan: MeshPlan, service: str, at: Endpoint, access_log_path: str, ca_file: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    name = names.listener_name("egress", at)
    vhosts: list[dict[str, Any]] = []
    clusters: list[dict[str, Any]] = []
    for backend_name in mesh.services[service].backends:
        if backend_name in mesh.external:
            backend: Backend = external_service(mesh, plan, backend_name, ca_file)
            port = mesh.external[backend_name].port
        else:
            backend = mesh_service(mesh, plan, backend_name)
            port = mesh.services[backend_name].port
        host = mesh.virtual_service_name(backend_name)
        vhosts.append(virtual_host(host, [host, f"{host}:{port}"], backend.routes))
        clusters += backend.clusters
    filters: list[dict[str, Any]] = []
    if mesh.egress_filter == "ALLOW_ALL":
        vhosts.append(virtual_host("allow_all", ["*"], [_forward_anywhere()]))
        filters.append(_dynamic_forward_proxy_filter())
        clusters.append(_dynamic_forward_proxy_cluster())
    else:
        vhosts.append(virtual_host("drop_all", ["*"], [_refuse(service)]))
    manager = connection_manager(
        "egress", route_config(name, vhosts), access_log_path, name, http_filters=filters
    )
    return listener(name, at, manager), clusters


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
        "route": {"cluster": ALLOW_ALL_CLUSTER, **timeouts(Timeouts())},
    }


def _dynamic_forward_proxy_filter() -> dict[str, Any]:
    return {
        "name": "envoy.filters.http.dynamic_forward_proxy",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig",
            "dns_cache_config": _DNS_CACHE,
        },
    }


def _dynamic_forward_proxy_cluster() -> dict[str, Any]:
    return {
        "name": ALLOW_ALL_CLUSTER,
        "connect_timeout": "5s",
        "lb_policy": "CLUSTER_PROVIDED",
        "circuit_breakers": circuit_breakers(),
        "cluster_type": {
            "name": "envoy.clusters.dynamic_forward_proxy",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig",
                "dns_cache_config": _DNS_CACHE,
            },
        },
    }
