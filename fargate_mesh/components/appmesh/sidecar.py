"""App Mesh's Envoy in an ECS task, as the task builder's Proxy: its container, the APPMESH proxy
configuration that routes the app's traffic through it, and the one IAM permission it needs.

From the App Mesh user guide (Envoy image, proxy configuration and IAM pages): Envoy runs as uid
1337 and that uid is exempt from the iptables redirection; its ingress, egress and admin ports are
fargate_mesh.facts'; the task metadata and instance metadata IPs bypass the proxy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from fargate_mesh.components.ecs import iam
from fargate_mesh.components.ecs.containers import Container, environment
from fargate_mesh.components.tls.setup import TlsDelivery
from fargate_mesh.facts import (
    DEFAULT_ENVOY_IMAGE,
    ENVOY_ADMIN_PORT,
    ENVOY_EGRESS_PORT,
    ENVOY_INGRESS_PORT,
    ENVOY_NOFILE_LIMIT,
)

ENVOY_CONTAINER = "envoy"
ENVOY_UID = "1337"
EGRESS_IGNORED_IPS = "169.254.170.2,169.254.169.254"

# Envoy is LIVE once it has its configuration from App Mesh; the app waits for HEALTHY. This is
# the check the App Mesh user guide documents; it needs a shell, curl and grep in the Envoy image,
# which may be distroless in newer releases: confirm it on the first deploy, and pass another
# command (envoy_health_check_command on the platform, service or gateway args) if not.
ENVOY_HEALTH_CHECK_COMMAND: tuple[str, ...] = (
    "CMD-SHELL",
    f"curl -s http://localhost:{ENVOY_ADMIN_PORT}/server_info | grep state | grep -q LIVE",
)
ENVOY_HEALTH_CHECK: dict[str, Any] = {
    "command": list(ENVOY_HEALTH_CHECK_COMMAND),
    "interval": 5,
    "timeout": 2,
    "retries": 3,
    "startPeriod": 10,
}


@dataclass(frozen=True)
class EnvoyOptions:
    """The App Mesh Envoy image and how it runs: the same for every node and the gateway."""

    image: str = DEFAULT_ENVOY_IMAGE
    log_level: str = "info"
    health_check_command: Sequence[str] = ENVOY_HEALTH_CHECK_COMMAND


@dataclass(frozen=True)
class AppMeshEnvoy:
    """App Mesh's Envoy for one virtual node (a sidecar: runs as 1337, the app's traffic is
    redirected through it) or one virtual gateway (the task's only listener, on `gateway_port`)."""

    resource_arn: pulumi.Input[str]  # the virtual node's or virtual gateway's ARN
    options: EnvoyOptions
    app_ports: Sequence[int] = ()  # sidecar: the node's listener ports
    gateway_port: int | None = None  # gateway: the port the ALB sends to
    tls: TlsDelivery | None = None  # mesh TLS: permissions, and certificate files when needed

    @classmethod
    def sidecar(
        cls,
        node_arn: pulumi.Input[str],
        app_ports: Sequence[int],
        options: EnvoyOptions,
        tls: TlsDelivery | None = None,
    ) -> AppMeshEnvoy:
        return cls(node_arn, options, app_ports=tuple(app_ports), tls=tls)

    @classmethod
    def gateway(
        cls, gateway_arn: pulumi.Input[str], port: int, options: EnvoyOptions, tls: TlsDelivery | None = None
    ) -> AppMeshEnvoy:
        return cls(gateway_arn, options, gateway_port=port, tls=tls)

    @property
    def volumes(self) -> list[dict[str, Any]]:
        return self.tls.volumes if self.tls is not None else []

    @property
    def is_sidecar(self) -> bool:
        return self.gateway_port is None

    def containers(self, log_configuration: Mapping[str, Any], tracing: bool) -> list[Container]:
        env: dict[str, pulumi.Input[str]] = {
            "APPMESH_RESOURCE_ARN": self.resource_arn,
            "ENABLE_ENVOY_STATS_TAGS": "1",
            "ENVOY_LOG_LEVEL": self.options.log_level,
        }
        if tracing:
            env["ENABLE_ENVOY_XRAY_TRACING"] = "1"
        container: Container = {
            "name": ENVOY_CONTAINER,
            "image": self.options.image,
            "essential": True,
            "environment": environment(env),
            "healthCheck": {**ENVOY_HEALTH_CHECK, "command": list(self.options.health_check_command)},
            "ulimits": [{"name": "nofile", "softLimit": ENVOY_NOFILE_LIMIT, "hardLimit": ENVOY_NOFILE_LIMIT}],
            "logConfiguration": dict(log_configuration),
        }
        if self.is_sidecar:
            container["user"] = ENVOY_UID
        else:
            container["portMappings"] = [{"containerPort": self.gateway_port, "protocol": "tcp"}]
        if self.tls is None:
            return [container]
        container |= self.tls.envoy_additions()
        return [*self.tls.setup_containers(log_configuration), container]

    @property
    def app_depends_on(self) -> list[dict[str, str]]:
        """Start the app only once Envoy is HEALTHY, or its first calls go nowhere."""
        return [{"containerName": ENVOY_CONTAINER, "condition": "HEALTHY"}]

    @property
    def proxy_configuration(self) -> dict[str, Any] | None:
        """A sidecar's APPMESH proxy configuration (AppPorts are the node's listener ports); a
        gateway's Envoy needs none: nothing else in its task listens."""
        if not self.is_sidecar:
            return None
        return {
            "type": "APPMESH",
            "container_name": ENVOY_CONTAINER,
            "properties": {
                "AppPorts": ",".join(str(p) for p in self.app_ports),
                "ProxyIngressPort": str(ENVOY_INGRESS_PORT),
                "ProxyEgressPort": str(ENVOY_EGRESS_PORT),
                "IgnoredUID": ENVOY_UID,
                "EgressIgnoredIPs": EGRESS_IGNORED_IPS,
            },
        }

    @property
    def task_statements(self) -> list[iam.Statement]:
        """Without it Envoy never gets its configuration, never goes LIVE, and the app never starts."""
        return [
            {
                "Sid": "AppMeshEnvoyConfiguration",
                "Effect": "Allow",
                "Action": ["appmesh:StreamAggregatedResources"],
                "Resource": [self.resource_arn],
            },
            *(self.tls.task_statements if self.tls is not None else []),
        ]

    @property
    def task_role_purpose(self) -> str:
        return f"Envoy reads its own {'node' if self.is_sidecar else 'gateway'}'s configuration"

    @property
    def bypass_user(self) -> str | None:
        """A sidecar task's X-Ray daemon runs as Envoy's uid, so its traffic is not redirected."""
        return ENVOY_UID if self.is_sidecar else None

    @property
    def app_environment(self) -> dict[str, str]:
        """Nothing: the APPMESH proxy configuration's iptables rules redirect the app's traffic."""
        return {}
