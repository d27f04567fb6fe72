"""HTTP listeners: one connection manager shape for every listener, with a JSON access log.

Every listener normalises the path and merges slashes before routing (App Mesh does the same), so
`/v1//products/../products` cannot slip past a prefix match.
"""

from __future__ import annotations

from typing import Any

from fargate_mesh.render.envoy.addresses import socket_address
from fargate_mesh.render.envoy.plan import Endpoint

ROUTER_FILTER = {
    "name": "envoy.filters.http.router",
    "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"},
}


def access_log(path: str, listener: str) -> dict[str, Any]:
    """One JSON line per request; the listener name tells the hops of one request apart."""
    return {
        "name": "envoy.access_loggers.file",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
            "path": path,
            "log_format": {
                "json_format": {
                    "time": "%START_TIME%",
                    "listener": listener,
                    "method": "%REQ(:METHOD)%",
                    "authority": "%REQ(:AUTHORITY)%",
                    "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
                    "upstream_path": "%REQ(:PATH)%",
                    "status": "%RESPONSE_CODE%",
                    "duration_ms": "%DURATION%",
                    "route": "%ROUTE_NAME%",
                    "upstream_cluster": "%UPSTREAM_CLUSTER%",
                    "upstream_host": "%UPSTREAM_HOST%",
                    "attempts": "%UPSTREAM_REQUEST_ATTEMPT_COUNT%",
                    "response_flags": "%RESPONSE_FLAGS%",
                    "details": "%RESPONSE_CODE_DETAILS%",
                    "request_id": "%REQ(X-REQUEST-ID)%",
                }
            },
        },
    }


def connection_manager(
    stat_prefix: str,
    route_config: dict[str, Any],
    access_log_path: str,
    listener: str,
    *,
    edge: bool = False,
    http_filters: list[dict[str, Any]] | None = None,
    tracing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An HTTP connection manager.

    tracing: a `tracing` block (tracing.py) when this proxy reports requests to X-Ray.

    edge: the gateway's public listener. It takes the peer address as the client (and appends it
    to X-Forwarded-For) and does not trust a caller's x-request-id. Inside the mesh the opposite
    holds: hops keep the request id so one request can be followed through every access log.
    """
    manager: dict[str, Any] = {
        "name": "envoy.filters.network.http_connection_manager",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
            "stat_prefix": stat_prefix,
            "codec_type": "AUTO",
            "normalize_path": True,
            "merge_slashes": True,
            "use_remote_address": edge,
            "preserve_external_request_id": not edge,
            "route_config": route_config,
            "http_filters": [*(http_filters or []), ROUTER_FILTER],
            "access_log": [access_log(access_log_path, listener)],
        },
    }
    if tracing is not None:
        manager["typed_config"]["tracing"] = tracing
    return manager


def listener(name: str, endpoint: Endpoint, manager: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "address": socket_address(endpoint), "filter_chains": [{"filters": [manager]}]}


def internal_listener(name: str, manager: dict[str, Any]) -> dict[str, Any]:
    """A listener other parts of the same Envoy reach by name (bootstrap internal_listener extension)."""
    return {"name": name, "internal_listener": {}, "filter_chains": [{"filters": [manager]}]}


def route_config(name: str, virtual_hosts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "virtual_hosts": virtual_hosts}


def virtual_host(name: str, domains: list[str], routes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "domains": domains, "routes": routes}
