"""Reading recorded ECS task definitions: their containers, and the bootstrap an Envoy container runs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fargate_mesh.model import CompiledMesh, CompiledVersion
from fargate_mesh.render.envoy import GATEWAY

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


def containers(task_definition: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A recorded task definition's containers by name."""
    return {c["name"]: c for c in json.loads(task_definition["inputs"]["containerDefinitions"])}


def inline_bootstrap(envoy: Mapping[str, Any]) -> dict[str, Any]:
    """The bootstrap an Envoy container's command carries after `--config-yaml`, parsed."""
    command = list(envoy["command"])
    assert command.count("--config-yaml") == 1, f"no single --config-yaml in {command[:6]}..."
    return json.loads(command[command.index("--config-yaml") + 1])


def version_of(mesh: CompiledMesh, family: str) -> CompiledVersion | None:
    """The version whose tasks have this family, or None (the gateway's)."""
    found = [v for s in mesh.services.values() for v in s.versions.values() if v.task_family == family]
    return found[0] if found else None


def workload_of(mesh: CompiledMesh, family: str) -> str:
    """The render_all key of the task family: "gateway", or the version's node (products-v1)."""
    if family == mesh.gateway.name:
        return GATEWAY
    version = version_of(mesh, family)
    assert version is not None, f"task family {family!r} is no workload of {mesh.name}"
    return version.node
