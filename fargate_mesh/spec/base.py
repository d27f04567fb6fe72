"""The base every spec model shares: camelCase keys in YAML, typos rejected, immutable."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from fargate_mesh.facts import (
    ENVOY_ADMIN_PORT,
    ENVOY_EGRESS_PORT,
    ENVOY_INGRESS_PORT,
    ENVOY_PORTS,
    LOG_RETENTION_DAYS,
)


class SpecModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,
        extra="forbid",
        frozen=True,
    )


# A DNS label: service and version names become Cloud Map names and parts of DNS names.
DNS_LABEL = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
# App Mesh route and gateway route names: letters, digits, '-' and '_' (1-255).
RESOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$")
# A DNS name with at least two labels (hosts, domains, namespaces).
DNS_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")


def _no_bool(value: object) -> object:
    # YAML reads yes/no/on/off/true as booleans and pydantic would take True as 1.
    if isinstance(value, bool):
        raise ValueError(f"must be a whole number, not true/false (got {value!r})")
    return value


# An integer that refuses booleans; constraints (ge/le) go in Field as usual.
Int = Annotated[int, BeforeValidator(_no_bool)]
# An App Mesh weighted-target weight: relative, 0 (no traffic) to 100.
Weight = Annotated[Int, Field(ge=0, le=100)]


def check_dns_label(value: str, what: str) -> str:
    if not DNS_LABEL.match(value):
        raise ValueError(
            f"{what} {value!r} must be a DNS label: 1-63 lowercase letters, digits or '-', "
            "starting with a letter and not ending with '-'"
        )
    return value


def check_resource_name(value: str, what: str) -> str:
    if not RESOURCE_NAME.match(value):
        raise ValueError(
            f"{what} {value!r} must be 1-255 letters, digits, '-' or '_', starting with a letter or digit"
        )
    return value


def check_port(port: int, what: str) -> int:
    # The sidecar shares the task's network namespace and owns these ports on every data plane.
    if port in ENVOY_PORTS:
        raise ValueError(
            f"{what} {port} is used by Envoy ({ENVOY_INGRESS_PORT} ingress, {ENVOY_EGRESS_PORT} egress, "
            f"{ENVOY_ADMIN_PORT} admin); pick another port"
        )
    return port


def check_log_retention(days: int) -> int:
    """The one retention rule, for the spec and for component args alike."""
    if days not in LOG_RETENTION_DAYS:
        raise ValueError(
            f"must be one of {', '.join(map(str, LOG_RETENTION_DAYS))} "
            f"(CloudWatch Logs' retention periods; got {days})"
        )
    return days


def check_dns_name(value: str, what: str) -> str:
    if not DNS_NAME.match(value):
        raise ValueError(f"{what} {value!r} must be a lowercase DNS name such as 'shop.local'")
    return value


def check_path(value: str, what: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f"{what} {value!r} must start with '/'")
    return value


# Dict keys that become resource and DNS names: checked where they stand, reported under their path.
ServiceName = Annotated[str, AfterValidator(lambda v: check_dns_label(v, "name"))]
VersionName = Annotated[str, AfterValidator(lambda v: check_dns_label(v, "version name"))]
