"""The spec model in App Mesh's shape: pure functions from fargate_mesh.spec objects to the `spec` dicts of
pulumi_aws.appmesh resources (snake_case keys; Pulumi sends them in camelCase).

Nothing here creates resources, so every App Mesh rule of the product is testable without Pulumi,
and App Mesh's defaults are written out (timeouts, health check ranges) rather than implied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from fargate_mesh.spec import (
    Gateway,
    GatewayRoute,
    HeaderMatch,
    HealthCheck,
    HttpMatch,
    OutlierDetection,
    RetryPolicy,
    Route,
    Service,
    Timeouts,
)
from fargate_mesh.spec.durations import appmesh_duration

ACCESS_LOG_PATH = "/dev/stdout"
# The system CA bundle in the App Mesh Envoy image: public endpoints are validated against it.
DEFAULT_TRUST_BUNDLE = "/etc/ssl/certs/ca-bundle.crt"

Spec = dict[str, Any]


@dataclass(frozen=True)
class MeshBackend:
    """A virtual service a node may call, by its FQDN (a string, so mutual backends make no cycle)."""

    name: str  # the spec's name for it (products, payments): names the app's <NAME>_BASE_URL
    virtual_service_name: str
    port: int
    # Originate TLS in the caller's Envoy (the app speaks plain HTTP to host:port).
    tls: bool = False


def duration(ms: int) -> Spec:
    return dict(appmesh_duration(ms))


def access_log(path: str = ACCESS_LOG_PATH) -> Spec:
    return {"access_log": {"file": {"path": path}}}


def _header(header: HeaderMatch) -> Spec:
    if header.range is not None:
        rule: Spec = {"range": {"start": header.range.start, "end": header.range.end}}
    else:
        kind = next(k for k in ("exact", "prefix", "suffix", "regex") if getattr(header, k) is not None)
        rule = {kind: getattr(header, kind)}
    return {"name": header.name, "invert": header.invert, "match": rule}


def http_match(match: HttpMatch) -> Spec:
    """Prefix or path, headers, query parameters, method (App Mesh route match)."""
    spec: Spec = {}
    if match.path is not None:
        spec["path"] = {"exact": match.path.exact} if match.path.exact else {"regex": match.path.regex}
    else:
        spec["prefix"] = match.effective_prefix
    if match.headers:
        spec["headers"] = [_header(h) for h in match.headers]
    if match.query_parameters:
        spec["query_parameters"] = [
            {"name": q.name, "match": {"exact": q.exact}} for q in match.query_parameters
        ]
    if match.method:
        spec["method"] = match.method
    return spec


def timeout(timeouts: Timeouts) -> Spec:
    return timeout_ms(timeouts.per_request, timeouts.idle)


def timeout_ms(per_request: int, idle: int) -> Spec:
    return {"per_request": duration(per_request), "idle": duration(idle)}


def retry_policy(policy: RetryPolicy) -> Spec:
    spec: Spec = {
        "max_retries": policy.max_retries,
        "per_retry_timeout": duration(policy.per_retry_timeout),
    }
    if policy.http_retry_events:
        spec["http_retry_events"] = list(policy.http_retry_events)
    if policy.tcp_retry_events:
        spec["tcp_retry_events"] = list(policy.tcp_retry_events)
    return spec


def health_check(check: HealthCheck, protocol: str, port: int) -> Spec:
    return {
        "protocol": protocol,
        "path": check.path,
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


def listener_timeout(service: Service, version: str) -> tuple[int, int]:
    """The node listener's (per_request, idle) in ms: at least those of every route that targets
    this version (meshspec's Service.listener_timeouts, shared with the local renderer)."""
    widest = service.listener_timeouts(version)
    return widest.per_request, widest.idle


def backend(b: MeshBackend, trust_bundle: str = DEFAULT_TRUST_BUNDLE) -> Spec:
    virtual_service: Spec = {"virtual_service_name": b.virtual_service_name}
    if b.tls:
        # App Mesh trusts ACM only for ACM Private CA certificates; a public endpoint is
        # validated with the system CA bundle shipped in the Envoy image (file trust).
        virtual_service["client_policy"] = {
            "tls": {
                "enforce": True,
                "ports": [b.port],
                "validation": {"trust": {"file": {"certificate_chain": trust_bundle}}},
            }
        }
    return {"virtual_service": virtual_service}


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
    """One version's node: listener (health check, timeouts, outlier detection), backends,
    Cloud Map discovery filtered on this version's task family, access log."""
    listener: Spec = {
        "port_mapping": {"port": service.port, "protocol": service.protocol},
        "health_check": health_check(service.health_check, service.protocol, service.port),
        "timeout": {service.protocol: timeout_ms(*listener_timeout(service, version))},
    }
    if service.outlier_detection is not None:
        listener["outlier_detection"] = outlier_detection(service.outlier_detection)
    spec: Spec = {
        "listeners": [listener],
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
        spec["backends"] = [backend(b, trust_bundle) for b in backends]
    return spec


def virtual_router_spec(service: Service) -> Spec:
    return {"listeners": [{"port_mapping": {"port": service.port, "protocol": service.protocol}}]}


def route_spec(route: Route, service: Service, node_names: Mapping[str, pulumi.Input[str]]) -> Spec:
    """A router route: match, weighted targets over version nodes, retry policy, timeout.

    The retry policy and timeout are the route's own or the service's; with no retry policy at
    all App Mesh silently retries twice (see APPMESH.md), which the spec leaves to the user.
    """
    retry = route.retry_policy or service.retry_policy
    body: Spec = {
        "match": http_match(route.match),
        "action": {
            "weighted_targets": [
                {"virtual_node": node_names[version], "weight": weight}
                for version, weight in route.targets.items()
            ]
        },
        "timeout": timeout(route.timeout or service.timeout),
    }
    if retry is not None:
        body["retry_policy"] = retry_policy(retry)
    spec: Spec = {f"{service.protocol}_route": body}
    if route.priority is not None:
        spec["priority"] = route.priority
    return spec


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


def virtual_gateway_spec(gateway: Gateway) -> Spec:
    return {
        "listeners": [
            {
                "port_mapping": {"port": gateway.port, "protocol": "http"},
                "health_check": {
                    "protocol": "http",
                    "path": gateway.alb_health_check_path(),
                    "port": gateway.port,
                    "healthy_threshold": 2,
                    "unhealthy_threshold": 2,
                    "interval_millis": 5_000,
                    "timeout_millis": 2_000,
                },
            }
        ],
        "logging": access_log(),
    }


def gateway_route_spec(route: GatewayRoute, virtual_service_name: str, port: int) -> Spec:
    """A gateway route into one service.

    Rewrite: App Mesh strips the matched prefix by default; this product keeps the path
    (DISABLED) unless the spec asks for stripPrefix (ENABLED) or a new prefix (value). App Mesh
    rejects a prefix rewrite on a path match, so a path match carries only a non-default host rewrite.
    """
    match = http_match(route.match)
    if route.match.hostname is not None:
        host = route.match.hostname
        match["hostname"] = {"exact": host.exact} if host.exact else {"suffix": host.suffix}
    hostname = {"default_target_hostname": "ENABLED" if route.rewrite.hostname else "DISABLED"}
    rewrite: Spec | None
    if route.match.path is not None:
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
