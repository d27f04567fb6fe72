"""A microservice of the mesh: its versions, routes, policies and task sizing."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from meshspec.base import SpecModel, VersionName
from meshspec.policies import HealthCheck, OutlierDetection, RetryPolicy, Timeouts
from meshspec.routes import Route

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


def check_fargate_size(cpu: int, memory: int) -> None:
    allowed = FARGATE_SIZES.get(cpu)
    if allowed is None:
        raise ValueError(f"cpu must be one of {sorted(FARGATE_SIZES)} (got {cpu})")
    if memory not in allowed:
        raise ValueError(
            f"memory {memory} MiB does not fit cpu {cpu}: use {allowed.start}..{allowed.stop - 1} "
            f"in steps of {allowed.step}"
        )
    # 256 CPU units allow 512, 1024, 2048 only
    if cpu == 256 and memory not in (512, 1024, 2048):
        raise ValueError("memory for cpu 256 must be 512, 1024 or 2048")


class Autoscaling(SpecModel):
    """Target tracking on average CPU of each version's ECS service."""

    min_tasks: int = Field(1, ge=1)
    max_tasks: int = Field(ge=1, le=1000)
    target_cpu_percent: int = Field(60, ge=10, le=90)

    @model_validator(mode="after")
    def _bounds(self) -> Autoscaling:
        if self.max_tasks < self.min_tasks:
            raise ValueError(f"maxTasks ({self.max_tasks}) must be >= minTasks ({self.min_tasks})")
        return self


class TaskSize(SpecModel):
    cpu: int = 512
    memory: int = 1024

    @model_validator(mode="after")
    def _fits(self) -> TaskSize:
        check_fargate_size(self.cpu, self.memory)
        return self


class Version(SpecModel):
    """One deployable version: its own virtual node, task family and ECS service."""

    weight: int = Field(ge=0, le=100)
    image: str | None = None
    desired_count: int | None = Field(None, ge=0, le=1000)
    env: dict[str, str] = Field(default_factory=dict)
    # A version no route sends traffic to must say why (e.g. "warming up before the canary").
    unrouted: str | None = None


class Service(SpecModel):
    port: int = Field(8080, ge=1, le=65535)
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
    desired_count: int = Field(1, ge=0, le=1000)
    autoscaling: Autoscaling | None = None
    env: dict[str, str] = Field(default_factory=dict)

    @field_validator("port")
    @classmethod
    def _not_envoy_port(cls, port: int) -> int:
        # The Envoy sidecar owns these ports inside the task (ingress, egress, admin).
        if port in (15000, 15001, 9901):
            raise ValueError(f"port {port} is used by the Envoy sidecar; pick another app port")
        return port

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

    def desired_count_of(self, version: str) -> int:
        own = self.versions[version].desired_count
        return self.desired_count if own is None else own
