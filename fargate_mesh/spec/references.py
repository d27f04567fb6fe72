"""Checks that span objects: names that must exist, be unique or be reachable.

They read the raw mapping (camelCase keys, as in the stack file) defensively, so they run even
when other parts of the spec fail type checks and every problem is reported in one go.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fargate_mesh import naming
from fargate_mesh.spec.errors import Problem
from fargate_mesh.spec.matches import GatewayMatch, HttpMatch


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def check_references(mesh: Mapping[str, Any]) -> list[Problem]:
    services = _mapping(mesh.get("services"))
    external = _mapping(mesh.get("external"))
    problems: list[Problem] = []
    problems += _check_names_disjoint(services, external)
    problems += _check_gateway(_mapping(mesh.get("gateway")), services)
    problems += check_domain_in_zone(mesh)
    problems += _check_unique_resource_names(mesh, services, external)
    for name, service in services.items():
        service = _mapping(service)
        problems += _check_backends(name, service, services, external)
        problems += _check_routes(name, service)
    return problems


def _check_names_disjoint(services: Mapping[str, Any], external: Mapping[str, Any]) -> list[Problem]:
    return [
        Problem(f"external.{name}", f"name {name!r} is also a service; backends name one or the other")
        for name in external
        if name in services
    ]


def _check_unique_resource_names(
    mesh: Mapping[str, Any], services: Mapping[str, Any], external: Mapping[str, Any]
) -> list[Problem]:
    """Names the mesh derives (fargate_mesh.naming) must not collide: App Mesh and ECS would refuse the
    second one half-way through a deploy."""
    owners: dict[str, str] = {}
    problems = []
    mesh_name = mesh.get("name")

    def claim(name: str, path: str, owner: str) -> None:
        if name in owners:
            problems.append(
                Problem(
                    path,
                    f"its resource name {name!r} (virtual node, ECS service, task family) is already "
                    f"taken by {owners[name]}; rename one of them",
                )
            )
        else:
            owners[name] = owner

    if isinstance(mesh_name, str):
        gateway = naming.gateway_name(mesh_name)
        claim(gateway, "gateway", "the ingress gateway")
        if gateway in services:
            # Its log group would be the gateway's.
            problems.append(
                Problem(f"services.{gateway}", "this name is the ingress gateway's; rename the service")
            )
    for name in external:
        claim(naming.external_node_name(name), f"external.{name}", f"the external backend {name!r}")
    for name, service in services.items():
        for version in _mapping(_mapping(service).get("versions")):
            claim(
                naming.virtual_node_name(name, version),
                f"services.{name}.versions.{version}",
                f"services.{name}.versions.{version}",
            )
    namespace = mesh.get("namespace")
    hosts = (
        {naming.virtual_service_name(name, namespace): name for name in services}
        if isinstance(namespace, str)
        else {}
    )
    for name, backend in external.items():
        host = _mapping(backend).get("host")
        if isinstance(host, str) and host in hosts:
            problems.append(
                Problem(
                    f"external.{name}.host",
                    f"{host!r} is the virtual service name of service {hosts[host]!r}; an external host "
                    "must be outside the mesh's namespace",
                )
            )
    return problems


def check_domain_in_zone(mesh: Mapping[str, Any]) -> list[Problem]:
    """The domain must be the hosted zone or a name inside it (keys as in the spec)."""
    domain, zone = mesh.get("domain"), mesh.get("hostedZone")
    if isinstance(domain, str) and isinstance(zone, str):
        d, z = domain.rstrip(".").lower(), zone.rstrip(".").lower()
        if d != z and not d.endswith("." + z):
            return [Problem("domain", f"{domain!r} is not inside the hosted zone {zone!r}")]
    return []


def _check_gateway(gateway: Mapping[str, Any], services: Mapping[str, Any]) -> list[Problem]:
    problems = []
    seen_matches: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for i, route in enumerate(_list(gateway.get("routes"))):
        route = _mapping(route)
        path = f"gateway.routes[{i}]"
        target = route.get("service")
        if isinstance(target, str) and target not in services:
            problems.append(
                Problem(
                    f"{path}.service",
                    f"unknown service {target!r}; services are: {_names(services)}",
                )
            )
        match = _mapping(route.get("match"))
        if (first := _first_seen(seen_matches, _match_key(match, GatewayMatch), i)) is not None:
            problems.append(
                Problem(f"{path}.match", f"same match as gateway.routes[{first}]; one would never be used")
            )
        name = route.get("name") or _derived_gateway_route_name(target, match)
        if isinstance(name, str) and (first := _first_seen(seen_names, name, i)) is not None:
            problems.append(
                Problem(
                    f"{path}.name",
                    f"gateway route name {name!r} is used by gateway.routes[{first}]; set distinct names",
                )
            )
        if isinstance(target, str) and target in services:
            problems += _gateway_port(path, route.get("port"), _mapping(services[target]))
            protocol = _mapping(services[target]).get("protocol", "http")
            problems += _gateway_protocol(path, route, match, protocol)
    return problems


def _gateway_port(path: str, port: Any, service: Mapping[str, Any]) -> list[Problem]:
    """A gateway route's target port is one of its service's ports."""
    if not isinstance(port, int):
        return []
    ports = [service.get("port", 8080), *_list(service.get("extraPorts"))]
    if port in ports:
        return []
    return [
        Problem(f"{path}.port", f"port {port} is not a port of the service ({', '.join(map(str, ports))})")
    ]


def _gateway_protocol(
    path: str, route: Mapping[str, Any], match: Mapping[str, Any], protocol: Any
) -> list[Problem]:
    """A gateway route matches the way its service is called: gRPC keys for a grpc service, HTTP keys
    otherwise; a gRPC gateway route rewrites only the Host (App Mesh's GrpcGatewayRouteRewrite)."""
    if not isinstance(protocol, str):
        return []
    try:
        parsed = GatewayMatch.model_validate(match)
    except ValueError:
        return []  # reported where the match is validated
    problems = [
        Problem(f"{path}.match.{'.'.join(sub)}", message)
        for sub, message in parsed.protocol_problems(protocol)
    ]
    if protocol == "grpc":
        for key in ("prefix", "stripPrefix", "path"):
            if key in _mapping(route.get("rewrite")):
                problems.append(
                    Problem(
                        f"{path}.rewrite.{key}",
                        "a gRPC gateway route keeps the path; only rewrite.hostname applies",
                    )
                )
    return problems


def _first_seen(seen: dict[Any, int], key: Any, index: int) -> int | None:
    """The index that used `key` first, or None (and remember this one) when it is new."""
    if key in seen:
        return seen[key]
    seen[key] = index
    return None


def _match_key(match: Mapping[str, Any], model: type[HttpMatch]) -> str:
    """Equal for matches that select the same requests as written: {} and {prefix: /}, header name case."""
    try:
        parsed = model.model_validate(dict(match))
    except ValueError:
        # Already reported as a structural problem; compare as written.
        normal = dict(match)
        normal.setdefault("prefix", None if "path" in normal else "/")
        return json.dumps(normal, sort_keys=True, default=str)
    normal = parsed.model_dump(by_alias=True, exclude_defaults=True)
    normal["prefix"] = parsed.effective_prefix
    return json.dumps(normal, sort_keys=True, default=str)


def _derived_gateway_route_name(service: Any, match: Mapping[str, Any]) -> str | None:
    # Mirrors GatewayRoute.resource_name without needing a valid model.
    from fargate_mesh.spec.routes import GatewayRoute

    if not isinstance(service, str):
        return None
    try:
        return GatewayRoute.model_validate({"service": service, "match": dict(match)}).resource_name
    except ValueError:
        return None


def _check_backends(
    name: str, service: Mapping[str, Any], services: Mapping[str, Any], external: Mapping[str, Any]
) -> list[Problem]:
    problems = []
    backends = _list(service.get("backends"))
    for j, backend in enumerate(backends):
        if not isinstance(backend, str):
            continue
        if backend not in services and backend not in external:
            problems.append(
                Problem(
                    f"services.{name}.backends[{j}]",
                    f"unknown backend {backend!r}; declare it under services or external (known: {_names({**services, **external})})",
                )
            )
        if backends.index(backend) != j:
            problems.append(Problem(f"services.{name}.backends[{j}]", f"backend {backend!r} is listed twice"))
    return problems


def _check_routes(name: str, service: Mapping[str, Any]) -> list[Problem]:
    versions = _mapping(service.get("versions"))
    routes = service.get("routes")
    base = f"services.{name}"
    problems: list[Problem] = []
    reached: set[str] = set()
    if routes is None:
        weights = {v: _mapping(spec).get("weight", 0) for v, spec in versions.items()}
        numeric = {v: w for v, w in weights.items() if isinstance(w, int) and not isinstance(w, bool)}
        positive = [v for v, w in numeric.items() if w > 0]
        reached.update(positive)
        if len(numeric) == len(weights) and versions:
            total = sum(numeric.values())
            if not 1 <= total <= 100:
                problems.append(
                    Problem(
                        f"{base}.versions",
                        f"version weights must add up to 1..100 (got {total}); without routes they make the default route",
                        inputs=tuple(f"{base}.versions.{v}.weight" for v in weights),
                    )
                )
    else:
        names: dict[str, int] = {}
        matches: dict[str, int] = {}
        for i, route in enumerate(_list(routes)):
            route = _mapping(route)
            path = f"{base}.routes[{i}]"
            # Routes on different listener ports never see the same request.
            key = f"{route.get('port')}:{_match_key(_mapping(route.get('match')), HttpMatch)}"
            if (first := _first_seen(matches, key, i)) is not None:
                problems.append(
                    Problem(
                        f"{path}.match", f"same match as routes[{first}]; only one of them would ever be used"
                    )
                )
            rname = route.get("name")
            if isinstance(rname, str) and (first := _first_seen(names, rname, i)) is not None:
                problems.append(Problem(f"{path}.name", f"route name {rname!r} is used by routes[{first}]"))
            for version, weight in _mapping(route.get("targets")).items():
                if version not in versions:
                    problems.append(
                        Problem(
                            f"{path}.targets.{version}",
                            f"unknown version {version!r}; versions are: {_names(versions)}",
                        )
                    )
                elif isinstance(weight, int) and weight > 0:
                    reached.add(version)
    for version, spec in versions.items():
        unrouted = _mapping(spec).get("unrouted")
        if version not in reached and not unrouted:
            problems.append(
                Problem(
                    f"{base}.versions.{version}",
                    "no route sends traffic to this version; give it weight, add it to a route, or say why with unrouted: <reason>",
                )
            )
        elif version in reached and unrouted:
            # A stale reason would mislead whoever reads the spec next.
            problems.append(
                Problem(
                    f"{base}.versions.{version}.unrouted",
                    "this version does receive traffic; remove unrouted or its weights",
                )
            )
    problems += _check_retry_budget(base, service, _list(routes) if routes is not None else [])
    return problems


def _check_retry_budget(base: str, service: Mapping[str, Any], routes: list[Any]) -> list[Problem]:
    """Retries that cannot fit in the per-request timeout would be cut off: say so now."""
    from fargate_mesh.spec.durations import parse_duration_ms

    def ms(value: Any, default: int) -> int | None:
        if value is None:
            return default
        try:
            return parse_duration_ms(value)
        except ValueError:
            return None

    problems = []
    # (where the problem is reported, the retry policy and the timeout in force, where each is written)
    service_retry = (_mapping(service.get("retryPolicy")), f"{base}.retryPolicy")
    service_timeout = (_mapping(service.get("timeout")), f"{base}.timeout")
    candidates = [(base, service_retry, service_timeout)]
    for i, route in enumerate(routes):
        route = _mapping(route)
        if not route.get("retryPolicy") and not route.get("timeout"):
            continue  # inherits the service's policies, checked above
        at = f"{base}.routes[{i}]"
        candidates.append(
            (
                at,
                (_mapping(route.get("retryPolicy")), f"{at}.retryPolicy")
                if route.get("retryPolicy")
                else service_retry,
                (_mapping(route.get("timeout")), f"{at}.timeout")
                if route.get("timeout")
                else service_timeout,
            )
        )
    for path, (retry, retry_at), (timeout, timeout_at) in candidates:
        if not retry:
            continue
        per_retry = ms(retry.get("perRetryTimeout"), 0)
        per_request = ms(timeout.get("perRequest"), 15_000)
        retries = retry.get("maxRetries")
        if (
            per_retry
            and per_request
            and isinstance(retries, int)
            and retries > 0
            and per_request < per_retry * retries
        ):
            problems.append(
                Problem(
                    f"{path}.timeout.perRequest",
                    f"{per_request} ms cannot fit {retries} retries of {per_retry} ms; raise perRequest to at least {per_retry * retries} ms or lower maxRetries",
                    inputs=(
                        f"{retry_at}.maxRetries",
                        f"{retry_at}.perRetryTimeout",
                        f"{timeout_at}.perRequest",
                    ),
                )
            )
    return problems


def _names(items: Mapping[Any, Any]) -> str:
    return ", ".join(sorted(map(str, items))) or "(none)"
