"""The route table a person reads: gateway route → virtual service → router route → versions.

Routes are listed in the order Envoy evaluates them (the renderer's ordering), so the first line
that matches a request is the one that serves it.
"""

from __future__ import annotations

from fargate_mesh.render.envoy.ordering import ordered
from fargate_mesh.spec import Mesh, RetryPolicy, Route, Service, Timeouts
from fargate_mesh.spec.durations import format_duration


def _share(weight: int, total: int) -> str:
    if weight == 0:
        return "0 (no traffic)"
    share = 100 * weight / total
    text = f"{share:.0f}%" if share == int(share) else f"{share:.1f}%"
    # Weights are relative: show the written weight too when they do not add up to 100.
    return text if total == 100 else f"{weight} ({text})"


def describe_targets(targets: dict[str, int]) -> str:
    total = sum(targets.values())
    return ", ".join(f"{version} {_share(weight, total)}" for version, weight in targets.items())


def describe_retries(policy: RetryPolicy | None) -> str:
    if policy is None:
        return "retries: App Mesh default (2 on 503, reset, connect-failure, refused stream)"
    if policy.max_retries == 0:
        return "retries: none"
    events = ", ".join([*policy.http_retry_events, *policy.tcp_retry_events])
    return f"retries: {policy.max_retries} x {format_duration(policy.per_retry_timeout)} on {events}"


def describe_timeout(timeout: Timeouts) -> str:
    per_request = "none" if timeout.per_request == 0 else format_duration(timeout.per_request)
    return f"timeout: {per_request} per request, idle {format_duration(timeout.idle)}"


def _policy(service: Service, route: Route) -> str:
    retry = route.retry_policy if route.retry_policy is not None else service.retry_policy
    timeout = route.timeout if route.timeout is not None else service.timeout
    return f"{describe_retries(retry)}; {describe_timeout(timeout)}"


def _rewrite(mesh: Mesh, index: int) -> str:
    rewrite = mesh.gateway.routes[index].rewrite
    if rewrite.prefix is not None:
        return f"prefix rewritten to {rewrite.prefix}"
    return "prefix stripped" if rewrite.strip_prefix else "path kept"


def route_table(mesh: Mesh, gateway: str | None = None) -> list[str]:
    """gateway: where the gateway listens, when running (default: the spec's port)."""
    where_gateway = gateway or f"port {mesh.gateway.port}"
    lines = [f"mesh {mesh.name}: gateway {where_gateway}, routes in match order"]
    indexed = {id(route): i for i, route in enumerate(mesh.gateway.routes)}
    for gateway_route in ordered(mesh.gateway.routes):
        name = gateway_route.service
        service = mesh.services[name]
        where = f"{mesh.virtual_service_name(name)}:{service.port}"
        rewrite = _rewrite(mesh, indexed[id(gateway_route)])
        lines.append(f"  gateway {gateway_route.match.describe()} ({rewrite}) → {where}")
        routes = ordered(service.effective_routes())
        width = max(len(r.name) for r in routes)
        match_width = max(len(r.match.describe()) for r in routes)
        for route in routes:
            priority = "" if route.priority is None else f"prio {route.priority}"
            lines.append(
                f"      {priority:<8}  {route.name:<{width}}  {route.match.describe():<{match_width}}"
                f"  → {describe_targets(route.targets)}"
            )
            lines.append(f"      {'':<8}  {'':<{width}}  {_policy(service, route)}")
    unrouted = sorted(set(mesh.services) - {r.service for r in mesh.gateway.routes})
    if unrouted:
        lines.append(f"  not behind the gateway (backends only): {', '.join(unrouted)}")
    lines.append("backends (what each service may call; anything else is refused):")
    name_width = max(map(len, mesh.services))
    for name, service in mesh.services.items():
        called = [
            f"{mesh.virtual_service_name(b)}:{mesh.external[b].port} (external)"
            if b in mesh.external
            else f"{mesh.virtual_service_name(b)}:{mesh.services[b].port}"
            for b in service.backends
        ]
        lines.append(f"  {name:<{name_width}} → {', '.join(called) or 'none'}")
    return lines
