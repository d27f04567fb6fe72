"""How a new revision of a service replaces the running one, on data planes where ECS shifts the
traffic (serviceConnect): an ECS deployment strategy with its percent and bake times.

Ranges are the ECS API's (botocore `ecs` model, DeploymentConfiguration, CanaryConfiguration and
LinearConfiguration): canary percent 0.1..100, linear step 3..100, both in multiples of 0.1; bake
times 0..1440 minutes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from fargate_mesh.spec.base import Int, SpecModel
from fargate_mesh.spec.errors import FieldProblems

RolloutStrategy = Literal["CANARY", "LINEAR", "BLUE_GREEN"]

MAX_BAKE_MINUTES = 1440
PERCENT_RANGE: dict[str, tuple[float, float]] = {"CANARY": (0.1, 100.0), "LINEAR": (3.0, 100.0)}
DEFAULT_PERCENT: dict[str, float] = {"CANARY": 5.0, "LINEAR": 10.0}  # the API's own defaults


class Rollout(SpecModel):
    """`strategy` CANARY: `percent` of traffic for `stepBakeMinutes`, then the rest. LINEAR: `percent`
    more every `stepBakeMinutes`. BLUE_GREEN: all at once. Every strategy keeps the old revision for
    `bakeMinutes` after the shift, and rolls back when the service's alarms fire."""

    strategy: RolloutStrategy
    percent: float | None = None
    step_bake_minutes: Int | None = Field(None, ge=0, le=MAX_BAKE_MINUTES)
    bake_minutes: Int = Field(10, ge=0, le=MAX_BAKE_MINUTES)

    @model_validator(mode="after")
    def _fits_strategy(self) -> Rollout:
        if self.strategy == "BLUE_GREEN":
            given = [
                f
                for f, v in (("percent", self.percent), ("stepBakeMinutes", self.step_bake_minutes))
                if v is not None
            ]
            if given:
                raise FieldProblems.at(
                    given[0],
                    f"{given[0]} applies to CANARY and LINEAR; BLUE_GREEN shifts all traffic at once",
                )
            return self
        if self.percent is not None:
            low, high = PERCENT_RANGE[self.strategy]
            tenths = round(self.percent * 10)
            if not low <= self.percent <= high or abs(tenths - self.percent * 10) > 1e-6:
                raise FieldProblems.at(
                    "percent",
                    f"{self.strategy} percent must be a multiple of 0.1 from {low} to {high} (got {self.percent})",
                )
        return self

    @property
    def traffic_percent(self) -> float | None:
        """The percent ECS shifts per step (CANARY, LINEAR), the API's default when not given."""
        if self.strategy == "BLUE_GREEN":
            return None
        return self.percent if self.percent is not None else DEFAULT_PERCENT[self.strategy]
