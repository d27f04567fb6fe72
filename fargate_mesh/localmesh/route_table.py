"""The route table a person reads: gateway route → virtual service → router route → versions.

Routes are listed in the order they are evaluated (model/ordering.py), so the first line that matches
a request is the one that serves it, with the policy the compiled mesh gives each route.
"""

from __future__ import annotations

from fargate_mesh.model import CompiledGatewayRoute, CompiledMesh, Retry, RoutePolicy, Target, Timeout
from fargate_mesh.spec.durations import format_duration


def _share(weight: int, total: int) -> str:
    if weight == 0:
        return "0 (no traffic)"
    share = 100 * weight / total
    text = f"{share:.0f}%" if share == int(share) else f"{share:.1f}%"
    # Weights are relative: show the written weight too when they do not add up to 100.
    return text if total == 100 else f"{weight} ({text})"


def describe_targets(targets: tuple[Target, ...]) -> str:
    total = sum(t.weight for t in targets)
    return ", ".join(f"{t.version} {_share(t.weight, total)}" for t in targets)


def describe_retry(retry: Retry) -> str:
    if retry.max_retries == 0:
        return "none"
    timeout = "" if retry.per_try_timeout_ms is None else f" x {format_duration(retry.per_try_timeout_ms)}"
    return f"{retry.max_retries}{timeout} on {', '.join(retry.events)}"


def describe_retries(policy: RoutePolicy) -> str:
    if not policy.retry_given:
        return f"retries: App Mesh default ({describe_retry(policy.retry)})"
    return f"retries: {describe_retry(policy.retry)}"


def describe_timeout(timeout: Timeout) -> str:
    per_request = "none" if timeout.per_request_ms == 0 else format_duration(timeout.per_request_ms)
    return f"timeout: {per_request} per request, idle {format_duration(timeout.idle_ms)}"


def _rewrite(route: CompiledGatewayRoute) -> str:
    return route.rewrite.describe()


def route_table(mesh: CompiledMesh, gateway: str | None = None) -> list[str]:
    """gateway: where the gateway listens, when running (default: the spec's port)."""
    where_gateway = gateway or f"port {mesh.gateway.port}"
    lines = [f"mesh {mesh.name}: gateway {where_gateway}, routes in match order"]
    for gateway_route in mesh.gateway.routes:
        service = mesh.services[gateway_route.service]
        where = f"{service.dns_name}:{service.port}"
        lines.append(f"  gateway {gateway_route.match.describe()} ({_rewrite(gateway_route)}) → {where}")
        width = max(len(r.name) for r in service.routes)
        match_width = max(len(r.match.describe()) for r in service.routes)
        for route in service.routes:
            priority = "" if route.priority is None else f"prio {route.priority}"
            lines.append(
                f"      {priority:<8}  {route.name:<{width}}  {route.match.describe():<{match_width}}"
                f"  → {describe_targets(route.written_targets)}"
            )
            policy = f"{describe_retries(route.policy)}; {describe_timeout(route.policy.timeout)}"
            lines.append(f"      {'':<8}  {'':<{width}}  {policy}")
    unrouted = sorted(set(mesh.services) - {r.service for r in mesh.gateway.routes})
    if unrouted:
        lines.append(f"  not behind the gateway (backends only): {', '.join(unrouted)}")
    lines.append("backends (what each service may call; anything else is refused):")
    name_width = max(map(len, mesh.services))
    for name, service in mesh.services.items():
        called = [f"{c.dns_name}:{c.port}" + (" (external)" if c.external else "") for c in service.callees]
        lines.append(f"  {name:<{name_width}} → {', '.join(called) or 'none'}")
    return lines
