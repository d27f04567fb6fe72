"""Traffic policies: health checks, retries, timeouts, outlier detection, with App Mesh's ranges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field, field_validator, model_validator

from fargate_mesh.spec.base import Int, SpecModel, check_path
from fargate_mesh.spec.durations import DurationMs, format_duration
from fargate_mesh.spec.errors import FieldProblems, Loc

HttpRetryEvent = Literal["server-error", "gateway-error", "client-error", "stream-error"]
TcpRetryEvent = Literal["connection-error"]
# gRPC status codes a gRPC route may retry on (App Mesh's GrpcRetryPolicy, Envoy's x-envoy-retry-grpc-on).
GrpcRetryEvent = Literal["cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"]

# App Mesh's defaults, made explicit so both renderers agree on them.
DEFAULT_PER_REQUEST_MS = 15_000
DEFAULT_IDLE_MS = 300_000


def _within(ms: int, low: int, high: int, field: str) -> int:
    if not low <= ms <= high:
        raise ValueError(
            f"{field} must be between {format_duration(low)} and {format_duration(high)} "
            f"(got {format_duration(ms)})"
        )
    return ms


class HealthCheck(SpecModel):
    """Active health check of a version's app, run by its Envoy (App Mesh listener health check)."""

    path: str = "/health"
    healthy_threshold: Int = Field(2, ge=2, le=10)
    unhealthy_threshold: Int = Field(2, ge=2, le=10)
    interval: DurationMs = 5_000
    timeout: DurationMs = 2_000

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        return check_path(value, "health check path")

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: int) -> int:
        return _within(value, 5_000, 300_000, "interval")

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: int) -> int:
        return _within(value, 2_000, 60_000, "timeout")


class RetryPolicy(SpecModel):
    """Retries made by the caller's Envoy. Without one, App Mesh silently retries twice."""

    max_retries: Int = Field(ge=0, le=25)
    per_retry_timeout: DurationMs
    http_retry_events: list[HttpRetryEvent] = Field(default_factory=list)
    tcp_retry_events: list[TcpRetryEvent] = Field(default_factory=list)
    grpc_retry_events: list[GrpcRetryEvent] = Field(default_factory=list)

    @field_validator("per_retry_timeout")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError(f"perRetryTimeout must be greater than 0 (got {format_duration(value)})")
        return value

    @model_validator(mode="after")
    def _needs_events(self) -> RetryPolicy:
        if not self.http_retry_events and not self.tcp_retry_events and not self.grpc_retry_events:
            raise ValueError(
                "a retry policy needs at least one event: httpRetryEvents from "
                "server-error, gateway-error, client-error, stream-error, or tcpRetryEvents [connection-error], "
                "or (gRPC services) grpcRetryEvents"
            )
        problems: list[tuple[Loc, str]] = []
        lists: tuple[tuple[str, Sequence[str]], ...] = (
            ("httpRetryEvents", self.http_retry_events),
            ("tcpRetryEvents", self.tcp_retry_events),
            ("grpcRetryEvents", self.grpc_retry_events),
        )
        for field, events in lists:
            for i, event in enumerate(events):
                if events.index(event) != i:
                    problems.append(((field, i), f"{event!r} is listed twice; list each event once"))
        if problems:
            raise FieldProblems(problems)
        return self


class Timeouts(SpecModel):
    """Per-request and idle timeouts; '0s' per request disables it (App Mesh semantics)."""

    per_request: DurationMs = DEFAULT_PER_REQUEST_MS
    idle: DurationMs = DEFAULT_IDLE_MS


class OutlierDetection(SpecModel):
    """Ejects a failing task from callers' load balancing; all four fields are required by App Mesh."""

    max_server_errors: Int = Field(ge=1)
    max_ejection_percent: Int = Field(ge=0, le=100)
    interval: DurationMs
    base_ejection_duration: DurationMs

    @field_validator("interval", "base_ejection_duration")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError(f"must be greater than 0 (got {format_duration(value)})")
        return value


class ConnectionPool(SpecModel):
    """Limits between a version's Envoy and its app (App Mesh's listener connection pool). Past them
    Envoy answers 503 at once instead of queueing. HTTP/1 services limit connections and pending
    requests; http2 and grpc services limit concurrent requests (streams on one connection)."""

    max_connections: Int | None = Field(None, ge=1)
    max_pending_requests: Int | None = Field(None, ge=1)
    max_requests: Int | None = Field(None, ge=1)
