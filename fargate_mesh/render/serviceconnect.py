"""A service's ECS Service Connect settings and its rollout, in pulumi-aws's `aws.ecs.Service` input
shape (pulumi_aws/ecs/_inputs.py: ServiceServiceConnectConfiguration*, ServiceDeploymentConfiguration*).

Translation only: which version runs (model/rollouts.py), the timeouts (model/policies.py) and the
names (naming.py) are the compiled mesh's. pulumi's names differ from the API's in places (its
`client_alias` list is `clientAliases`, bake times are strings where the API takes integers);
tests/contract/translate.py maps them and checks the result against botocore's `ecs` model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fargate_mesh import naming
from fargate_mesh.model.compiled import CompiledService
from fargate_mesh.model.rollouts import test_header, test_route
from fargate_mesh.spec import Rollout

# Service Connect's proxy applies these to http, http2 and grpc (appProtocol) traffic only.
APP_PROTOCOLS = {"http": "http", "http2": "http2", "grpc": "grpc"}


def _seconds(ms: int) -> int:
    """Service Connect takes whole seconds; a started second counts (0 stays 0: disabled)."""
    return -(-ms // 1000)


def port_mapping(service: CompiledService) -> dict[str, Any]:
    """The app container's named port mapping that Service Connect publishes (ECS API shape)."""
    return {
        "name": naming.connect_port_name(service.name),
        "containerPort": service.port,
        "protocol": "tcp",
        "appProtocol": APP_PROTOCOLS[service.protocol],
    }


def client_alias(service: CompiledService) -> dict[str, Any]:
    """`<service>.<namespace>:<port>`: the name and port callers already use on every data plane,
    with the test route's header as the test traffic rule under BLUE_GREEN."""
    alias: dict[str, Any] = {"dns_name": service.dns_name, "port": service.port}
    route = test_route(service)
    if route is not None:
        header = test_header(route)
        assert header is not None and header.exact is not None
        alias["test_traffic_rules"] = [{"header": {"name": header.name, "value": {"exact": header.exact}}}]
    return alias


def service_connect_configuration(
    service: CompiledService, version: str, namespace: Any, log_configuration: Mapping[str, Any]
) -> dict[str, Any]:
    """The ECS service's serviceConnectConfiguration: published under its discovery name and client
    alias, the service's timeouts, the proxy's logs and access logs in the service's log group."""
    timeout = service.versions[version].listener_timeout
    return {
        "enabled": True,
        "namespace": namespace,
        "services": [
            {
                "port_name": naming.connect_port_name(service.name),
                "discovery_name": service.cloud_map_service,
                "client_alias": [client_alias(service)],
                "timeout": {
                    "per_request_timeout_seconds": _seconds(timeout.per_request_ms),
                    "idle_timeout_seconds": _seconds(timeout.idle_ms),
                },
            }
        ],
        "log_configuration": _pulumi_log_configuration(log_configuration),
        "access_log_configuration": {"format": "JSON", "include_query_parameters": "DISABLED"},
    }


def _pulumi_log_configuration(log_configuration: Mapping[str, Any]) -> dict[str, Any]:
    return {"log_driver": log_configuration["logDriver"], "options": dict(log_configuration["options"])}


def deployment_configuration(rollout: Rollout | None) -> dict[str, Any] | None:
    """ECS's deployment strategy for the service's rollout; None keeps ECS's rolling update."""
    if rollout is None:
        return None
    config: dict[str, Any] = {"strategy": rollout.strategy, "bake_time_in_minutes": str(rollout.bake_minutes)}
    step = None if rollout.step_bake_minutes is None else str(rollout.step_bake_minutes)
    if rollout.strategy == "CANARY":
        config["canary_configuration"] = _without_none(
            {"canary_percent": rollout.traffic_percent, "canary_bake_time_in_minutes": step}
        )
    elif rollout.strategy == "LINEAR":
        config["linear_configuration"] = _without_none(
            {"step_percent": rollout.traffic_percent, "step_bake_time_in_minutes": step}
        )
    return config


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
