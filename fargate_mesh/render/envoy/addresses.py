"""Plan endpoints as Envoy addresses. Only the plan decides where things are: an IP is used as is, a
name (a Cloud Map or task-local name on Fargate) is resolved by Envoy."""

from __future__ import annotations

import ipaddress
from typing import Any

from fargate_mesh.render.envoy.plan import Endpoint


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def socket_address(endpoint: Endpoint) -> dict[str, Any]:
    return {"socket_address": {"address": endpoint.host, "port_value": endpoint.port}}


def internal_address(listener: str) -> dict[str, Any]:
    """An internal listener of the same Envoy, by name (no socket, no port)."""
    return {"envoy_internal_address": {"server_listener_name": listener}}


def load_assignment(cluster: str, addresses: list[dict[str, Any]]) -> dict[str, Any]:
    """One locality with one endpoint per address (socket_address or internal_address)."""
    return {
        "cluster_name": cluster,
        "endpoints": [{"lb_endpoints": [{"endpoint": {"address": a}} for a in addresses]}],
    }
