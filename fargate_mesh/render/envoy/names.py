"""Names as App Mesh's Envoy shows them, so stats, logs and admin dumps read the same locally and on AWS.

App Mesh names a sidecar's listeners after the address its Envoy binds in a task
(`lds_ingress_0.0.0.0_15000`, `lds_egress_0.0.0.0_15001`: the APPMESH proxy configuration's ports) and
its clusters after the virtual node and its listener port (`cds_egress_<mesh>_<node>_<protocol>_<port>`).
Names here are those names, not the plan's addresses: a local sidecar's ingress listener is called
`lds_ingress_0.0.0.0_15000` whatever loopback port it got, and the gateway's public listener
`lds_ingress_0.0.0.0_<spec gateway port>` *[inferred: same pattern]* even when `--port` moves it. So no
name changes between runs or machines, and the access log's `listener` field still tells a sidecar's
ingress from its egress, and a two-stage gateway route's stages apart.
"""

from __future__ import annotations

from fargate_mesh.spec import Mesh

# The ports of App Mesh's proxy configuration (ProxyIngressPort, ProxyEgressPort), APPMESH.md §2.
APP_MESH_INGRESS_PORT = 15000
APP_MESH_EGRESS_PORT = 15001
SIDECAR_INGRESS_LISTENER = f"lds_ingress_0.0.0.0_{APP_MESH_INGRESS_PORT}"
SIDECAR_EGRESS_LISTENER = f"lds_egress_0.0.0.0_{APP_MESH_EGRESS_PORT}"


def virtual_node_id(mesh: Mesh, service: str, version: str) -> str:
    return f"mesh/{mesh.name}/virtualNode/{mesh.virtual_node_name(service, version)}"


def virtual_gateway_id(mesh: Mesh) -> str:
    return f"mesh/{mesh.name}/virtualGateway/{mesh.gateway_name}"


def gateway_listener(mesh: Mesh) -> str:
    """The gateway's public listener, after the spec's gateway port (the virtual gateway listener)."""
    return f"lds_ingress_0.0.0.0_{mesh.gateway.port}"


def ingress_cluster(mesh: Mesh, service: str, version: str) -> str:
    """The sidecar's cluster for its own app."""
    svc = mesh.services[service]
    return f"cds_ingress_{mesh.name}_{mesh.virtual_node_name(service, version)}_{svc.protocol}_{svc.port}"


def egress_cluster(mesh: Mesh, service: str, version: str) -> str:
    """A caller's (sidecar's or gateway's) cluster for one version of a mesh service."""
    svc = mesh.services[service]
    return f"cds_egress_{mesh.name}_{mesh.virtual_node_name(service, version)}_{svc.protocol}_{svc.port}"


def external_cluster(mesh: Mesh, name: str) -> str:
    """App Mesh models an external backend as a DNS-discovered virtual node `external-<name>`."""
    ext = mesh.external[name]
    return f"cds_egress_{mesh.name}_{mesh.virtual_node_name(name)}_http_{ext.port}"


def virtual_service_listener(mesh: Mesh, service: str) -> str:
    """The gateway's internal listener that runs one virtual service's router (routing stage 2, for gateway routes that cannot be flattened)."""
    return f"lds_virtual_service_{mesh.virtual_service_name(service)}"


def virtual_service_cluster(mesh: Mesh, service: str) -> str:
    """The gateway's cluster whose only endpoint is that internal listener."""
    return f"cds_virtual_service_{mesh.name}_{mesh.virtual_service_name(service)}"
