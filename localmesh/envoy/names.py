"""Names as App Mesh's Envoy shows them, so stats, logs and admin dumps read the same locally and on AWS.

App Mesh names its listeners after the bind address (`lds_ingress_0.0.0.0_15000`) and its clusters after
the virtual node and its listener port (`cds_egress_<mesh>_<node>_<protocol>_<port>`). The port in a
cluster name is the spec's port (the node's listener), never a local port from the plan: a name must
not change between runs or between machines.
"""

from __future__ import annotations

from localmesh.plan import Endpoint
from meshspec import Mesh


def virtual_node_id(mesh: Mesh, service: str, version: str) -> str:
    return f"mesh/{mesh.name}/virtualNode/{mesh.virtual_node_name(service, version)}"


def virtual_gateway_id(mesh: Mesh) -> str:
    return f"mesh/{mesh.name}/virtualGateway/{mesh.gateway_name}"


def listener_name(direction: str, endpoint: Endpoint) -> str:
    return f"lds_{direction}_{endpoint.host}_{endpoint.port}"


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
    """The gateway's internal listener that runs one virtual service's router (routing stage 2)."""
    return f"lds_virtual_service_{mesh.virtual_service_name(service)}"


def virtual_service_cluster(mesh: Mesh, service: str) -> str:
    """The gateway's cluster whose only endpoint is that internal listener."""
    return f"cds_virtual_service_{mesh.name}_{mesh.virtual_service_name(service)}"
