"""What a request meets on a route: its retry policy and its timeouts, as the spec means them.

A route's own retry policy or timeout replaces its service's; with neither given, App Mesh's
behaviour is the spec's meaning on every data plane:
- no retry policy means App Mesh's default: 2 retries on HTTP 503, connection resets, connect
  failures and refused streams, each on another host when there is one (App Mesh user guide,
  "Envoy defaults set by App Mesh": default route retry policy);
- timeouts default to 15 s per request (0 disables it) and 300 s idle (spec/policies.py).
A version's listener takes the widest timeout of its service's `listenerTimeout` (else its `timeout`)
and of every route that targets it:
App Mesh cuts a request at the route and again at the target node's listener, so a route timeout
above the service's only works when the listener allows it too (App Mesh user guide, "Virtual nodes":
a timeout above the default must be set on the route and on every participating listener).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from fargate_mesh.model.routes import router_routes
from fargate_mesh.spec import RetryPolicy, Route, Service, Timeouts
from fargate_mesh.spec.policies import DEFAULT_IDLE_MS, DEFAULT_PER_REQUEST_MS

# The spec's events (spec/policies.py), plus two conditions only App Mesh's default retries on.
RetryEvent = Literal[
    "server-error",  # HTTP 500-508, 510, 511, and resets
    "gateway-error",  # HTTP 502, 503, 504, and resets
    "client-error",  # HTTP 409
    "stream-error",  # a refused stream
    "connection-error",  # a failed connect
    "service-unavailable",  # HTTP 503
    "reset",  # a connection reset
    # gRPC status codes (gRPC routes)
    "cancelled",
    "deadline-exceeded",
    "internal",
    "resource-exhausted",
    "unavailable",
]
TCP_EVENTS: tuple[RetryEvent, ...] = ("connection-error",)
GRPC_EVENTS: tuple[RetryEvent, ...] = (
    "cancelled",
    "deadline-exceeded",
    "internal",
    "resource-exhausted",
    "unavailable",
)


@dataclass(frozen=True)
class Retry:
    """A retry policy as the caller's proxy applies it."""

    max_retries: int
    # None: a retry may take what is left of the request's timeout.
    per_try_timeout_ms: int | None
    events: tuple[RetryEvent, ...]
    # Send each retry to a host not tried yet, when there is one.
    other_host: bool = False

    @property
    def http_events(self) -> tuple[RetryEvent, ...]:
        return tuple(e for e in self.events if e not in TCP_EVENTS and e not in GRPC_EVENTS)

    @property
    def grpc_events(self) -> tuple[RetryEvent, ...]:
        return tuple(e for e in self.events if e in GRPC_EVENTS)

    @property
    def tcp_events(self) -> tuple[RetryEvent, ...]:
        return tuple(e for e in self.events if e in TCP_EVENTS)


APP_MESH_DEFAULT_RETRY = Retry(
    max_retries=2,
    per_try_timeout_ms=None,
    events=("service-unavailable", "reset", "connection-error", "stream-error"),
    other_host=True,
)


@dataclass(frozen=True)
class Timeout:
    """Milliseconds; 0 disables a timeout (App Mesh's meaning, and Envoy's)."""

    per_request_ms: int
    idle_ms: int


DEFAULT_TIMEOUT = Timeout(DEFAULT_PER_REQUEST_MS, DEFAULT_IDLE_MS)


@dataclass(frozen=True)
class RoutePolicy:
    retry: Retry
    # False: the spec gave none, and `retry` is APP_MESH_DEFAULT_RETRY.
    retry_given: bool
    timeout: Timeout
    # The spec fields the policy comes from (None: nothing written, the default applies), so a data
    # plane that cannot honour one can say where it is written.
    retry_source: str | None = None
    timeout_source: str | None = None


# An external backend is provided by a DNS virtual node with no router: App Mesh's defaults apply
# (App Mesh offers no retry policy for node providers).
DEFAULT_POLICY = RoutePolicy(APP_MESH_DEFAULT_RETRY, retry_given=False, timeout=DEFAULT_TIMEOUT)


def retry_of(policy: RetryPolicy) -> Retry:
    return Retry(
        max_retries=policy.max_retries,
        per_try_timeout_ms=policy.per_retry_timeout,
        events=(*policy.http_retry_events, *policy.tcp_retry_events, *policy.grpc_retry_events),
    )


def timeout_of(timeouts: Timeouts) -> Timeout:
    return Timeout(timeouts.per_request, timeouts.idle)


def route_policy(route: Route, service: Service, route_path: str = "", service_path: str = "") -> RoutePolicy:
    """The route's own retry policy and timeout, else its service's. The paths say where each is written
    (RoutePolicy's sources)."""
    retry_spec: RetryPolicy | None
    retry_source: str | None
    timeout_source: str | None
    if route.retry_policy is not None:
        retry_spec, retry_source = route.retry_policy, f"{route_path}.retryPolicy"
    elif service.retry_policy is not None:
        retry_spec, retry_source = service.retry_policy, f"{service_path}.retryPolicy"
    else:
        retry_spec, retry_source = None, None
    if route.timeout is not None:
        timeouts, timeout_source = route.timeout, f"{route_path}.timeout"
    else:
        written = "timeout" in service.model_fields_set
        timeouts, timeout_source = service.timeout, f"{service_path}.timeout" if written else None
    return RoutePolicy(
        retry=APP_MESH_DEFAULT_RETRY if retry_spec is None else retry_of(retry_spec),
        retry_given=retry_spec is not None,
        timeout=timeout_of(timeouts),
        retry_source=retry_source,
        timeout_source=timeout_source,
    )


def listener_timeout(service: Service, version: str) -> Timeout:
    """A version's listener timeout: the widest of its service's listener timeout (`listenerTimeout`,
    else `timeout`) and of every route that sets its own and targets the version (with any weight:
    App Mesh checks the listener of every target)."""
    own = [
        timeout_of(route.timeout)
        for route in router_routes(service)
        if route.timeout is not None and version in route.targets
    ]
    listener = service.listener_timeout if service.listener_timeout is not None else service.timeout
    return widest([timeout_of(listener), *own])


def widest(timeouts: Iterable[Timeout]) -> Timeout:
    """The timeout that cuts no request any of `timeouts` allows: the longest, and 0 (none) above all."""
    values = list(timeouts)

    def most(ms: list[int]) -> int:
        return 0 if 0 in ms else max(ms)

    return Timeout(most([t.per_request_ms for t in values]), most([t.idle_ms for t in values]))
