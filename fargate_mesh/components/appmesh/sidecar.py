"""The App Mesh Envoy in an ECS task: its container, the APPMESH proxy configuration that routes
the app's traffic through it, and the one IAM permission it needs.

Facts from the App Mesh user guide ("Getting started with ECS") and aws-app-mesh-examples: Envoy runs as
uid 1337 and that uid is exempt from the iptables redirection; ingress 15000, egress 15001, admin
9901; the task metadata and instance metadata IPs bypass the proxy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from fargate_mesh.components.ecs import iam
from fargate_mesh.components.ecs.containers import Container, environment

ENVOY_CONTAINER = "envoy"
ENVOY_UID = "1337"
PROXY_INGRESS_PORT = 15000
PROXY_EGRESS_PORT = 15001
ENVOY_ADMIN_PORT = 9901
EGRESS_IGNORED_IPS = "169.254.170.2,169.254.169.254"

# Envoy is LIVE once it has its configuration from App Mesh; the app waits for HEALTHY. This is
# the check the App Mesh user guide documents; it needs a shell, curl and grep in the Envoy image,
# which is distroless since v1.22 (aws/aws-app-mesh-roadmap#428): confirm it on the first deploy, and pass
# another command (envoy_health_check_command on the platform, service or gateway args) if not.
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


def envoy_container(
    *,
    resource_arn: pulumi.Input[str],
    image: str,
    log_configuration: Mapping[str, Any],
    tracing: bool,
    log_level: str = "info",
    sidecar: bool = True,
    port: int | None = None,
    health_check_command: Sequence[str] = ENVOY_HEALTH_CHECK_COMMAND,
) -> Container:
    """Envoy for a virtual node (sidecar=True: runs as 1337, no port) or a virtual gateway
    (sidecar=False: no user, listens on the gateway port)."""
    env: dict[str, pulumi.Input[str]] = {
        "APPMESH_RESOURCE_ARN": resource_arn,
        "ENABLE_ENVOY_STATS_TAGS": "1",
        "ENVOY_LOG_LEVEL": log_level,
    }
    if tracing:
        env["ENABLE_ENVOY_XRAY_TRACING"] = "1"
    container: Container = {
        "name": ENVOY_CONTAINER,
        "image": image,
        "essential": True,
        "environment": environment(env),
        "healthCheck": {**ENVOY_HEALTH_CHECK, "command": list(health_check_command)},
        "ulimits": [{"name": "nofile", "softLimit": 15000, "hardLimit": 15000}],
        "logConfiguration": dict(log_configuration),
    }
    if sidecar:
        container["user"] = ENVOY_UID
    if port is not None:
        container["portMappings"] = [{"containerPort": port, "protocol": "tcp"}]
    return container


def wait_for_envoy() -> list[dict[str, str]]:
    """The app's dependsOn: start only once Envoy is HEALTHY, or its first calls go nowhere."""
    return [{"containerName": ENVOY_CONTAINER, "condition": "HEALTHY"}]


def proxy_configuration(app_ports: Sequence[int]) -> dict[str, Any]:
    """The task's APPMESH proxy configuration; AppPorts are the node listener ports."""
    return {
        "type": "APPMESH",
        "container_name": ENVOY_CONTAINER,
        "properties": {
            "AppPorts": ",".join(str(p) for p in app_ports),
            "ProxyIngressPort": str(PROXY_INGRESS_PORT),
            "ProxyEgressPort": str(PROXY_EGRESS_PORT),
            "IgnoredUID": ENVOY_UID,
            "EgressIgnoredIPs": EGRESS_IGNORED_IPS,
        },
    }


def envoy_policy_statement(resource_arn: pulumi.Input[str]) -> dict[str, Any]:
    """Without it Envoy never gets its configuration, never goes LIVE, and the app never starts."""
    return {
        "Sid": "AppMeshEnvoyConfiguration",
        "Effect": "Allow",
        "Action": ["appmesh:StreamAggregatedResources"],
        "Resource": [resource_arn],
    }


def envoy_task_statements(resource_arn: pulumi.Input[str], tracing: bool) -> list[dict[str, Any]]:
    """A task role's whole policy: its own node's or gateway's configuration, and X-Ray when tracing."""
    statements = [envoy_policy_statement(resource_arn)]
    if tracing:
        statements.append(iam.xray_statement())
    return statements
