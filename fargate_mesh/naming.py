"""Every name the mesh derives, spelled once: AWS resource names, DNS names, Envoy names, env vars.

Names are identities on AWS (a virtual node, an ECS service, a Cloud Map service, a log group), so
changing a spelling here renames or replaces live resources. The spec checks that derived names do
not collide (spec/references.py), the model hands them to renderers (model/compile.py), and nothing
else spells them.

Envoy names follow what App Mesh's Envoy shows (`lds_ingress_0.0.0.0_15000`, `cds_egress_<mesh>_<node>_
<protocol>_<port>`), so stats, logs and admin dumps read the same locally and on AWS. They are names,
not addresses: a local sidecar's ingress listener is `lds_ingress_0.0.0.0_15000` whatever loopback port
it got, and the gateway's public listener is named after the spec's gateway port even when localmesh
moves it.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from fargate_mesh.facts import (
    DNS_LABEL_MAX,
    ENVOY_EGRESS_PORT,
    ENVOY_INGRESS_PORT,
    IAM_ROLE_NAME_MAX,
    LOAD_BALANCER_NAME_MAX,
    PULUMI_AUTONAME_SUFFIX,
)

if TYPE_CHECKING:
    from fargate_mesh.spec.matches import HttpMatch

# -- Fitting AWS's limits ------------------------------------------------------------------------------

_HASH = 6  # hex digits of the suffix that keeps a shortened name unique


def fit(name: str, limit: int) -> str:
    """`name` when it fits in `limit` characters (so every name that fits today stays as it is);
    else its head and a stable hash of the whole name: `<head>-<6 hex>`, exactly `limit` long or less.
    Two long names that share a head still differ, and the same name always shortens the same way."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:_HASH]
    return f"{name[: limit - _HASH - 1].rstrip('-')}-{digest}"


# The load balancer and its target group are named by Pulumi from "<edge>-alb" and "<edge>-gateway".
_EDGE_MAX = LOAD_BALANCER_NAME_MAX - PULUMI_AUTONAME_SUFFIX - len("-alb")


def edge_name(mesh: str) -> str:
    """The public endpoint's logical name, which the load balancer's and target group's names start with:
    the mesh name, shortened past 20 characters."""
    return fit(mesh, _EDGE_MAX)


def role_logical_name(base: str) -> str:
    """An IAM role's logical name (Pulumi names the role after it): short enough for IAM's 64."""
    return fit(base, IAM_ROLE_NAME_MAX - PULUMI_AUTONAME_SUFFIX)


# -- App Mesh and DNS -------------------------------------------------------------------------------


def virtual_service_name(service: str, namespace: str) -> str:
    """A mesh service's DNS name, which is also its App Mesh virtual service: products.shop.local."""
    return f"{service}.{namespace}"


def virtual_node_name(service: str, version: str) -> str:
    """One version's virtual node; also its ECS service and the tail of its task family."""
    return f"{service}-{version}"


def external_node_name(name: str) -> str:
    """The DNS-discovered virtual node that stands for an external backend."""
    return f"external-{name}"


def virtual_router_name(service: str) -> str:
    return f"{service}-router"


# The router route a service without written routes gets: one catch-all over its versions' weights.
DEFAULT_ROUTE_NAME = "default"


def gateway_name(mesh: str) -> str:
    """The virtual gateway; also the gateway's ECS service and task family."""
    return f"{mesh}-gateway"


# The gateway's key where the spec names TLS identities (tls.authority.secrets.identities).
GATEWAY_IDENTITY = "gateway"


def gateway_dns_name(mesh: str, namespace: str) -> str:
    """The gateway's TLS identity, the name its certificate carries: shop-dev-gateway.shop.local."""
    return f"{gateway_name(mesh)}.{namespace}"


def gateway_route_name(service: str, match: HttpMatch) -> str:
    """A gateway route without a given name: from its service and match, never from list order, so
    reordering the spec renames nothing."""
    if match.service_name is not None:  # a gRPC route: its service (and method)
        basis = f"{match.service_name}-{match.method_name or ''}"
    elif match.path is not None:
        basis = match.path.exact or "regex"
    else:
        basis = match.effective_prefix or "/"
    slug = re.sub(r"[^a-z0-9]+", "-", basis.lower()).strip("-") or "root"
    return f"{service}-{slug}"[:255]


# -- ECS, Cloud Map, CloudWatch, ECR ------------------------------------------------------------------


def ecs_service_name(service: str, version: str) -> str:
    return virtual_node_name(service, version)


def task_family(mesh: str, service: str, version: str) -> str:
    """Versions need distinct families: App Mesh's Cloud Map discovery filters on the family."""
    return f"{mesh}-{virtual_node_name(service, version)}"


def log_group(mesh: str, owner: str) -> str:
    """A service's (or the gateway's, by its name) log group: /ecs/shop/products."""
    return f"/ecs/{mesh}/{owner}"


def cloud_map_service(service: str) -> str:
    """App Mesh: one Cloud Map service per mesh service; each version's node filters on its family."""
    return service


def version_dns_name(service: str, version: str, namespace: str) -> str:
    """Plain DNS cannot filter on task attributes, so a self-managed Envoy dials each version by its
    own Cloud Map service: products-v1.shop.local. The label is shortened past 63 characters."""
    return f"{fit(virtual_node_name(service, version), DNS_LABEL_MAX)}.{namespace}"


def cluster_name(mesh: str) -> str:
    """The ECS cluster every workload of the mesh runs in."""
    return mesh


def ecr_repository(mesh: str, app: str) -> str:
    return f"{mesh}/{app}"


# -- ECS Service Connect: one ECS service per mesh service ----------------------------------------------


def connect_ecs_service(service: str) -> str:
    """Service Connect runs one ECS service per mesh service, named as the service."""
    return service


def connect_task_family(mesh: str, service: str) -> str:
    return f"{mesh}-{service}"


def connect_port_name(service: str) -> str:
    """The task definition's named port mapping that Service Connect publishes."""
    return f"{service}-port"


def connect_alarm(mesh: str, service: str, signal: str) -> str:
    """A deployment alarm of one service: shop-sc-products-5xx."""
    return f"{mesh}-{service}-{signal}"


# -- The app's environment ----------------------------------------------------------------------------


def base_url_variable(callee: str) -> str:
    """prices → PRICES_BASE_URL: where the app finds a backend it calls."""
    return f"{callee.upper().replace('-', '_')}_BASE_URL"


# -- Envoy --------------------------------------------------------------------------------------------

SIDECAR_INGRESS_LISTENER = f"lds_ingress_0.0.0.0_{ENVOY_INGRESS_PORT}"
SIDECAR_EGRESS_LISTENER = f"lds_egress_0.0.0.0_{ENVOY_EGRESS_PORT}"


def gateway_listener(port: int) -> str:
    """The gateway's public listener, after the spec's gateway port (the virtual gateway listener)."""
    return f"lds_ingress_0.0.0.0_{port}"


def virtual_node_id(mesh: str, node: str) -> str:
    """The Envoy node id App Mesh gives a sidecar."""
    return f"mesh/{mesh}/virtualNode/{node}"


def virtual_gateway_id(mesh: str, gateway: str) -> str:
    return f"mesh/{mesh}/virtualGateway/{gateway}"


def xray_segment(mesh: str, proxy: str) -> str:
    """The X-Ray segment (service map node) a proxy reports as: `<mesh>/<node or gateway>`, the
    form App Mesh's Envoy uses by default."""
    return f"{mesh}/{proxy}"


def ingress_cluster(mesh: str, node: str, protocol: str, port: int) -> str:
    """A sidecar's cluster for its own app."""
    return f"cds_ingress_{mesh}_{node}_{protocol}_{port}"


def egress_cluster(mesh: str, node: str, protocol: str, port: int) -> str:
    """A caller's (sidecar's or gateway's) cluster for one node: a version, or an external backend."""
    return f"cds_egress_{mesh}_{node}_{protocol}_{port}"


def sidecar_ingress_listener(ingress_port: int) -> str:
    """A sidecar's ingress listener, after its port in a task (15000 for the app's `port`)."""
    return f"lds_ingress_0.0.0.0_{ingress_port}"


def sidecar_ingress_port_mapping(ingress_port: int) -> str:
    """The Envoy container's named port mapping of one of its ingress listeners in a task."""
    return f"envoy-ingress-{ingress_port}"


def virtual_service_listener(virtual_service: str, port: int | None = None) -> str:
    """The gateway's internal listener that runs one virtual service's router (second routing stage);
    port: the listener port of the service it serves, given only when it is not the service's `port`."""
    return f"lds_virtual_service_{virtual_service}" + ("" if port is None else f"_{port}")


def virtual_service_cluster(mesh: str, virtual_service: str, port: int | None = None) -> str:
    """The gateway's cluster whose only endpoint is that internal listener (port: as above)."""
    return f"cds_virtual_service_{mesh}_{virtual_service}" + ("" if port is None else f"_{port}")
