"""A microservice of the mesh: its versions, routes, policies and task sizing."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from fargate_mesh.spec.base import Int, SpecModel, VersionName, Weight, check_port
from fargate_mesh.spec.durations import format_duration
from fargate_mesh.spec.errors import FieldProblems
from fargate_mesh.spec.policies import HealthCheck, OutlierDetection, RetryPolicy, Timeouts
from fargate_mesh.spec.routes import Route

Protocol = Literal["http", "http2"]

# Fargate task sizes: CPU units → allowed memory (MiB).
FARGATE_SIZES: dict[int, range] = {
    256: range(512, 2049, 512),
    512: range(1024, 4097, 1024),
    1024: range(2048, 8193, 1024),
    2048: range(4096, 16385, 1024),
    4096: range(8192, 30721, 1024),
    8192: range(16384, 61441, 4096),
    16384: range(32768, 122881, 8192),
}


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
    env: dict[str, str] = Field(default_factory=dict)
    # A version no route sends traffic to must say why (e.g. "warming up before the canary").
    unrouted: str | None = None


class Service(SpecModel):
    port: Int = Field(8080, ge=1, le=65535)
    protocol: Protocol = "http"
    app: str | None = None
    image: str | None = None
    health_check: HealthCheck = Field(default_factory=HealthCheck)
    backends: list[str] = Field(default_factory=list, max_length=50)
    retry_policy: RetryPolicy | None = None
    timeout: Timeouts = Field(default_factory=Timeouts)
    outlier_detection: OutlierDetection | None = None
    versions: dict[VersionName, Version] = Field(min_length=1)
    routes: list[Route] | None = Field(None, min_length=1, max_length=50)
    size: TaskSize = Field(default_factory=TaskSize)
    desired_count: Int = Field(1, ge=0, le=1000)
    autoscaling: Autoscaling | None = None
    env: dict[str, str] = Field(default_factory=dict)

    @field_validator("port")
    @classmethod
    def _not_envoy_port(cls, port: int) -> int:
        # The Envoy sidecar shares the task's network namespace and owns these ports.
        return check_port(port, "port")

    def effective_routes(self) -> list[Route]:
        """The router's routes: as written, or one catch-all over the versions' weights."""
        if self.routes is not None:
            return list(self.routes)
        return [
            Route(
                name="default",
                targets={name: v.weight for name, v in self.versions.items() if v.weight > 0},
            )
        ]

    def listener_timeouts(self, version: str) -> Timeouts:
        """The timeouts of this version's node listener: the widest of the service's and of every route
        that targets the version (0, disabled, is the widest). App Mesh cuts a request at the route and
        again at the target node's listener, so a route timeout above the service's only works when
        the listener allows it too (APPMESH.md §1)."""
        candidates = [self.timeout] + [
            r.timeout for r in self.effective_routes() if r.timeout is not None and version in r.targets
        ]

        def widest(values: list[int]) -> int:
            return 0 if 0 in values else max(values)

        per_request = widest([t.per_request for t in candidates])
        idle = widest([t.idle for t in candidates])
        return Timeouts.model_validate(
            {"perRequest": format_duration(per_request), "idle": format_duration(idle)}
        )

    def desired_count_of(self, version: str) -> int:
        own = self.versions[version].desired_count
        return self.desired_count if own is None else own
