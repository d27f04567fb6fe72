"""The compiled mesh in App Mesh's shape: pure functions to the `spec` dicts of pulumi_aws.appmesh
resources (snake_case keys; Pulumi sends them in camelCase).

Nothing here creates resources, so every App Mesh rule of the product is testable without Pulumi,
and App Mesh's defaults are written out (timeouts, health check ranges) rather than implied. The
`*_of` functions take compiled objects (fargate_mesh.model); the functions that take spec objects
(virtual_node_spec, route_spec, virtual_gateway_spec) remain for the Pulumi components until they
read the compiled mesh, and compile what they need through the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from fargate_mesh.model import (
    Callee,
    CompiledGateway,
    CompiledGatewayRoute,
    CompiledMesh,
    CompiledRoute,
    CompiledService,
    CompiledVersion,
    Retry,
    RoutePolicy,
    Timeout,
)
from fargate_mesh.model.policies import listener_timeout, route_policy
from fargate_mesh.spec import (
    ConnectionPool,
    Gateway,
    GatewayRoute,
    HeaderMatch,
    HealthCheck,
    HttpMatch,
    OutlierDetection,
    QueryParameterMatch,
    Route,
    Service,
)

ACCESS_LOG_PATH = "/dev/stdout"
# The system CA bundle in the App Mesh Envoy image: public endpoints are validated against it.
DEFAULT_TRUST_BUNDLE = "/etc/ssl/certs/ca-bundle.crt"

Spec = dict[str, Any]


@dataclass(frozen=True)
class MeshBackend:
    """A virtual service a node may call, by its FQDN (a string, so mutual backends make no cycle).
    model.Callee carries the same facts; this stays for the components until they read it."""

    name: str  # the spec's name for it (products, payments): names the app's <NAME>_BASE_URL
    virtual_service_name: str
    port: int
    # Originate TLS in the caller's Envoy (the app speaks plain HTTP to host:port).
    tls: bool = False


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


def _backend(dns_name: str, port: int, tls: bool, trust_bundle: str) -> Spec:
    virtual_service: Spec = {"virtual_service_name": dns_name}
    if tls:
        # App Mesh trusts ACM only for ACM Private CA certificates; a public endpoint is
        # validated with the system CA bundle shipped in the Envoy image (file trust).
        virtual_service["client_policy"] = {
            "tls": {
                "enforce": True,
                "ports": [port],
                "validation": {"trust": {"file": {"certificate_chain": trust_bundle}}},
            }
        }
    return {"virtual_service": virtual_service}


def backend_of(callee: Callee, trust_bundle: str = DEFAULT_TRUST_BUNDLE) -> Spec:
    return _backend(callee.dns_name, callee.port, callee.tls, trust_bundle)


def backend(b: MeshBackend, trust_bundle: str = DEFAULT_TRUST_BUNDLE) -> Spec:
    return _backend(b.virtual_service_name, b.port, b.tls, trust_bundle)


def _node_spec(
    *,
    ports: Sequence[int],
    protocol: str,
    check: HealthCheck,
    listener_timeout: Timeout,
    outliers: OutlierDetection | None,
    pool: ConnectionPool | None,
    namespace: str,
    cloud_map_service: str,
    task_family: str,
    backends: list[Spec],
) -> Spec:
    def listener(port: int) -> Spec:
        # App Mesh checks each listener on its own port: the app answers its health check on each.
        spec: Spec = {
            "port_mapping": {"port": port, "protocol": protocol},
            "health_check": health_check(check, protocol, port),
            "timeout": {protocol: timeout(listener_timeout)},
        }
        if outliers is not None:
            spec["outlier_detection"] = outlier_detection(outliers)
        if pool is not None:
            spec["connection_pool"] = connection_pool(pool, protocol)
        return spec

    spec: Spec = {
        "listeners": [listener(port) for port in ports],
        "service_discovery": {
            "aws_cloud_map": {
                "namespace_name": namespace,
                "service_name": cloud_map_service,
                # ECS registers this attribute: versions share one Cloud Map service, each node
                # sees only its own tasks.
                "attributes": {"ECS_TASK_DEFINITION_FAMILY": task_family},
            }
        },
        "logging": access_log(),
    }
    if backends:
        spec["backends"] = backends
    return spec


def virtual_node_spec_of(
    mesh: CompiledMesh,
    service: CompiledService,
    version: CompiledVersion,
    trust_bundle: str = DEFAULT_TRUST_BUNDLE,
) -> Spec:
    """One version's node: listener (health check, timeouts, outlier detection), backends,
    Cloud Map discovery filtered on this version's task family, access log."""
    return _node_spec(
        ports=_ports(service),
        protocol=service.protocol,
        check=service.health_check,
        listener_timeout=version.listener_timeout,
        outliers=service.outlier_detection,
        pool=service.connection_pool,
        namespace=mesh.namespace,
        cloud_map_service=service.cloud_map_service,
        task_family=version.task_family,
        backends=[backend_of(c, trust_bundle) for c in service.callees],
    )


def virtual_node_spec(
    service: Service,
    version: str,
    *,
    namespace: str,
    cloud_map_service: str,
    task_family: str,
    backends: Sequence[MeshBackend] = (),
    trust_bundle: str = DEFAULT_TRUST_BUNDLE,
) -> Spec:
    """virtual_node_spec_of for a spec Service (the components' call until they read the compiled mesh)."""
    return _node_spec(
        ports=_ports(service),
        protocol=service.protocol,
        check=service.health_check,
        listener_timeout=listener_timeout(service, version),
        outliers=service.outlier_detection,
        pool=service.connection_pool,
        namespace=namespace,
        cloud_map_service=cloud_map_service,
        task_family=task_family,
        backends=[backend(b, trust_bundle) for b in backends],
    )


def _ports(service: CompiledService | Service) -> list[int]:
    return [service.port, *service.extra_ports]


def virtual_router_spec(service: CompiledService | Service) -> Spec:
    return {
        "listeners": [{"port_mapping": {"port": p, "protocol": service.protocol}} for p in _ports(service)]
    }


def _route_spec(
    match: HttpMatch,
    targets: list[tuple[pulumi.Input[str], int]],
    policy: RoutePolicy,
    protocol: str,
    priority: int | None,
    port: int | None,
) -> Spec:
    """port: the listener port the route serves and sends to, on a service with several ports."""
    on_port = {} if port is None else {"port": port}
    body: Spec = {
        "match": {**(grpc_match(match) if protocol == "grpc" else http_match(match)), **on_port},
        "action": {
            "weighted_targets": [
                {"virtual_node": node, "weight": weight, **on_port} for node, weight in targets
            ]
        },
        "timeout": timeout(policy.timeout),
    }
    # Without a retry policy in the spec App Mesh applies its own default (model.APP_MESH_DEFAULT_RETRY).
    if policy.retry_given:
        body["retry_policy"] = retry_policy(policy.retry)
    spec: Spec = {f"{protocol}_route": body}
    if priority is not None:
        spec["priority"] = priority
    return spec


def route_spec_of(
    route: CompiledRoute, service: CompiledService, node_names: Mapping[str, pulumi.Input[str]] | None = None
) -> Spec:
    """A router route: match, weighted targets over version nodes, retry policy, timeout.

    Targets are written as the spec gives them, zero weights included (App Mesh sends those no
    traffic). node_names: the nodes' names by version, e.g. the VirtualNode resources' outputs so the
    route waits for them (default: the compiled names).
    """
    names = node_names or {t.version: t.node for t in route.written_targets}
    targets = [(names[t.version], t.weight) for t in route.written_targets]
    return _route_spec(route.match, targets, route.policy, service.protocol, route.priority, route.port)


def route_spec(route: Route, service: Service, node_names: Mapping[str, pulumi.Input[str]]) -> Spec:
    """route_spec_of for spec objects (the components' call until they read the compiled mesh)."""
    targets = [(node_names[version], weight) for version, weight in route.targets.items()]
    policy = route_policy(route, service)
    return _route_spec(route.match, targets, policy, service.protocol, route.priority, route.port)


def router_virtual_service_spec(router_name: pulumi.Input[str]) -> Spec:
    return {"provider": {"virtual_router": {"virtual_router_name": router_name}}}


def node_virtual_service_spec(node_name: pulumi.Input[str]) -> Spec:
    return {"provider": {"virtual_node": {"virtual_node_name": node_name}}}


def external_node_spec(host: str, port: int) -> Spec:
    """A node standing for a host outside the mesh: DNS discovery of that host. No task runs it."""
    return {
        "listeners": [{"port_mapping": {"port": port, "protocol": "http"}}],
        "service_discovery": {"dns": {"hostname": host}},
    }


def _gateway_spec(port: int, health_check_path: str) -> Spec:
    return {
        "listeners": [
            {
                "port_mapping": {"port": port, "protocol": "http"},
                "health_check": {
                    "protocol": "http",
                    "path": health_check_path,
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


def virtual_gateway_spec_of(gateway: CompiledGateway) -> Spec:
    return _gateway_spec(gateway.port, gateway.health_check_path)


def virtual_gateway_spec(gateway: Gateway) -> Spec:
    """virtual_gateway_spec_of for a spec Gateway (the components' call until they read the compiled mesh)."""
    return _gateway_spec(gateway.port, gateway.alb_health_check_path())


def gateway_route_spec_of(route: CompiledGatewayRoute) -> Spec:
    return gateway_route_spec(route, route.target_dns_name, route.target_port)


def gateway_route_spec(
    route: CompiledGatewayRoute | GatewayRoute, virtual_service_name: str, port: int
) -> Spec:
    """A gateway route into one service.

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
        "target": {"virtual_service": {"virtual_service_name": virtual_service_name}, "port": port}
    }
    if rewrite is not None:
        action["rewrite"] = rewrite
    spec: Spec = {"http_route": {"match": match, "action": action}}
    if route.priority is not None:
        spec["priority"] = route.priority
    return spec
