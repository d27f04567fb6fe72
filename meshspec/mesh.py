"""The whole mesh of one stack: network, gateway, external backends, services, shared settings."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator, model_validator

from meshspec.base import ServiceName, SpecModel, check_dns_name, check_path, check_resource_name
from meshspec.routes import GatewayRoute
from meshspec.service import Autoscaling, Service, TaskSize

# Pinned: App Mesh's Envoy has no `latest` tag (SSM /aws/service/appmesh/envoy names the newest).
DEFAULT_ENVOY_IMAGE = "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.12.2-prod"
DEFAULT_XRAY_IMAGE = "public.ecr.aws/xray/aws-xray-daemon:3.3.14"
# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


class Network(SpecModel):
    """Either a new VPC (cidr, azCount, natGateways) or an existing one (vpcId + subnet ids)."""

    cidr: str | None = None
    az_count: int | None = Field(None, ge=2, le=6)
    nat_gateways: int | None = Field(None, ge=1, le=6)
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
        if new and existing:
            raise ValueError(
                "only one of a new VPC (cidr, azCount, natGateways) or an existing VPC "
                "(vpcId, publicSubnetIds, privateSubnetIds) can be given"
            )
        if existing:
            missing = [
                f for f in ("vpc_id", "public_subnet_ids", "private_subnet_ids") if getattr(self, f) is None
            ]
            if missing:
                raise ValueError("an existing VPC needs vpcId, publicSubnetIds and privateSubnetIds together")
            for field in ("public_subnet_ids", "private_subnet_ids"):
                if len(getattr(self, field)) < 2:
                    raise ValueError(f"{field} needs subnets in at least two availability zones")
        if self.nat_gateways is not None and self.nat_gateways > self.azs:
            raise ValueError(f"natGateways ({self.nat_gateways}) cannot exceed azCount ({self.azs})")
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

    port: int = Field(8080, ge=1025, le=65535)
    routes: list[GatewayRoute] = Field(min_length=1)
    # The ALB checks the gateway through a route (Envoy's admin port is never exposed).
    health_check_path: str | None = None
    size: TaskSize = Field(default_factory=TaskSize)
    desired_count: int = Field(1, ge=1, le=1000)
    autoscaling: Autoscaling | None = None

    @field_validator("port")
    @classmethod
    def _port(cls, port: int) -> int:
        if port in (9901, 15000, 15001):
            raise ValueError(f"port {port} is used by Envoy itself; pick another gateway port")
        return port

    @field_validator("health_check_path")
    @classmethod
    def _hc_path(cls, value: str | None) -> str | None:
        return None if value is None else check_path(value, "health check path")

    def alb_health_check_path(self) -> str:
        """Given, or the first prefix/exact-path route's path: a request that must reach a service."""
        if self.health_check_path:
            return self.health_check_path
        for route in self.routes:
            if route.match.hostname is None and not route.match.headers and not route.match.query_parameters:
                if route.match.path is not None and route.match.path.exact:
                    return route.match.path.exact
                if route.match.path is None:
                    return route.match.effective_prefix or "/"
        return "/"


class ExternalBackend(SpecModel):
    """A dependency outside the mesh, reached by host and port (DNS discovery, egress allowed)."""

    host: str
    port: int = Field(443, ge=1, le=65535)
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
    tracing: bool = True
    log_retention_days: int = 30
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        check_resource_name(value, "mesh name")
        if len(value) > 20:
            # ALB, target group and ECS names are built from it and ALB names are capped at 32.
            raise ValueError(f"mesh name {value!r} must be at most 20 characters")
        return value

    @field_validator("namespace", "domain", "hosted_zone")
    @classmethod
    def _dns(cls, value: str) -> str:
        return check_dns_name(value.rstrip("."), "name")

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"logRetentionDays must be one of {', '.join(map(str, LOG_RETENTION_DAYS))}")
        return value

    # Names shared by both renderers, so App Mesh and Envoy show the same things.
    def virtual_service_name(self, service: str) -> str:
        if service in self.external:
            return self.external[service].host
        return f"{service}.{self.namespace}"

    def virtual_node_name(self, service: str, version: str | None = None) -> str:
        if service in self.external:
            return f"external-{service}"
        return f"{service}-{version}"

    def virtual_router_name(self, service: str) -> str:
        return f"{service}-router"

    @property
    def gateway_name(self) -> str:
        return f"{self.name}-gateway"
