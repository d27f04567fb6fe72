"""The whole mesh of one stack: network, gateway, external backends, services, shared settings."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from fargate_mesh.facts import (
    DEFAULT_ENVOY_IMAGE,
    DEFAULT_LOG_RETENTION_DAYS,
    DEFAULT_XRAY_IMAGE,
)
from fargate_mesh.spec.base import (
    Int,
    ServiceName,
    SpecModel,
    check_dns_label,
    check_dns_name,
    check_log_retention,
    check_path,
    check_port,
)
from fargate_mesh.spec.errors import FieldProblems, Loc, did_you_mean
from fargate_mesh.spec.routes import GatewayRoute
from fargate_mesh.spec.service import Autoscaling, Service, TaskSize
from fargate_mesh.spec.tls import GatewayTls, MeshTls

# The data planes a stack can choose: what carries its traffic on AWS (docs/dataplanes.md).
DataPlane = Literal["appmesh", "envoy", "serviceConnect"]
DATAPLANES: tuple[DataPlane, ...] = ("appmesh", "envoy", "serviceConnect")
DEFAULT_DATAPLANE: DataPlane = "appmesh"


def _known_dataplane(value: object) -> object:
    if isinstance(value, str) and value not in DATAPLANES:
        raise ValueError(
            f"unknown data plane {value!r}{did_you_mean(value, DATAPLANES)} (allowed: {', '.join(DATAPLANES)})"
        )
    return value


def _subnet_problems(field: str, subnets: list[str] | None) -> list[tuple[Loc, str]]:
    if subnets is None:
        return []
    problems: list[tuple[Loc, str]] = []
    if len(subnets) < 2:
        problems.append(((field,), f"needs subnets in at least two availability zones (got {len(subnets)})"))
    for i, subnet in enumerate(subnets):
        if not subnet.startswith("subnet-"):
            problems.append(((field, i), f"must be a subnet id such as 'subnet-0abc123' (got {subnet!r})"))
        elif subnets.index(subnet) != i:
            problems.append(((field, i), f"subnet {subnet!r} is listed twice"))
    return problems


class Network(SpecModel):
    """Either a new VPC (cidr, azCount, natGateways) or an existing one (vpcId + subnet ids)."""

    cidr: str | None = None
    az_count: Int | None = Field(None, ge=2, le=6)
    nat_gateways: Int | None = Field(None, ge=1, le=6)
    vpc_id: str | None = None
    public_subnet_ids: list[str] | None = None
    private_subnet_ids: list[str] | None = None

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            net = ipaddress.ip_network(value)
        except ValueError:
            raise ValueError(f"cidr {value!r} is not an IPv4 network such as 10.0.0.0/16") from None
        if net.version != 4 or not 16 <= net.prefixlen <= 20:
            raise ValueError(f"cidr {value!r} must be IPv4 with a prefix length of /16 to /20")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Network:
        new = [f for f in ("cidr", "az_count", "nat_gateways") if getattr(self, f) is not None]
        existing = [
            f for f in ("vpc_id", "public_subnet_ids", "private_subnet_ids") if getattr(self, f) is not None
        ]
        alias = {name: field.alias or name for name, field in type(self).model_fields.items()}
        if new and existing:
            raise ValueError(
                "only one of a new VPC (cidr, azCount, natGateways) or an existing VPC "
                "(vpcId, publicSubnetIds, privateSubnetIds) can be given "
                f"(got {', '.join(alias[f] for f in new + existing)})"
            )
        # Every problem of an existing-VPC network at once, each at its own key.
        problems: list[tuple[Loc, str]] = []
        if existing:
            if self.vpc_id is not None and not self.vpc_id.startswith("vpc-"):
                problems.append((("vpcId",), f"must be a VPC id such as 'vpc-0abc123' (got {self.vpc_id!r})"))
            for field in ("vpc_id", "public_subnet_ids", "private_subnet_ids"):
                if getattr(self, field) is None:
                    problems.append(
                        (
                            (alias[field],),
                            "is required with an existing VPC: give vpcId, publicSubnetIds and privateSubnetIds",
                        )
                    )
            for field in ("public_subnet_ids", "private_subnet_ids"):
                problems += _subnet_problems(alias[field], getattr(self, field))
        if self.nat_gateways is not None and self.nat_gateways > self.azs:
            problems.append(
                (("natGateways",), f"natGateways ({self.nat_gateways}) cannot exceed azCount ({self.azs})")
            )
        if problems:
            raise FieldProblems(problems)
        return self

    @property
    def is_new(self) -> bool:
        return self.vpc_id is None

    @property
    def azs(self) -> int:
        return self.az_count or 2

    @property
    def nats(self) -> int:
        return self.nat_gateways or 1

    @property
    def vpc_cidr(self) -> str:
        return self.cidr or "10.0.0.0/16"


class Gateway(SpecModel):
    """The ingress: an App Mesh virtual gateway run as an Envoy ECS service behind the ALB."""

    port: Int = Field(8080, ge=1, le=65535)
    routes: list[GatewayRoute] = Field(min_length=1)
    # The ALB checks the gateway through a route (Envoy's admin port is never exposed).
    health_check_path: str | None = None
    size: TaskSize = Field(default_factory=TaskSize)
    desired_count: Int = Field(1, ge=1, le=1000)
    autoscaling: Autoscaling | None = None
    # The load balancer → gateway hop; unset: as the mesh's tls (STRICT when the mesh uses TLS).
    tls: GatewayTls = Field(default_factory=GatewayTls)

    @field_validator("port")
    @classmethod
    def _port(cls, port: int) -> int:
        if port <= 1024:
            # Envoy runs unprivileged on Fargate; the ALB, not the gateway, listens on 80/443.
            raise ValueError(f"gateway port must be 1025..65535, App Mesh's rule on Fargate (got {port})")
        return check_port(port, "gateway port")

    @field_validator("health_check_path")
    @classmethod
    def _hc_path(cls, value: str | None) -> str | None:
        return None if value is None else check_path(value, "health check path")

    @model_validator(mode="after")
    def _health_check_reaches_a_route(self) -> Gateway:
        # The ALB sends a plain GET: a path no plain route matches gets Envoy's 404 and every
        # gateway task would be marked unhealthy.
        if self.health_check_path is not None:
            if not any(
                r.match.is_plain and r.match.accepts_path(self.health_check_path) for r in self.routes
            ):
                raise FieldProblems.at(
                    "healthCheckPath",
                    f"no gateway route without header, hostname or query conditions matches "
                    f"{self.health_check_path!r}; the ALB's health check would get 404",
                )
            return self
        route = self._health_check_route()
        if route is None:
            raise FieldProblems.at(
                "healthCheckPath",
                "every gateway route has header, hostname or query conditions or a regex path; "
                "set healthCheckPath to a path a plain request reaches",
            )
        if route.rewrite.rewrites_path:
            raise FieldProblems.at(
                "healthCheckPath",
                f"the first plain gateway route ({route.resource_name}) rewrites the path, so the "
                "ALB's check path cannot be derived; set healthCheckPath to a path that reaches a "
                "healthy endpoint after the rewrite",
            )
        return self

    def _health_check_route(self) -> GatewayRoute | None:
        for route in self.routes:
            if route.match.is_plain and (route.match.path is None or route.match.path.exact):
                return route
        return None

    def alb_health_check_path(self) -> str:
        """Given, or the first plain prefix/exact-path route's path: a request that must reach a service."""
        if self.health_check_path:
            return self.health_check_path
        route = self._health_check_route()
        if route is None:  # unreachable for a validated spec
            return "/"
        if route.match.path is not None and route.match.path.exact:
            return route.match.path.exact
        return route.match.effective_prefix or "/"


class ExternalBackend(SpecModel):
    """A dependency outside the mesh, reached by host and port (DNS discovery, egress allowed)."""

    host: str
    port: Int = Field(443, ge=1, le=65535)
    tls: bool | None = None

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        return check_dns_name(value, "host")

    @property
    def uses_tls(self) -> bool:
        return self.port == 443 if self.tls is None else self.tls


class Mesh(SpecModel):
    name: str
    dataplane: Annotated[DataPlane, BeforeValidator(_known_dataplane)] = DEFAULT_DATAPLANE
    namespace: str
    domain: str
    hosted_zone: str
    network: Network = Field(default_factory=Network)
    gateway: Gateway
    external: dict[ServiceName, ExternalBackend] = Field(default_factory=dict)
    services: dict[ServiceName, Service] = Field(min_length=1)
    egress_filter: Literal["DROP_ALL", "ALLOW_ALL"] = "DROP_ALL"
    envoy_image: str = DEFAULT_ENVOY_IMAGE
    xray_image: str = DEFAULT_XRAY_IMAGE
    # None: the data plane's default (model/dataplanes.py: on where its proxy sends traces).
    tracing: bool | None = None
    log_retention_days: Int = DEFAULT_LOG_RETENTION_DAYS
    tags: dict[str, str] = Field(default_factory=dict)
    # None (no `tls` key): DISABLED, so stacks written before TLS do not change on upgrade (spec/tls.py).
    tls: MeshTls | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        # A DNS label: names built from it that AWS limits further (the load balancer's) are
        # shortened with a stable hash (naming.fit).
        return check_dns_label(value, "mesh name")

    @field_validator("namespace", "domain", "hosted_zone")
    @classmethod
    def _dns(cls, value: str, info: ValidationInfo) -> str:
        names = {"namespace": "namespace", "domain": "domain", "hosted_zone": "hostedZone"}
        return check_dns_name(value.rstrip("."), names.get(info.field_name or "", "name"))

    @field_validator("envoy_image", "xray_image")
    @classmethod
    def _pinned(cls, value: str, info: ValidationInfo) -> str:
        # App Mesh's Envoy has no `latest` tag, and an unpinned image changes under a running mesh.
        name = value.rsplit("/", 1)[-1]
        tag = name.split(":", 1)[1] if ":" in name else None
        if "@sha256:" not in value and (tag is None or tag == "latest"):
            field = "envoyImage" if info.field_name == "envoy_image" else "xrayImage"
            raise ValueError(
                f"{field} must be pinned to a tag other than 'latest' or a digest, "
                f"e.g. {DEFAULT_ENVOY_IMAGE if field == 'envoyImage' else DEFAULT_XRAY_IMAGE}"
            )
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        return check_log_retention(value)
