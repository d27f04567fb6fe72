"""ECS container definitions (the JSON ECS takes, so camelCase keys) that do not depend on a mesh:
the app, the X-Ray daemon, their log configuration. Values may be Pulumi Outputs; the task
definition serialises the list with `pulumi.Output.json_dumps`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from fargate_mesh.facts import XRAY_DAEMON_PORT

Container = dict[str, Any]


def environment(values: Mapping[str, pulumi.Input[str]]) -> list[dict[str, pulumi.Input[str]]]:
    """ECS's name/value list, sorted so a reordering is not a new task definition revision."""
    return [{"name": k, "value": v} for k, v in sorted(values.items())]


def awslogs(group: pulumi.Input[str], region: pulumi.Input[str], stream_prefix: str) -> dict[str, Any]:
    return {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": group,
            "awslogs-region": region,
            "awslogs-stream-prefix": stream_prefix,
        },
    }


def app_container(
    *,
    image: pulumi.Input[str],
    port: int,
    env: Mapping[str, pulumi.Input[str]],
    log_configuration: Mapping[str, Any],
    depends_on: Sequence[Mapping[str, str]] = (),
    name: str = "app",
    read_only_root: bool = True,
    port_mapping: Mapping[str, Any] | None = None,
    health_check: Mapping[str, Any] | None = None,
) -> Container:
    """port_mapping: the app port's mapping when a data plane needs more than the port (a name and
    appProtocol for Service Connect). health_check: ECS's container health check, for data planes
    with no proxy of ours that probes the app."""
    container: Container = {
        "name": name,
        "image": image,
        "essential": True,
        "portMappings": [dict(port_mapping) if port_mapping else {"containerPort": port, "protocol": "tcp"}],
        "environment": environment(env),
        # The apps write nothing to disk; a read-only root makes a compromise harder to persist.
        "readonlyRootFilesystem": read_only_root,
        "logConfiguration": dict(log_configuration),
    }
    if depends_on:
        container["dependsOn"] = [dict(d) for d in depends_on]
    if health_check:
        container["healthCheck"] = dict(health_check)
    return container


def xray_container(
    *, image: str, log_configuration: Mapping[str, Any], user: str | None = None, name: str = "xray-daemon"
) -> Container:
    """The X-Ray daemon Envoy sends spans to on 127.0.0.1:2000/udp. Not essential: losing traces
    must not stop the service."""
    container: Container = {
        "name": name,
        "image": image,
        "essential": False,
        "portMappings": [{"containerPort": XRAY_DAEMON_PORT, "protocol": "udp"}],
        "logConfiguration": dict(log_configuration),
    }
    if user is not None:
        container["user"] = user
    return container
