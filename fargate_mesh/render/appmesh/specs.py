"""The compiled mesh in App Mesh's shape: pure functions to the `spec` dicts of pulumi_aws.appmesh
resources (snake_case keys; Pulumi sends them in camelCase).

Nothing here creates resources, so every App Mesh rule of the product is testable without Pulumi,
and App Mesh's defaults are written out (timeouts, health check ranges) rather than implied. The
`*_of` functions take compiled objects (fargate_mesh.model): names, route order, effective policies
and callees are already worked out there, so this module only translates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from fargate_mesh.model import (
    Callee,
    CompiledExternal,
    CompiledGateway,
    CompiledGatewayRoute,
    CompiledRoute,
    CompiledService,
    CompiledVersion,
    Retry,
    Timeout,
)
from fargate_mesh.spec import (
    ConnectionPool,
    HeaderMatch,
    HealthCheck,
    HttpMatch,
    OutlierDetection,
    QueryParameterMatch,
)

ACCESS_LOG_PATH = "/dev/stdout"
# The system CA bundle in the App Mesh Envoy image: public endpoints are validated against it.
DEFAULT_TRUST_BUNDLE = "/etc/ssl/certs/ca-bundle.crt"

Spec = dict[str, Any]


def duration(ms: int) -> Spec:
    """App Mesh's {unit, value}: seconds when exact, so the console shows '15 s' not '15000 ms'."""
    if ms % 1000 == 0:
        return {"unit": "s", "value": ms // 1000}
    return {"unit": "ms", "value": ms}


def access_log(path: str = ACCESS_LOG_PATH) -> Spec:
    return {"access_log": {"file": {"path": path}}}


def _header(header: HeaderMatch) -> Spec:
    if header.present is not None:
        # No `match`: the header is present; inverted, it is absent.
        return {"name": header.name, "invert": not header.present}
    if header.range is not None:
        rule: Spec = {"range": {"start": header.range.start, "end": header.range.end}}
    else:
        rule = {header.rule: getattr(header, header.rule)}
    return {"name": header.name, "invert": header.invert, "match": rule}


def _query_parameter(query: QueryParameterMatch) -> Spec:
    # No `match`: the parameter is present, with any value.
    return {"name": query.name} if query.present else {"name": query.name, "match": {"exact": query.exact}}


def grpc_match(match: HttpMatch) -> Spec:
    """Service, method and metadata (App Mesh gRPC route match); {} matches every call."""
    spec: Spec = {}
    if match.service_name is not None:
        spec["service_name"] = match.service_name
    if match.method_name is not None:
        spec["method_name"] = match.method_name
    if match.metadata:
        spec["metadatas"] = [_header(m) for m in match.metadata]
    return spec


def http_match(match: HttpMatch) -> Spec:
    """Prefix or path, headers, query parameters, method, scheme (App Mesh route match)."""
    spec: Spec = {}
    if match.path is not None:
        spec["path"] = {"exact": match.path.exact} if match.path.exact else {"regex": match.path.regex}
    else:
        spec["prefix"] = match.effective_prefix
    if match.headers:
        spec["headers"] = [_header(h) for h in match.headers]
    if match.query_parameters:
        spec["query_parameters"] = [_query_parameter(q) for q in match.query_parameters]
    if match.method:
        spec["method"] = match.method
    if match.scheme:
        spec["scheme"] = match.scheme
    return spec


def timeout(t: Timeout) -> Spec:
    return {"per_request": duration(t.per_request_ms), "idle": duration(t.idle_ms)}


def retry_policy(retry: Retry) -> Spec:
    """A retry policy the spec gave (App Mesh's default is App Mesh's to apply, never written)."""
    if retry.per_try_timeout_ms is None:
        raise ValueError("App Mesh needs a per-retry timeout; its own default policy is not written out")
    spec: Spec = {"max_retries": retry.max_retries, "per_retry_timeout": duration(retry.per_try_timeout_ms)}
    if retry.http_events:
        spec["http_retry_events"] = list(retry.http_events)
    if retry.tcp_events:
        spec["tcp_retry_events"] = list(retry.tcp_events)
    if retry.grpc_events:
        spec["grpc_retry_events"] = list(retry.grpc_events)
    return spec


def health_check(check: HealthCheck, protocol: str, port: int) -> Spec:
    # A grpc check is the gRPC health checking protocol: App Mesh takes no path for it.
    path = {} if protocol == "grpc" else {"path": check.path}
    return {
        "protocol": protocol,
        **path,
        "port": port,
        "healthy_threshold": check.healthy_threshold,
        "unhealthy_threshold": check.unhealthy_threshold,
        "interval_millis": check.interval,
        "timeout_millis": check.timeout,
    }


def outlier_detection(policy: OutlierDetection) -> Spec:
    return {
        "max_server_errors": policy.max_server_errors,
        "max_ejection_percent": policy.max_ejection_percent,
        "interval": duration(policy.interval),
        "base_ejection_duration": duration(policy.base_ejection_duration),
    }


def connection_pool(pool: ConnectionPool, protocol: str) -> Spec:
    """The listener's connection pool, keyed by its protocol (the spec checks which limits apply)."""
    if protocol == "http":
        limits: Spec = {"max_connections": pool.max_connections}
        if pool.max_pending_requests is not None:
            limits["max_pending_requests"] = pool.max_pending_requests
    else:
        limits = {"max_requests": pool.max_requests}
    # pulumi-aws writes the http and http2 blocks as one-item lists (`https`, `http2s`), grpc as one object.
    if protocol == "grpc":
        return {"grpc": limits}
    return {f"{protocol}s": [limits]}


def backend_of(callee: Callee, trust_bundle: str = DEFAULT_TRUST_BUNDLE) -> Spec:
    """A callee as a node's backend: its virtual service by name (a string, so mutual callees make no
    cycle), with TLS originated by the caller's Envoy where the callee needs it."""
    virtual_service: Spec = {"virtual_service_name": callee.dns_name}
    if callee.tls:
        # App Mesh trusts ACM only for ACM Private CA certificates; a public endpoint is
        # validated with the system CA bundle shipped in the Envoy image (file trust).
        virtual_service["client_policy"] = {
            "tls": {
                "enforce": True,
                "ports": [callee.port],
                "validation": {"trust": {"file": {"certificate_chain": trust_bundle}}},
            }
        }
    return {"virtual_service": virtual_service}


def virtual_node_spec_of(
    namespace: str,
    service: CompiledService,
    version: CompiledVersion,
    trust_bundle: str = DEFAULT_TRUST_BUNDLE,
) -> Spec:
    """One version's node: a listener per port (health check, timeouts, outlier detection, connection
    pool), backends, Cloud Map discovery in `namespace` filtered on this version's task family, access
    log."""
    protocol = service.protocol

    def listener(port: int) -> Spec:
        # App Mesh checks each listener on its own port: the app answers its health check on each.
        spec: Spec = {
            "port_mapping": {"port": port, "protocol": protocol},
            "health_check": health_check(service.health_check, protocol, port),
            "timeout": {protocol: timeout(version.listener_timeout)},
        }
        if service.outlier_detection is not None:
            spec["outlier_detection"] = outlier_detection(service.outlier_detection)
        if service.connection_pool is not None:
            spec["connection_pool"] = connection_pool(service.connection_pool, protocol)
        return spec

    spec: Spec = {
        "listeners": [listener(port) for port in service.ports],
        "service_discovery": {
            "aws_cloud_map": {
                "namespace_name": namespace,
                "service_name": service.cloud_map_service,
                # ECS registers this attribute: versions share one Cloud Map service, each node
                # sees only its own tasks.
                "attributes": {"ECS_TASK_DEFINITION_FAMILY": version.task_family},
            }
        },
        "logging": access_log(),
    }
    if service.callees:
        spec["backends"] = [backend_of(c, trust_bundle) for c in service.callees]
    return spec


def virtual_router_spec(service: CompiledService) -> Spec:
    return {"listeners": [{"port_mapping": {"port": p, "protocol": service.protocol}} for p in service.ports]}


def route_spec_of(
    route: CompiledRoute, service: CompiledService, node_names: Mapping[str, pulumi.Input[str]] | None = None
) -> Spec:
    """A router route: match, weighted targets over version nodes, retry policy, timeout.

    Targets are written as the spec gives them, zero weights included (App Mesh sends those no
    traffic). node_names: the nodes' names by version, e.g. the VirtualNode resources' outputs so the
    route waits for them (default: the compiled names).
    """
    names = node_names or {t.version: t.node for t in route.written_targets}
    # On a service with several ports, each route serves and sends to its own.
    on_port = {} if route.port is None else {"port": route.port}
    match = grpc_match(route.match) if service.protocol == "grpc" else http_match(route.match)
    body: Spec = {
        "match": {**match, **on_port},
        "action": {
            "weighted_targets": [
                {"virtual_node": names[t.version], "weight": t.weight, **on_port}
                for t in route.written_targets
            ]
        },
        "timeout": timeout(route.policy.timeout),
    }
    # Without a retry policy in the spec App Mesh applies its own default (model.APP_MESH_DEFAULT_RETRY).
    if route.policy.retry_given:
        body["retry_policy"] = retry_policy(route.policy.retry)
    spec: Spec = {f"{service.protocol}_route": body}
    if route.priority is not None:
        spec["priority"] = route.priority
    return spec


def router_virtual_service_spec(router_name: pulumi.Input[str]) -> Spec:
    return {"provider": {"virtual_router": {"virtual_router_name": router_name}}}


def node_virtual_service_spec(node_name: pulumi.Input[str]) -> Spec:
    return {"provider": {"virtual_node": {"virtual_node_name": node_name}}}


def external_node_spec_of(external: CompiledExternal) -> Spec:
    """A node standing for a host outside the mesh: DNS discovery of that host. No task runs it."""
    return {
        "listeners": [{"port_mapping": {"port": external.port, "protocol": "http"}}],
        "service_discovery": {"dns": {"hostname": external.host}},
    }


def virtual_gateway_spec_of(gateway: CompiledGateway) -> Spec:
    port = gateway.port
    return {
        "listeners": [
            {
                "port_mapping": {"port": port, "protocol": "http"},
                "health_check": {
                    "protocol": "http",
                    "path": gateway.health_check_path,
                    "port": port,
                    "healthy_threshold": 2,
                    "unhealthy_threshold": 2,
                    "interval_millis": 5_000,
                    "timeout_millis": 2_000,
                },
            }
        ],
        "logging": access_log(),
    }


def gateway_route_spec_of(route: CompiledGatewayRoute) -> Spec:
    """A gateway route into one service's virtual service.

    Rewrite: App Mesh strips the matched prefix by default; this product keeps the path
    (DISABLED) unless the spec asks for stripPrefix (ENABLED) or a new prefix (value). App Mesh
    rejects a prefix rewrite on a path match, so a path match carries only a non-default host rewrite,
    or a rewrite of the whole path (`path.exact`). Gateway routes into grpc services are refused on
    App Mesh (model/capabilities.py).
    """
    match = http_match(route.match)
    if route.match.hostname is not None:
        host = route.match.hostname
        match["hostname"] = {"exact": host.exact} if host.exact else {"suffix": host.suffix}
    hostname = {"default_target_hostname": "ENABLED" if route.rewrite.hostname else "DISABLED"}
    rewrite: Spec | None
    if route.rewrite.path is not None:
        rewrite = {"path": {"exact": route.rewrite.path}, "hostname": hostname}
    elif route.match.path is not None:
        rewrite = None if route.rewrite.hostname else {"hostname": hostname}
    else:
        if route.rewrite.prefix is not None:
            prefix: Spec = {"value": route.rewrite.prefix}
        else:
            prefix = {"default_prefix": "ENABLED" if route.rewrite.strip_prefix else "DISABLED"}
        rewrite = {"prefix": prefix, "hostname": hostname}
    action: Spec = {
        "target": {
            "virtual_service": {"virtual_service_name": route.target_dns_name},
            "port": route.target_port,
        }
    }
    if rewrite is not None:
        action["rewrite"] = rewrite
    spec: Spec = {"http_route": {"match": match, "action": action}}
    if route.priority is not None:
        spec["priority"] = route.priority
    return spec
