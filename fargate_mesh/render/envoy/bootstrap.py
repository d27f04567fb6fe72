"""The bootstrap around a proxy's listeners and clusters: node identity, admin, overload limits."""

from __future__ import annotations

from typing import Any

from fargate_mesh.render.envoy.addresses import socket_address
from fargate_mesh.render.envoy.plan import Endpoint

# Envoy warns at start-up unless downstream connections are capped; this cap is far above what one
# proxy needs and only exists so the limit is deliberate.
MAX_DOWNSTREAM_CONNECTIONS = 50_000

INTERNAL_LISTENER_EXTENSION = {
    "name": "envoy.bootstrap.internal_listener",
    "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.bootstrap.internal_listener.v3.InternalListener"
    },
}


def bootstrap(
    node_id: str,
    admin: Endpoint,
    listeners: list[dict[str, Any]],
    clusters: list[dict[str, Any]],
    *,
    internal_listeners: bool = False,
) -> dict[str, Any]:
    config: dict[str, Any] = {
        # App Mesh identifies a proxy by its resource; cluster too, so stats are grouped the same way.
        "node": {"id": node_id, "cluster": node_id},
        "admin": {"address": socket_address(admin)},
        "static_resources": {"listeners": listeners, "clusters": clusters},
        "overload_manager": {
            "resource_monitors": [
                {
                    "name": "envoy.resource_monitors.global_downstream_max_connections",
                    "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig",
                        "max_active_downstream_connections": MAX_DOWNSTREAM_CONNECTIONS,
                    },
                }
            ]
        },
    }
    if internal_listeners:
        config["bootstrap_extensions"] = [INTERNAL_LISTENER_EXTENSION]
    return config
