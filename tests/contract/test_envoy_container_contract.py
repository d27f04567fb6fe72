"""API contract of the Envoy container (`dataplane: envoy`): its command, health check and stop timeout
inside a Fargate RegisterTaskDefinition request, checked against botocore's ecs model."""

from __future__ import annotations

from typing import Any

import pytest

from fargate_mesh.render.envoy.delivery import choose_delivery
from fargate_mesh.render.envoy.lifecycle import Lifecycle, container_command, health_check
from tests.contract.botocore_validate import validate

BOOTSTRAP = {"admin": {"address": {"socket_address": {"address": "0.0.0.0", "port_value": 9901}}}}


def register_request(envoy: dict[str, Any]) -> dict[str, Any]:
    """A Fargate task: the Envoy container, and an app that starts once Envoy is HEALTHY."""
    app = {
        "name": "app",
        "image": "products:latest",
        "essential": True,
        "dependsOn": [{"containerName": "envoy", "condition": "HEALTHY"}],
    }
    return {
        "family": "shop-products-v1",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [envoy, app],
    }


def envoy_container(lifecycle: Lifecycle) -> dict[str, Any]:
    return {
        "name": "envoy",
        "image": "envoyproxy/envoy:v1.40.0",
        "essential": True,
        "command": container_command(choose_delivery(BOOTSTRAP).envoy_config_args, lifecycle),
        "healthCheck": health_check(lifecycle),
        "stopTimeout": lifecycle.stop_timeout_seconds,
    }


def test_the_envoy_container_conforms_to_the_ecs_model():
    """GIVEN the Envoy container with the default lifecycle and an inline bootstrap
    WHEN put in a RegisterTaskDefinition request
    THEN botocore's ecs model (with enums, max and patterns) reports nothing"""
    assert validate("ecs", "RegisterTaskDefinition", register_request(envoy_container(Lifecycle()))) == []


@pytest.mark.parametrize("field", ["healthCheck", "stopTimeout"])
def test_a_malformed_field_is_caught(field: str):
    """GIVEN the same request with a field of the wrong type (the check above can fail)"""
    container = envoy_container(Lifecycle())
    container[field] = "30" if field == "stopTimeout" else {"interval": 5}
    assert validate("ecs", "RegisterTaskDefinition", register_request(container)) != []
