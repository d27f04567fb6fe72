"""App Mesh retry policies as Envoy `retry_policy`s (APPMESH.md §3).

Each App Mesh event is a set of Envoy `retry_on` conditions plus, for the HTTP status families,
explicit `retriable_status_codes`; several events are their union. Codes are listed instead of
Envoy's `5xx`/`gateway-error` because App Mesh's server-error leaves out 509, and listing them keeps
the two families expressed the same way.
"""

from __future__ import annotations

from typing import Any

from fargate_mesh.spec import RetryPolicy
from fargate_mesh.spec.durations import envoy_duration

SERVER_ERROR_CODES = (*range(500, 509), 510, 511)
GATEWAY_ERROR_CODES = (502, 503, 504)

# event → (retry_on conditions, retriable status codes)
EVENTS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "server-error": (("retriable-status-codes", "reset"), SERVER_ERROR_CODES),
    "gateway-error": (("retriable-status-codes", "reset"), GATEWAY_ERROR_CODES),
    "client-error": (("retriable-status-codes",), (409,)),
    "stream-error": (("refused-stream",), ()),
    "connection-error": (("connect-failure",), ()),
}

PREVIOUS_HOSTS = {
    "name": "envoy.retry_host_predicates.previous_hosts",
    "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"
    },
}


def retry_policy(policy: RetryPolicy | None) -> dict[str, Any]:
    """The Envoy retry policy for a route; None means App Mesh's hidden default."""
    if policy is None:
        return default_retry_policy()
    conditions: set[str] = set()
    codes: set[int] = set()
    for event in (*policy.http_retry_events, *policy.tcp_retry_events):
        on, status = EVENTS[event]
        conditions.update(on)
        codes.update(status)
    rendered: dict[str, Any] = {
        "retry_on": ",".join(sorted(conditions)),
        "num_retries": policy.max_retries,
        "per_try_timeout": envoy_duration(policy.per_retry_timeout),
    }
    if codes:
        rendered["retriable_status_codes"] = sorted(codes)
    return rendered


def default_retry_policy() -> dict[str, Any]:
    """What App Mesh applies when a route has no retry policy (envoy-defaults page, roadmap #229):
    two retries on 503, resets, refused streams and connect failures, each on another host."""
    return {
        "retry_on": "connect-failure,refused-stream,reset,retriable-status-codes,unavailable",
        "num_retries": 2,
        "retriable_status_codes": [503],
        "retry_host_predicate": [PREVIOUS_HOSTS],
    }
