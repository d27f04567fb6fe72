"""What each data plane can carry, as data: one entry per feature, checked on the compiled mesh.

A Feature names what the spec asks for, the spec fields it lives in, and for each data plane that
cannot carry it, what to do instead. `unsupported(compiled, dataplane)` lists every use of such a
feature as a Problem at its field path, so a stack learns all of them at once, before any resource
exists (model/gate.py raises them as the spec's own SpecError). docs/dataplanes.md is generated from
FEATURES (model/dataplanes_doc.py), so the table users read is this list.

Facts behind the entries: the App Mesh user guide ("Service quotas", "Routes", "Gateway routes"),
the pulumi-aws App Mesh schema (GatewayRoute has no method match), the ECS developer guide ("Service
Connect"), and the ELB user guide ("Listener rules for your Application Load Balancer"). The
serviceConnect entries follow the ECS API (botocore's `ecs` model: Service Connect, deployment
strategies) and the ELB user guide's quotas ("Quotas for your Application Load Balancers").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from fargate_mesh.facts import envoy_ingress_port
from fargate_mesh.model.compiled import CompiledGatewayRoute, CompiledMesh, CompiledRoute
from fargate_mesh.model.dataplanes import INFO
from fargate_mesh.model.rollouts import test_route
from fargate_mesh.spec import GatewayMatch, HttpMatch, Problem
from fargate_mesh.spec.mesh import DataPlane

# Reserved by App Mesh for its own use (App Mesh user guide, "Gateway routes").
APP_MESH_RESERVED_PREFIXES = ("/aws-appmesh", "/aws-app-mesh")
APP_MESH_MAX_WEIGHTED_TARGETS = 10  # per route, fixed
APP_MESH_MAX_ROUTES = 50  # per virtual router, the default quota
APP_MESH_MAX_BACKENDS = 50  # per virtual node, fixed
APP_MESH_MAX_MATCHES = 10  # header matches, and query parameter matches, per route match

# Application Load Balancer quotas (ELB user guide, "Quotas for your Application Load Balancers").
ALB_MAX_CONDITION_VALUES = 5  # per rule
ALB_MAX_RULES = 100  # per load balancer, default rules (serviceConnect's 404) not counted
ALB_MAX_REGEX_LENGTH = 128  # characters in one regex condition value

Finder = Callable[[CompiledMesh], Iterator[str]]


@dataclass(frozen=True)
class Feature:
    name: str  # reads after "does not support": "a method match on a gateway route"
    applies_to: tuple[str, ...]  # the spec fields it lives in, as users find them in docs/spec.md
    unsupported_on: Mapping[DataPlane, str]  # data plane → what to do instead
    find: Finder  # the field paths where a compiled mesh uses it

    def supported_on(self, dataplane: DataPlane) -> bool:
        return dataplane not in self.unsupported_on


# -- where features are used --------------------------------------------------------------------------


def _router_routes(mesh: CompiledMesh) -> Iterator[CompiledRoute]:
    for service in mesh.services.values():
        yield from service.routes


def _matches(mesh: CompiledMesh) -> Iterator[tuple[str, HttpMatch]]:
    """Every written match: gateway routes' and router routes' (the default route has none)."""
    for gateway_route in mesh.gateway.routes:
        yield gateway_route.path, gateway_route.match
    for route in _router_routes(mesh):
        if route.written:
            yield route.path, route.match


def _gateway_methods(mesh: CompiledMesh) -> Iterator[str]:
    for route in mesh.gateway.routes:
        if route.match.method is not None:
            yield f"{route.path}.match.method"


def _gateway_schemes(mesh: CompiledMesh) -> Iterator[str]:
    for route in mesh.gateway.routes:
        if route.match.scheme is not None:
            yield f"{route.path}.match.scheme"


def _grpc_gateway_routes(mesh: CompiledMesh) -> Iterator[str]:
    for route in mesh.gateway.routes:
        if mesh.services[route.service].protocol == "grpc":
            yield f"{route.path}.service"


def _several_ports(mesh: CompiledMesh) -> Iterator[str]:
    for service in mesh.services.values():
        if service.extra_ports:
            yield f"{service.path}.extraPorts"
        for route in service.routes:
            if route.port is not None:
                yield f"{route.path}.port"
    for gateway_route in mesh.gateway.routes:
        if gateway_route.target_port != mesh.services[gateway_route.service].port:
            yield f"{gateway_route.path}.port"


def _ports_at_extra_ingress(mesh: CompiledMesh) -> Iterator[str]:
    """App ports where the envoy sidecar listens in front of the service's extra ports."""
    for service in mesh.services.values():
        sidecar = {envoy_ingress_port(i) for i in range(1, len(service.ports))}
        if service.port in sidecar:
            yield f"{service.path}.port"
        for i, port in enumerate(service.extra_ports):
            if port in sidecar:
                yield f"{service.path}.extraPorts[{i}]"


def _connection_pools(mesh: CompiledMesh) -> Iterator[str]:
    for service in mesh.services.values():
        if service.connection_pool is not None:
            yield f"{service.path}.connectionPool"


def _listener_timeouts(mesh: CompiledMesh) -> Iterator[str]:
    for service in mesh.services.values():
        if service.listener_timeout_given:
            yield f"{service.path}.listenerTimeout"


def _targets_field(route: CompiledRoute) -> str:
    return f"{route.path}.targets" if route.written else route.path


def _many_targets(mesh: CompiledMesh) -> Iterator[str]:
    for route in _router_routes(mesh):
        if len(route.written_targets) > APP_MESH_MAX_WEIGHTED_TARGETS:
            yield _targets_field(route)


def _many_routes(mesh: CompiledMesh) -> Iterator[str]:
    for service in mesh.services.values():
        if len(service.routes) > APP_MESH_MAX_ROUTES:
            yield f"{service.path}.routes"


def _many_backends(mesh: CompiledMesh) -> Iterator[str]:
    for service in mesh.services.values():
        if len(service.callees) > APP_MESH_MAX_BACKENDS:
            yield f"{service.path}.backends"


def _many_headers(mesh: CompiledMesh) -> Iterator[str]:
    for path, match in _matches(mesh):
        if len(match.headers) > APP_MESH_MAX_MATCHES:
            yield f"{path}.match.headers"


def _many_query_parameters(mesh: CompiledMesh) -> Iterator[str]:
    for path, match in _matches(mesh):
        if len(match.query_parameters) > APP_MESH_MAX_MATCHES:
            yield f"{path}.match.queryParameters"


def _reserved(path: str | None) -> bool:
    return path is not None and path.lower().startswith(APP_MESH_RESERVED_PREFIXES)


def _reserved_paths(mesh: CompiledMesh) -> Iterator[str]:
    for path, match in _matches(mesh):
        if _reserved(match.prefix):
            yield f"{path}.match.prefix"
        if match.path is not None and _reserved(match.path.exact):
            yield f"{path}.match.path.exact"
    for route in mesh.gateway.routes:
        if _reserved(route.rewrite.prefix):
            yield f"{route.path}.rewrite.prefix"
    if _reserved(mesh.gateway.health_check_path):
        yield "gateway.healthCheckPath"
    for service in mesh.services.values():
        if _reserved(service.health_check.path):
            yield f"{service.path}.healthCheck.path"


def _unordered_regexes(mesh: CompiledMesh) -> Iterator[str]:
    """Regex-path routes without priority in a route list that also has prefix routes without one."""
    lists: list[Sequence[CompiledGatewayRoute | CompiledRoute]] = [
        mesh.gateway.routes,
        *(s.routes for s in mesh.services.values()),
    ]
    for routes in lists:
        loose = [r for r in routes if r.priority is None]
        regex = [r for r in loose if r.match.path is not None and r.match.path.regex is not None]
        if regex and any(r.match.path is None for r in loose):
            yield from sorted(f"{r.path}.priority" for r in regex)


def _weighted_splits(mesh: CompiledMesh) -> Iterator[str]:
    for route in _router_routes(mesh):
        if len(route.targets) > 1:
            yield _targets_field(route)


def _conditional_routes(mesh: CompiledMesh) -> Iterator[str]:
    """Written routes that match less than every request, but for a BLUE_GREEN service's test route."""
    for service in mesh.services.values():
        test = test_route(service)
        for route in service.routes:
            match = route.match
            if route.written and route is not test and not (match.is_plain and match.effective_prefix == "/"):
                yield f"{route.path}.match"


def _retry_policies(mesh: CompiledMesh) -> Iterator[str]:
    sources = {r.policy.retry_source for r in _router_routes(mesh)}
    yield from sorted(s for s in sources if s is not None)


def _outlier_detection(mesh: CompiledMesh) -> Iterator[str]:
    for service in mesh.services.values():
        if service.outlier_detection is not None:
            yield f"{service.path}.outlierDetection"


def _route_timeouts(mesh: CompiledMesh) -> Iterator[str]:
    for route in _router_routes(mesh):
        if route.own_timeout:
            yield f"{route.path}.timeout"


def _drop_all(mesh: CompiledMesh) -> Iterator[str]:
    if mesh.egress_filter == "DROP_ALL":
        yield "egressFilter"


def _external_tls(mesh: CompiledMesh) -> Iterator[str]:
    for external in mesh.externals.values():
        if external.tls:
            yield f"{external.path}.tls"


def _gateway_header_ranges(mesh: CompiledMesh) -> Iterator[str]:
    for route in mesh.gateway.routes:
        for i, header in enumerate(route.match.headers):
            if header.range is not None or header.invert or header.present is False:
                yield f"{route.path}.match.headers[{i}]"


def alb_condition_values(match: GatewayMatch) -> int:
    """The condition values an ALB rule for this match holds: one for the path, the hostname and
    the method each, one per header and per query parameter (render/alb.py writes one value each)."""
    path = 0 if match.path is None and match.effective_prefix == "/" else 1
    return (
        path
        + (match.hostname is not None)
        + (match.method is not None)
        + len(match.headers)
        + len(match.query_parameters)
    )


def alb_regex(regex: str) -> str:
    """A spec regex as an ALB condition value: anchored, since the spec (like Envoy) matches the whole
    value and an ALB regex may match part of it."""
    return f"^(?:{regex})$"


def _alb_condition_values(mesh: CompiledMesh) -> Iterator[str]:
    for route in mesh.gateway.routes:
        if alb_condition_values(route.match) > ALB_MAX_CONDITION_VALUES:
            yield f"{route.path}.match"


def _alb_rules(mesh: CompiledMesh) -> Iterator[str]:
    if len(mesh.gateway.routes) > ALB_MAX_RULES:
        yield "gateway.routes"


def _alb_long_regexes(mesh: CompiledMesh) -> Iterator[str]:
    for route in mesh.gateway.routes:
        match = route.match
        if (
            match.path is not None
            and match.path.regex
            and len(alb_regex(match.path.regex)) > ALB_MAX_REGEX_LENGTH
        ):
            yield f"{route.path}.match.path.regex"
        for i, header in enumerate(match.headers):
            if header.regex and len(alb_regex(header.regex)) > ALB_MAX_REGEX_LENGTH:
                yield f"{route.path}.match.headers[{i}].regex"


def _rollouts(mesh: CompiledMesh) -> Iterator[str]:
    for service in mesh.services.values():
        if service.rollout is not None:
            yield f"{service.path}.rollout"


def _rollouts_behind_several_rules(mesh: CompiledMesh) -> Iterator[str]:
    for service in mesh.services.values():
        rules = [r for r in mesh.gateway.routes if r.service == service.name]
        if service.rollout is not None and len(rules) > 1:
            yield f"{service.path}.rollout"


def _proxy_tracing(mesh: CompiledMesh) -> Iterator[str]:
    if mesh.tracing:
        yield "tracing"


def _mutual_tls(mesh: CompiledMesh) -> Iterator[str]:
    yield from sorted({s.mutual_path for s in mesh.tls.services.values() if s.mutual})


def _permissive_tls(mesh: CompiledMesh) -> Iterator[str]:
    yield from sorted({s.mode_path for s in mesh.tls.services.values() if s.mode == "PERMISSIVE"})


def _secret_certificates(mesh: CompiledMesh) -> Iterator[str]:
    authority = mesh.tls.authority
    if authority is not None and authority.kind == "secrets":
        yield f"{authority.path}.secrets"


def _short_lived_ca(mesh: CompiledMesh) -> Iterator[str]:
    authority = mesh.tls.authority
    if authority is not None and authority.usage_mode == "SHORT_LIVED_CERTIFICATE":
        yield f"{authority.path}.privateCa.usageMode"


# -- the features -------------------------------------------------------------------------------------

_NO_SPLIT = "Service Connect sends a client's calls to one ECS service, so versions cannot share traffic"

FEATURES: tuple[Feature, ...] = (
    Feature(
        "a method match on a gateway route",
        ("gateway.routes[N].match.method",),
        {
            "appmesh": "pulumi-aws's App Mesh gateway route schema cannot express a method match; put the "
            "method match on a route of the service"
        },
        _gateway_methods,
    ),
    Feature(
        "a scheme match on a gateway route",
        ("gateway.routes[N].match.scheme",),
        {
            "appmesh": "App Mesh gateway routes cannot match the scheme (only router routes can); put the "
            "scheme match on a route of the service",
            "serviceConnect": "the load balancer's listener is HTTPS only; remove the scheme match",
        },
        _gateway_schemes,
    ),
    Feature(
        "a gateway route into a grpc service",
        ("gateway.routes[N].service",),
        {
            "appmesh": "the App Mesh gateway is one http listener behind a load balancer target group "
            "that speaks HTTP/1.1, which cannot carry gRPC; call grpc services from inside the mesh",
            "serviceConnect": "the load balancer's target groups speak HTTP/1.1, which cannot carry gRPC; "
            "call grpc services from inside the mesh",
        },
        _grpc_gateway_routes,
    ),
    Feature(
        "a connection pool",
        ("services.S.connectionPool",),
        {"serviceConnect": "the Service Connect proxy takes no connection limits; remove connectionPool"},
        _connection_pools,
    ),
    Feature(
        "a listener timeout apart from the service's timeout",
        ("services.S.listenerTimeout",),
        {"serviceConnect": "Service Connect sets one timeout per service; set the service's timeout"},
        _listener_timeouts,
    ),
    Feature(
        "more than one listener port on a service",
        ("services.S.extraPorts", "services.S.routes[N].port", "gateway.routes[N].port"),
        {
            "serviceConnect": "not built yet; serve the other port as its own service",
        },
        _several_ports,
    ),
    Feature(
        "an app port at one of the envoy sidecar's extra ingress ports",
        ("services.S.port", "services.S.extraPorts"),
        {
            "envoy": "in the app's own task the sidecar listens in front of extraPorts[i] at 15100 + i + 1 "
            "(15101, 15102, ...), so no app port may be the sidecar's ingress for an extra port; pick "
            "another port (App Mesh's proxy takes every app port at 15000)"
        },
        _ports_at_extra_ingress,
    ),
    Feature(
        f"more than {APP_MESH_MAX_WEIGHTED_TARGETS} weighted targets in one route",
        ("services.S.routes[N].targets", "services.S.versions"),
        {
            "appmesh": f"App Mesh takes at most {APP_MESH_MAX_WEIGHTED_TARGETS} weighted targets per route "
            "(a fixed limit); write routes that split the versions between them",
            "serviceConnect": _NO_SPLIT,
        },
        _many_targets,
    ),
    Feature(
        f"more than {APP_MESH_MAX_ROUTES} routes in one service",
        ("services.S.routes",),
        {
            "appmesh": f"App Mesh's default quota is {APP_MESH_MAX_ROUTES} routes per virtual router; merge routes"
        },
        _many_routes,
    ),
    Feature(
        f"more than {APP_MESH_MAX_BACKENDS} backends on one service",
        ("services.S.backends",),
        {
            "appmesh": f"App Mesh takes at most {APP_MESH_MAX_BACKENDS} backends per virtual node (a fixed limit)"
        },
        _many_backends,
    ),
    Feature(
        f"more than {APP_MESH_MAX_MATCHES} header matches in one match",
        ("gateway.routes[N].match.headers", "services.S.routes[N].match.headers"),
        {"appmesh": f"App Mesh takes at most {APP_MESH_MAX_MATCHES} header matches per route"},
        _many_headers,
    ),
    Feature(
        f"more than {APP_MESH_MAX_MATCHES} query parameter matches in one match",
        ("gateway.routes[N].match.queryParameters", "services.S.routes[N].match.queryParameters"),
        {"appmesh": f"App Mesh takes at most {APP_MESH_MAX_MATCHES} query parameter matches per route"},
        _many_query_parameters,
    ),
    Feature(
        "paths under /aws-appmesh or /aws-app-mesh",
        (
            "gateway.routes[N].match.prefix",
            "gateway.routes[N].match.path.exact",
            "gateway.routes[N].rewrite.prefix",
            "gateway.healthCheckPath",
            "services.S.routes[N].match.prefix",
            "services.S.routes[N].match.path.exact",
            "services.S.healthCheck.path",
        ),
        {"appmesh": "App Mesh reserves these prefixes for itself; use another path"},
        _reserved_paths,
    ),
    Feature(
        "regex path routes without a priority next to prefix routes without one",
        ("gateway.routes[N].priority", "services.S.routes[N].priority"),
        {
            "appmesh": "App Mesh orders unprioritised routes by longest prefix and leaves regex paths "
            "unordered; give these routes priorities"
        },
        _unordered_regexes,
    ),
    Feature(
        "a steady weighted split between versions",
        ("services.S.routes[N].targets", "services.S.versions"),
        {
            "serviceConnect": f"{_NO_SPLIT}; shift between versions with an ECS deployment "
            "(canary, linear or blue/green) instead"
        },
        _weighted_splits,
    ),
    Feature(
        "service routes that match less than every request",
        ("services.S.routes[N].match",),
        {
            "serviceConnect": "a Service Connect client alias names one ECS service, with no routing by "
            "path or header; route at the gateway instead (under a BLUE_GREEN rollout, one route "
            "that matches a single header exactly and targets the steady version is the test route)"
        },
        _conditional_routes,
    ),
    Feature(
        "a retry policy",
        ("services.S.retryPolicy", "services.S.routes[N].retryPolicy"),
        {"serviceConnect": "Service Connect's proxy retries as AWS sets it; remove retryPolicy"},
        _retry_policies,
    ),
    Feature(
        "outlier detection",
        ("services.S.outlierDetection",),
        {"serviceConnect": "Service Connect applies AWS's own outlier detection; remove outlierDetection"},
        _outlier_detection,
    ),
    Feature(
        "a timeout on a route",
        ("services.S.routes[N].timeout",),
        {
            "serviceConnect": "Service Connect sets timeouts per service, not per route; set the "
            "service's timeout"
        },
        _route_timeouts,
    ),
    Feature(
        "the DROP_ALL egress filter",
        ("egressFilter",),
        {
            "serviceConnect": "Service Connect does not filter egress (security groups do); set "
            "egressFilter: ALLOW_ALL"
        },
        _drop_all,
    ),
    Feature(
        "TLS originated to an external backend",
        ("external.E.tls",),
        {"serviceConnect": "the app must speak TLS to the host itself; set tls: false and call https"},
        _external_tls,
    ),
    Feature(
        f"more than {ALB_MAX_CONDITION_VALUES} condition values in one gateway route",
        ("gateway.routes[N].match",),
        {
            "serviceConnect": f"a load balancer rule holds at most {ALB_MAX_CONDITION_VALUES} condition values "
            "(path, hostname, method, each header, each query parameter); split the route in two"
        },
        _alb_condition_values,
    ),
    Feature(
        f"more than {ALB_MAX_RULES} gateway routes",
        ("gateway.routes",),
        {
            "serviceConnect": f"a load balancer takes {ALB_MAX_RULES} listener rules, one per gateway "
            "route (the listener's default, the 404 for unmatched requests, is not counted); merge "
            "gateway routes"
        },
        _alb_rules,
    ),
    Feature(
        f"a regex longer than {ALB_MAX_REGEX_LENGTH - 6} characters on a gateway route",
        ("gateway.routes[N].match.path.regex", "gateway.routes[N].match.headers[M].regex"),
        {
            "serviceConnect": f"a load balancer regex condition takes at most {ALB_MAX_REGEX_LENGTH} "
            "characters, with the anchors ^(?: and )$ added; shorten it, or match a prefix"
        },
        _alb_long_regexes,
    ),
    Feature(
        "a rollout block",
        ("services.S.rollout",),
        {"appmesh": "App Mesh moves versions by the route weights you write; remove rollout"},
        _rollouts,
    ),
    Feature(
        "a rollout on a service that several gateway routes target",
        ("services.S.rollout",),
        {
            "serviceConnect": "an ECS deployment shifts the traffic of one production listener rule; "
            "give the service one gateway route, or remove rollout"
        },
        _rollouts_behind_several_rules,
    ),
    Feature(
        "X-Ray tracing from the proxy",
        ("tracing",),
        {
            "serviceConnect": "the Service Connect proxy sends no traces; set tracing: false and "
            "instrument the app (AWS Distro for OpenTelemetry)"
        },
        _proxy_tracing,
    ),
    Feature(
        "a header range, inverted or absent header match on a gateway route",
        ("gateway.routes[N].match.headers[M]",),
        {
            "serviceConnect": "load balancer listener rules compare header values only: use exact, "
            "prefix or suffix without invert, or present: true"
        },
        _gateway_header_ranges,
    ),
    Feature(
        "mutual TLS inside the mesh",
        ("tls.mutual", "services.S.tls.mutual"),
        {
            "serviceConnect": "Service Connect's TLS authenticates servers only (no client certificates); "
            "set mutual: false"
        },
        _mutual_tls,
    ),
    Feature(
        "PERMISSIVE TLS (plaintext and TLS on one listener)",
        ("tls.mode", "services.S.tls.mode"),
        {
            "serviceConnect": "Service Connect's TLS is on or off per service; use STRICT or DISABLED "
            "and migrate one service at a time"
        },
        _permissive_tls,
    ),
    Feature(
        "certificates from Secrets Manager secrets",
        ("tls.authority.secrets",),
        {
            "serviceConnect": "Service Connect issues its certificates from an AWS Private CA only; give "
            "tls.authority.privateCa or tls.authority.arn"
        },
        _secret_certificates,
    ),
    Feature(
        "a short-lived Private CA",
        ("tls.authority.privateCa.usageMode",),
        {
            "appmesh": "App Mesh listeners take ACM certificates, and ACM cannot issue from a CA in "
            "short-lived certificate mode; use GENERAL_PURPOSE",
            "envoy": "each task's certificate is an ACM private certificate it exports at start, and "
            "ACM cannot issue from a CA in short-lived certificate mode; use GENERAL_PURPOSE",
        },
        _short_lived_ca,
    ),
)


def unsupported(compiled: CompiledMesh, dataplane: DataPlane) -> list[Problem]:
    """Every use of a feature `dataplane` cannot carry, by field path, with what to do instead."""
    info = INFO[dataplane]
    return [
        Problem(path, f"{info.title} (dataplane: {dataplane}) does not support {feature.name}: {instead}")
        for feature in FEATURES
        if (instead := feature.unsupported_on.get(dataplane)) is not None
        for path in feature.find(compiled)
    ]
