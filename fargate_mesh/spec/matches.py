"""Request matches shared by service routes and gateway routes (App Mesh HTTP match semantics)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from fargate_mesh.spec.base import Int, SpecModel, check_path
from fargate_mesh.spec.errors import FieldProblems
from fargate_mesh.spec.regex import check_regex, re2_fullmatch

HttpMethod = Literal["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]
Scheme = Literal["http", "https"]

_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,50}$")


def _exactly_one(model: SpecModel, fields: tuple[str, ...], what: str) -> None:
    def alias(f: str) -> str:
        return type(model).model_fields[f].alias or f

    given = [alias(f) for f in fields if getattr(model, f) is not None]
    if len(given) != 1:
        names = ", ".join(alias(f) for f in fields)
        raise ValueError(f"{what} needs exactly one of {names} (got {', '.join(given) or 'none'})")


class Range(SpecModel):
    """Integer header value range; like App Mesh, start is inclusive and end exclusive."""

    start: Int
    end: Int

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.end <= self.start:
            raise FieldProblems.at(
                "end", f"range end ({self.end}) must be greater than start ({self.start}); end is exclusive"
            )
        return self


# App Mesh's limit on header match values and on exact/regex paths (botocore appmesh model).
MatchText = Annotated[str, Field(min_length=1, max_length=255)]


# A header match's rules: exactly one is given.
RULES = ("exact", "prefix", "suffix", "regex", "range", "present")


class HeaderMatch(SpecModel):
    name: str
    exact: MatchText | None = None
    prefix: MatchText | None = None
    suffix: MatchText | None = None
    regex: MatchText | None = None
    range: Range | None = None
    # True: the header is sent (any value); False: it is not sent. App Mesh's header match without a
    # `match` rule, inverted for False.
    present: bool | None = None
    invert: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _HEADER_NAME.match(value):
            raise ValueError(f"header name {value!r} must be 1-50 token characters")
        if value.startswith(":") or value.lower() in {"host"}:
            raise ValueError(f"header {value!r} cannot be matched; use hostname or method instead")
        return value.lower()

    @field_validator("regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return None if value is None else check_regex(value)

    @model_validator(mode="after")
    def _one_rule(self) -> HeaderMatch:
        _exactly_one(self, RULES, f"header {self.name!r}")
        if self.present is not None and self.invert:
            raise FieldProblems.at(
                "invert", "invert does not combine with present; write present: false for an absent header"
            )
        return self

    @property
    def rule(self) -> str:
        """The one rule given: exact, prefix, suffix, regex, range or present."""
        return next(k for k in RULES if getattr(self, k) is not None)


class QueryParameterMatch(SpecModel):
    """App Mesh matches a query parameter by exact value, or by its presence (a match without a value)."""

    name: str = Field(min_length=1, max_length=50)
    exact: str | None = None
    present: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> QueryParameterMatch:
        _exactly_one(self, ("exact", "present"), f"query parameter {self.name!r}")
        return self


class PathMatch(SpecModel):
    exact: MatchText | None = None
    regex: MatchText | None = None

    @field_validator("exact")
    @classmethod
    def _exact(cls, value: str | None) -> str | None:
        return None if value is None else check_path(value, "path")

    @field_validator("regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return None if value is None else check_regex(value)

    @model_validator(mode="after")
    def _one_rule(self) -> PathMatch:
        _exactly_one(self, ("exact", "regex"), "path")
        return self


# A gRPC service or method name: letters, digits, `_` and `.` (protobuf's full names).
GrpcName = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$")]

# (field, key) pairs of HTTP-only and gRPC-only match keys.
HTTP_ONLY = (
    ("prefix", "prefix"),
    ("path", "path"),
    ("headers", "headers"),
    ("query_parameters", "queryParameters"),
    ("method", "method"),
    ("scheme", "scheme"),
)
GRPC_ONLY = (("service_name", "serviceName"), ("method_name", "methodName"), ("metadata", "metadata"))


class HttpMatch(SpecModel):
    """Prefix or path, plus optional headers, query parameters and method.

    With neither prefix nor path the match is the catch-all prefix '/'.
    """

    prefix: str | None = None
    path: PathMatch | None = None
    headers: list[HeaderMatch] = Field(default_factory=list)
    query_parameters: list[QueryParameterMatch] = Field(default_factory=list)
    method: HttpMethod | None = None
    scheme: Scheme | None = None
    # gRPC (services with protocol: grpc): the fully qualified service, one of its methods, and
    # request metadata (gRPC's headers). A gRPC call is POST /<serviceName>/<methodName>.
    service_name: GrpcName | None = None
    method_name: GrpcName | None = None
    metadata: list[HeaderMatch] = Field(default_factory=list)

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        return None if value is None else check_path(value, "prefix")

    @model_validator(mode="after")
    def _prefix_or_path(self) -> HttpMatch:
        if self.prefix is not None and self.path is not None:
            raise ValueError(
                f"a match takes prefix or path, not both (got prefix {self.prefix!r} and a path match)"
            )
        if self.method_name is not None and self.service_name is None:
            raise FieldProblems.at("methodName", "methodName needs serviceName (App Mesh's rule)")
        return self

    @property
    def is_grpc(self) -> bool:
        return self.service_name is not None or bool(self.metadata)

    def protocol_problems(self, protocol: str) -> list[tuple[tuple[str, ...], str]]:
        """Keys this match uses that a service of `protocol` cannot match on, each at its key."""
        if protocol == "grpc":
            http_keys = [k for k in HTTP_ONLY if getattr(self, k[0]) not in (None, [])]
            return [
                (
                    (alias,),
                    f"a gRPC service's routes match on serviceName, methodName and metadata, not {alias}",
                )
                for _, alias in http_keys
            ]
        grpc_keys = [alias for field, alias in GRPC_ONLY if getattr(self, field) not in (None, [])]
        return [
            ((alias,), f"{alias} matches gRPC calls; the service's protocol is {protocol}, not grpc")
            for alias in grpc_keys
        ]

    def literal_path(self) -> tuple[str, str] | None:
        """("prefix" | "path", value) of a literal path rule; None for a regex path. A gRPC match's
        path is its service (prefix /<service>/) or its method (path /<service>/<method>)."""
        if self.service_name is not None:
            if self.method_name is not None:
                return ("path", f"/{self.service_name}/{self.method_name}")
            return ("prefix", f"/{self.service_name}/")
        if self.path is None:
            return ("prefix", self.effective_prefix or "/")
        if self.path.exact is not None:
            return ("path", self.path.exact)
        return None

    @property
    def effective_prefix(self) -> str | None:
        """The prefix this match uses, '/' when neither prefix nor path is given."""
        if self.path is not None:
            return None
        return self.prefix if self.prefix is not None else "/"

    @property
    def is_plain(self) -> bool:
        """No conditions beyond the path: a request with no special headers can match it."""
        return (
            not self.headers
            and not self.query_parameters
            and self.method is None
            and self.scheme is None
            and not self.is_grpc
        )

    def accepts_path(self, path: str) -> bool:
        """Whether a plain GET of `path` (no special headers or query) matches this route's path rule."""
        if self.path is not None:
            if self.path.exact is not None:
                return path == self.path.exact
            return re2_fullmatch(self.path.regex or "", path)
        return path.startswith(self.effective_prefix or "/")

    def describe(self) -> str:
        parts = []
        if self.path is not None:
            parts.append(f"path={self.path.exact}" if self.path.exact else f"path~{self.path.regex}")
        else:
            parts.append(f"prefix={self.effective_prefix}")
        if self.method:
            parts.append(f"method={self.method}")
        if self.scheme:
            parts.append(f"scheme={self.scheme}")
        for h in self.headers:
            if h.present is not None:
                parts.append(f"{h.name} {'present' if h.present else 'absent'}")
                continue
            value = getattr(h, h.rule)
            shown = f"[{value.start},{value.end})" if h.rule == "range" else repr(value)
            parts.append(f"{'!' if h.invert else ''}{h.name} {h.rule} {shown}")
        for q in self.query_parameters:
            parts.append(f"?{q.name}" if q.present else f"?{q.name}={q.exact}")
        if self.service_name is not None:
            parts[0] = f"grpc={self.service_name}/{self.method_name or '*'}"
        for m in self.metadata:
            parts.append(f"metadata {m.name} {m.rule}")
        return " ".join(parts)


class HostnameMatch(SpecModel):
    exact: str | None = None
    suffix: str | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> HostnameMatch:
        _exactly_one(self, ("exact", "suffix"), "hostname")
        return self


class GatewayMatch(HttpMatch):
    """A gateway route match adds the request's hostname."""

    hostname: HostnameMatch | None = None

    @property
    def is_plain(self) -> bool:
        return super().is_plain and self.hostname is None

    def describe(self) -> str:
        text = super().describe()
        if self.hostname is not None:
            host = self.hostname.exact or f"*{self.hostname.suffix}"
            text = f"host={host} {text}"
        return text
