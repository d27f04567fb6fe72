"""A microservice of the mesh: its versions, routes, policies and task sizing."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from fargate_mesh.facts import FARGATE_SIZES
from fargate_mesh.spec.base import Int, SpecModel, VersionName, Weight, check_port
from fargate_mesh.spec.errors import FieldProblems, Loc
from fargate_mesh.spec.policies import ConnectionPool, HealthCheck, OutlierDetection, RetryPolicy, Timeouts
from fargate_mesh.spec.rollout import Rollout
from fargate_mesh.spec.routes import Route
from fargate_mesh.spec.tls import ServiceTls

Protocol = Literal["http", "http2", "grpc"]

# Variables whatever starts the app sets itself, on every data plane (fargate_mesh.model.env): who and
# where the app is (APP_VERSION, PORT, HOST) and how its calls reach the sidecar (the proxy variables).
# A spec env that set one would be overridden on one data plane and not on another, so it is refused.
RESERVED_ENV = (
    "APP_VERSION",
    "APP_PROTOCOL",
    "PORT",
    "HOST",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
)


def _no_reserved(env: dict[str, str]) -> dict[str, str]:
    problems: list[tuple[Loc, str]] = [
        ((name,), f"{name} is set by the platform, not the spec (reserved: {', '.join(RESERVED_ENV)})")
        for name in env
        if name.upper() in RESERVED_ENV
    ]
    if problems:
        raise FieldProblems(problems)
    return env


# An app's environment variables as the spec gives them.
AppEnv = Annotated[dict[str, str], AfterValidator(_no_reserved)]


def fargate_memory_choices(cpu: int) -> str:
    """The memory sizes Fargate allows with `cpu` units, as users read them."""
    if cpu == 256:  # not a regular step: 512, 1024 or 2048 only
        return "512, 1024 or 2048"
    allowed = FARGATE_SIZES[cpu]
    return f"{allowed.start}..{allowed.stop - 1} in steps of {allowed.step}"


def check_fargate_size(cpu: int, memory: int) -> None:
    """Raise FieldProblems (at cpu or memory) for a size Fargate cannot run."""
    allowed = FARGATE_SIZES.get(cpu)
    if allowed is None:
        raise FieldProblems.at(
            "cpu", f"cpu must be one of {', '.join(map(str, FARGATE_SIZES))} units (got {cpu})"
        )
    if memory not in allowed or (cpu == 256 and memory == 1536):
        raise FieldProblems.at(
            "memory", f"memory {memory} MiB does not fit cpu {cpu}: use {fargate_memory_choices(cpu)} MiB"
        )


def _pool_problems(pool: ConnectionPool, protocol: str) -> list[tuple[Loc, str]]:
    """App Mesh's connection pool per listener protocol: http takes maxConnections (required) and
    maxPendingRequests; http2 and grpc take maxRequests (required)."""
    problems: list[tuple[Loc, str]] = []
    if protocol == "http":
        if pool.max_connections is None:
            problems.append(
                (
                    ("connectionPool", "maxConnections"),
                    "an http service's connection pool needs maxConnections",
                )
            )
        if pool.max_requests is not None:
            problems.append(
                (
                    ("connectionPool", "maxRequests"),
                    "maxRequests is for http2 and grpc services; an http service limits maxConnections and maxPendingRequests",
                )
            )
    else:
        if pool.max_requests is None:
            problems.append(
                (
                    ("connectionPool", "maxRequests"),
                    f"a {protocol} service's connection pool needs maxRequests",
                )
            )
        for key, value in (
            ("maxConnections", pool.max_connections),
            ("maxPendingRequests", pool.max_pending_requests),
        ):
            if value is not None:
                problems.append(
                    (
                        ("connectionPool", key),
                        f"{key} is for http services; a {protocol} service limits maxRequests",
                    )
                )
    return problems


class Autoscaling(SpecModel):
    """Target tracking on average CPU of each version's ECS service."""

    min_tasks: Int = Field(1, ge=1)
    max_tasks: Int = Field(ge=1, le=1000)
    target_cpu_percent: Int = Field(60, ge=10, le=90)

    @model_validator(mode="after")
    def _bounds(self) -> Autoscaling:
        if self.max_tasks < self.min_tasks:
            raise FieldProblems.at(
                "maxTasks", f"maxTasks ({self.max_tasks}) must be >= minTasks ({self.min_tasks})"
            )
        return self


class TaskSize(SpecModel):
    """Fargate task size in CPU units and MiB; only AWS's combinations are accepted."""

    cpu: Int = 512
    memory: Int = 1024

    @model_validator(mode="after")
    def _fits(self) -> TaskSize:
        check_fargate_size(self.cpu, self.memory)
        return self


class Version(SpecModel):
    """One deployable version: its own virtual node, task family and ECS service."""

    # The default route's weight. Routes, when written, carry their own weights and ignore this one,
    # so it may be left out there; without routes, weights must add up to 1..100.
    weight: Weight = 0
    image: str | None = None
    desired_count: Int | None = Field(None, ge=0, le=1000)
    env: AppEnv = Field(default_factory=dict)
    # A version no route sends traffic to must say why (e.g. "warming up before the canary").
    unrouted: str | None = None


class Service(SpecModel):
    port: Int = Field(8080, ge=1, le=65535)
    # More listener ports of the app (App Mesh: one virtual node and router listener per port).
    extra_ports: list[Annotated[Int, Field(ge=1, le=65535)]] = Field(default_factory=list)
    protocol: Protocol = "http"
    app: str | None = None
    image: str | None = None
    health_check: HealthCheck = Field(default_factory=HealthCheck)
    backends: list[str] = Field(default_factory=list)
    retry_policy: RetryPolicy | None = None
    timeout: Timeouts = Field(default_factory=Timeouts)
    listener_timeout: Timeouts | None = None
    connection_pool: ConnectionPool | None = None
    outlier_detection: OutlierDetection | None = None
    versions: dict[VersionName, Version] = Field(min_length=1)
    routes: list[Route] | None = Field(None, min_length=1)
    size: TaskSize = Field(default_factory=TaskSize)
    desired_count: Int = Field(1, ge=0, le=1000)
    autoscaling: Autoscaling | None = None
    # How ECS replaces a running revision where ECS shifts the traffic (dataplane: serviceConnect).
    rollout: Rollout | None = None
    env: AppEnv = Field(default_factory=dict)
    # Overrides the mesh's tls mode or mutual for this service's listener.
    tls: ServiceTls = Field(default_factory=ServiceTls)

    @field_validator("port")
    @classmethod
    def _not_envoy_port(cls, port: int) -> int:
        return check_port(port, "port")

    @field_validator("extra_ports")
    @classmethod
    def _extra_not_envoy(cls, ports: list[int]) -> list[int]:
        return [check_port(p, "extraPorts") for p in ports]

    @property
    def ports(self) -> list[int]:
        return [self.port, *self.extra_ports]

    @model_validator(mode="after")
    def _fits_protocol(self) -> Service:
        problems: list[tuple[Loc, str]] = []
        for i, extra in enumerate(self.extra_ports):
            if self.ports.index(extra) != i + 1:
                problems.append(
                    (("extraPorts", i), f"port {extra} is listed twice (port and extraPorts are distinct)")
                )
        if self.extra_ports and self.routes is None:
            problems.append((("extraPorts",), "a service with extraPorts needs routes, each with its port"))
        for i, route in enumerate(self.routes or []):
            if self.extra_ports and route.port is None:
                problems.append(
                    (("routes", i, "port"), "a service with extraPorts needs the port of each route")
                )
            if route.port is not None and route.port not in self.ports:
                shown = ", ".join(map(str, self.ports))
                problems.append(
                    (("routes", i, "port"), f"port {route.port} is not a port of the service ({shown})")
                )
        pool = self.connection_pool
        if pool is not None:
            problems += _pool_problems(pool, self.protocol)
        for loc, policy in [
            (("retryPolicy",), self.retry_policy),
            *((("routes", i, "retryPolicy"), r.retry_policy) for i, r in enumerate(self.routes or [])),
        ]:
            if policy is not None and policy.grpc_retry_events and self.protocol != "grpc":
                problems.append(
                    (
                        (*loc, "grpcRetryEvents"),
                        f"gRPC retry events need protocol: grpc (got {self.protocol})",
                    )
                )
        for i, route in enumerate(self.routes or []):
            problems += [
                (("routes", i, "match", *sub), message)
                for sub, message in route.match.protocol_problems(self.protocol)
            ]
        if problems:
            raise FieldProblems(problems)
        return self

    def desired_count_of(self, version: str) -> int:
        own = self.versions[version].desired_count
        return self.desired_count if own is None else own
