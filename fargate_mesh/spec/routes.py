"""Routes: a service's router routes over its versions, and the gateway's routes into services."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from fargate_mesh import naming
from fargate_mesh.spec.base import Int, SpecModel, Weight, check_path, check_resource_name
from fargate_mesh.spec.errors import FieldProblems
from fargate_mesh.spec.matches import GatewayMatch, HttpMatch, MatchText
from fargate_mesh.spec.policies import RetryPolicy, Timeouts


class Route(SpecModel):
    """One virtual router route: a match, weighted targets over versions, optional policy overrides."""

    name: str
    priority: Int | None = Field(None, ge=0, le=1000)
    match: HttpMatch = Field(default_factory=HttpMatch)
    # Each weight's range is checked per version (its own path); count and sum below.
    targets: dict[str, Weight] = Field(min_length=1)
    retry_policy: RetryPolicy | None = None
    timeout: Timeouts | None = None
    # The service listener port this route serves and sends to (App Mesh's match.port and target port).
    port: Int | None = Field(None, ge=1, le=65535)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_resource_name(value, "route name")

    @field_validator("targets")
    @classmethod
    def _weights(cls, targets: dict[str, int]) -> dict[str, int]:
        # How many targets a data plane takes is its own limit (model/capabilities.py).
        total = sum(targets.values())
        if not 1 <= total <= 100:
            raise ValueError(f"weights must add up to 1..100 (got {total})")
        return targets


class Rewrite(SpecModel):
    """Gateway rewrites. App Mesh strips the matched prefix by default; this product keeps the path
    unless asked (`prefix: /new/`, or `stripPrefix: true` for App Mesh's default)."""

    prefix: str | None = None
    strip_prefix: bool = False
    # The whole path becomes this one (App Mesh's rewrite.path.exact); needs a path match.
    path: MatchText | None = None
    hostname: bool = True

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        if value is None:
            return None
        check_path(value, "rewrite prefix")
        if not value.endswith("/"):
            raise ValueError(f"rewrite prefix {value!r} must start and end with '/'")
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        return None if value is None else check_path(value, "rewrite path")

    @model_validator(mode="after")
    def _one(self) -> Rewrite:
        given = [
            k
            for k, v in (("prefix", self.prefix), ("stripPrefix", self.strip_prefix), ("path", self.path))
            if v
        ]
        if len(given) > 1:
            raise ValueError(f"rewrite takes one of prefix, stripPrefix, path (got {', '.join(given)})")
        return self

    @property
    def rewrites_path(self) -> bool:
        return self.prefix is not None or self.strip_prefix or self.path is not None

    def describe(self) -> str:
        if self.prefix is not None:
            return f"prefix rewritten to {self.prefix}"
        if self.path is not None:
            return f"path rewritten to {self.path}"
        return "prefix stripped" if self.strip_prefix else "path kept"


class GatewayRoute(SpecModel):
    """Routes requests that reach the ingress gateway to one service."""

    name: str | None = None
    service: str
    priority: Int | None = Field(None, ge=0, le=1000)
    match: GatewayMatch = Field(default_factory=GatewayMatch)
    rewrite: Rewrite = Field(default_factory=Rewrite)
    # The service's listener port to send to (App Mesh's target port); its `port` when not given.
    port: Int | None = Field(None, ge=1, le=65535)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else check_resource_name(value, "gateway route name")

    @model_validator(mode="after")
    def _rewrite_fits_match(self) -> GatewayRoute:
        field = "prefix" if self.rewrite.prefix is not None else "stripPrefix"
        if (self.rewrite.prefix is not None or self.rewrite.strip_prefix) and self.match.path is not None:
            raise FieldProblems(
                [(("rewrite", field), "a prefix rewrite needs a prefix match, not a path match")]
            )
        if self.rewrite.path is not None and self.match.path is None:
            raise FieldProblems(
                [
                    (
                        ("rewrite", "path"),
                        "a path rewrite needs a path match (exact or regex), not a prefix match",
                    )
                ]
            )
        prefix = self.match.effective_prefix or ""
        if self.rewrite.prefix is not None and not prefix.endswith("/"):
            raise FieldProblems(
                [
                    (
                        ("rewrite", "prefix"),
                        f"with a rewrite prefix, App Mesh needs the match prefix to end with '/' "
                        f"(got match prefix {prefix!r}; use {prefix + '/'!r})",
                    )
                ]
            )
        return self

    @property
    def resource_name(self) -> str:
        """Stable name: given, or derived from the service and the match (never from list order)."""
        return self.name or naming.gateway_route_name(self.service, self.match)
