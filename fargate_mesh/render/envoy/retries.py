"""Retry policies (model.Retry) as Envoy `retry_policy`s.

Each event is a set of Envoy `retry_on` conditions plus, for the HTTP status families, explicit
`retriable_status_codes`; several events are their union. Codes are listed instead of Envoy's
`5xx`/`gateway-error` because App Mesh's server-error leaves out 509, and listing them keeps the
families expressed the same way. The mapping follows the App Mesh API reference (HttpRetryPolicy)
and Envoy's router filter documentation (x-envoy-retry-on, x-envoy-retry-grpc-on).
"""

from __future__ import annotations

from typing import Any

from fargate_mesh.model import Retry
from fargate_mesh.model.policies import RetryEvent
from fargate_mesh.render.envoy.durations import envoy_duration

SERVER_ERROR_CODES = (*range(500, 509), 510, 511)
GATEWAY_ERROR_CODES = (502, 503, 504)

# event → (retry_on conditions, retriable status codes)
EVENTS: dict[RetryEvent, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "server-error": (("retriable-status-codes", "reset"), SERVER_ERROR_CODES),
    "gateway-error": (("retriable-status-codes", "reset"), GATEWAY_ERROR_CODES),
    "client-error": (("retriable-status-codes",), (409,)),
    "stream-error": (("refused-stream",), ()),
    "connection-error": (("connect-failure",), ()),
    # HTTP 503, and gRPC's UNAVAILABLE for gRPC calls.
    "service-unavailable": (("retriable-status-codes", "unavailable"), (503,)),
    "reset": (("reset",), ()),
    # gRPC status codes in the response's grpc-status (x-envoy-retry-grpc-on's names are App Mesh's).
    "cancelled": (("cancelled",), ()),
    "deadline-exceeded": (("deadline-exceeded",), ()),
    "internal": (("internal",), ()),
    "resource-exhausted": (("resource-exhausted",), ()),
    "unavailable": (("unavailable",), ()),
}

PREVIOUS_HOSTS = {
    "name": "envoy.retry_host_predicates.previous_hosts",
    "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"
    },
}


def retry_policy(retry: Retry) -> dict[str, Any]:
    conditions: set[str] = set()
    codes: set[int] = set()
    for event in retry.events:
        on, status = EVENTS[event]
        conditions.update(on)
        codes.update(status)
    rendered: dict[str, Any] = {"retry_on": ",".join(sorted(conditions)), "num_retries": retry.max_retries}
    if retry.per_try_timeout_ms is not None:
        rendered["per_try_timeout"] = envoy_duration(retry.per_try_timeout_ms)
    if codes:
        rendered["retriable_status_codes"] = sorted(codes)
    if retry.other_host:
        rendered["retry_host_predicate"] = [PREVIOUS_HOSTS]
    return rendered
