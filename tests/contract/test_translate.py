"""The translator and the validator on hand-written inputs, shaped as Pulumi's mocks receive them.

These pin the pulumi-aws ↔ AWS API differences the stack tests rely on, independently of what
the program currently produces: if a rule breaks, these say which one.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.contract.botocore_validate import validate
from tests.contract.translate import TranslationError, translate

# Numbers arrive as floats: Pulumi's wire format carries every number as a double.
VIRTUAL_NODE: dict[str, Any] = {
    "type": "aws:appmesh/virtualNode:VirtualNode",
    "name": "products-v1",
    "inputs": {
        "meshName": "shop",
        "name": "products-v1",
        "tags": {"team": "shop"},
        "spec": {
            "listeners": [
                {
                    "portMapping": {"port": 8080.0, "protocol": "http"},
                    "healthCheck": {
                        "protocol": "http",
                        "path": "/health",
                        "healthyThreshold": 2.0,
                        "unhealthyThreshold": 2.0,
                        "intervalMillis": 5000.0,
                        "timeoutMillis": 2000.0,
                    },
                    "connectionPool": {"https": [{"maxConnections": 10.0, "maxPendingRequests": 5.0}]},
                    "outlierDetection": {
                        "maxServerErrors": 5.0,
                        "maxEjectionPercent": 50.0,
                        "interval": {"unit": "s", "value": 10.0},
                        "baseEjectionDuration": {"unit": "s", "value": 30.0},
                    },
                    "timeout": {"http": {"perRequest": {"unit": "s", "value": 10.0}}},
                    "tls": {
                        "mode": "STRICT",
                        "certificate": {"file": {"certificateChain": "/c.pem", "privateKey": "/k.pem"}},
                        "validation": {
                            "trust": {"file": {"certificateChain": "/ca.pem"}},
                            "subjectAlternativeNames": {"match": {"exacts": ["prices.shop.local"]}},
                        },
                    },
                }
            ],
            "backends": [{"virtualService": {"virtualServiceName": "prices.shop.local"}}],
            "serviceDiscovery": {
                "awsCloudMap": {
                    "namespaceName": "shop.local",
                    "serviceName": "products",
                    "attributes": {"ECS_TASK_DEFINITION_FAMILY": "products-v1"},
                }
            },
            "logging": {
                "accessLog": {
                    "file": {"path": "/dev/stdout", "format": {"jsons": [{"key": "k", "value": "v"}]}}
                }
            },
        },
    },
}

ROUTE: dict[str, Any] = {
    "type": "aws:appmesh/route:Route",
    "name": "products-default",
    "inputs": {
        "meshName": "shop",
        "virtualRouterName": "products",
        "name": "default",
        "spec": {
            "priority": 10.0,
            "httpRoute": {
                "match": {"prefix": "/", "headers": [{"name": "x-canary", "match": {"exact": "true"}}]},
                "action": {
                    "weightedTargets": [
                        {"virtualNode": "products-v1", "weight": 90.0},
                        {"virtualNode": "products-v2", "weight": 10.0},
                    ]
                },
                "retryPolicy": {
                    "maxRetries": 2.0,
                    "perRetryTimeout": {"unit": "s", "value": 2.0},
                    "httpRetryEvents": ["gateway-error"],
                },
            },
        },
    },
}

TASK_DEFINITION: dict[str, Any] = {
    "type": "aws:ecs/taskDefinition:TaskDefinition",
    "name": "products-v1",
    "inputs": {
        "family": "products-v1",
        "cpu": "512",
        "memory": "1024",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "containerDefinitions": json.dumps(
            [
                {
                    "name": "app",
                    "image": "app:1",
                    "essential": True,
                    "portMappings": [{"containerPort": 8080}],
                },
                {
                    "name": "envoy",
                    "image": "envoy:1",
                    "user": "1337",
                    "ulimits": [{"name": "nofile", "softLimit": 15000, "hardLimit": 15000}],
                },
            ]
        ),
        "proxyConfiguration": {
            "type": "APPMESH",
            "containerName": "envoy",
            "properties": {"AppPorts": "8080", "IgnoredUID": "1337"},
        },
        "tags": {"team": "shop"},
        "skipDestroy": False,
    },
}

CLOUD_MAP_SERVICE: dict[str, Any] = {
    "type": "aws:servicediscovery/service:Service",
    "name": "products",
    "inputs": {
        "name": "products",
        "dnsConfig": {
            "namespaceId": "ns-abc",
            "dnsRecords": [{"type": "A", "ttl": 10.0}],
            "routingPolicy": "MULTIVALUE",
        },
        "healthCheckCustomConfig": {"failureThreshold": 1.0},
        "tags": {"team": "shop"},
        "forceDestroy": True,
    },
}

ECS_SERVICE: dict[str, Any] = {
    "type": "aws:ecs/service:Service",
    "name": "products-v1",
    "inputs": {
        "name": "products-v1",
        "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/shop",
        "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/products-v1:1",
        "desiredCount": 2.0,
        "launchType": "FARGATE",
        "networkConfiguration": {
            "subnets": ["subnet-1"],
            "securityGroups": ["sg-1"],
            "assignPublicIp": False,
        },
        "serviceRegistries": {"registryArn": "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1"},
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "deploymentMinimumHealthyPercent": 100.0,
        "deploymentMaximumPercent": 150.0,
        "waitForSteadyState": False,
    },
}

ALL_SAMPLES = [VIRTUAL_NODE, ROUTE, TASK_DEFINITION, CLOUD_MAP_SERVICE, ECS_SERVICE]


@pytest.mark.parametrize("sample", ALL_SAMPLES, ids=lambda s: s["type"].rsplit(":", 1)[-1])
def test_samples_translate_to_valid_requests(sample: dict[str, Any]) -> None:
    """GIVEN a well-formed sample WHEN translated THEN botocore's model accepts the request."""
    request = translate(sample)
    assert validate(request.service, request.operation, request.params) == []


def test_virtual_node_renames_and_structural_rules() -> None:
    """GIVEN a node using every App Mesh rename WHEN translated THEN the API names and shapes appear."""
    params = translate(VIRTUAL_NODE).params
    listener = params["spec"]["listeners"][0]
    assert params["virtualNodeName"] == "products-v1"
    assert params["tags"] == [{"key": "team", "value": "shop"}]
    # A list of one in pulumi, a single object in the API.
    assert listener["connectionPool"] == {"http": {"maxConnections": 10, "maxPendingRequests": 5}}
    assert listener["tls"]["validation"]["subjectAlternativeNames"] == {
        "match": {"exact": ["prices.shop.local"]}
    }
    assert listener["portMapping"] == {"port": 8080, "protocol": "http"}
    assert isinstance(listener["portMapping"]["port"], int)
    assert params["spec"]["serviceDiscovery"]["awsCloudMap"]["attributes"] == [
        {"key": "ECS_TASK_DEFINITION_FAMILY", "value": "products-v1"}
    ]
    assert params["spec"]["logging"]["accessLog"]["file"]["format"] == {"json": [{"key": "k", "value": "v"}]}


def test_task_definition_json_and_properties() -> None:
    """GIVEN a task definition WHEN translated THEN containers are parsed and properties become entries."""
    params = translate(TASK_DEFINITION).params
    assert [c["name"] for c in params["containerDefinitions"]] == ["app", "envoy"]
    assert params["proxyConfiguration"]["properties"] == [
        {"name": "AppPorts", "value": "8080"},
        {"name": "IgnoredUID", "value": "1337"},
    ]
    assert "skipDestroy" not in params  # provider-side, never sent


def test_cloud_map_service_is_pascal_case() -> None:
    """GIVEN a Cloud Map service WHEN translated THEN names are PascalCase, ttl is TTL, tags are Key/Value."""
    params = translate(CLOUD_MAP_SERVICE).params
    assert params == {
        "Name": "products",
        "DnsConfig": {
            "NamespaceId": "ns-abc",
            "DnsRecords": [{"Type": "A", "TTL": 10}],
            "RoutingPolicy": "MULTIVALUE",
        },
        "HealthCheckCustomConfig": {"FailureThreshold": 1},
        "Tags": [{"Key": "team", "Value": "shop"}],
    }


def test_ecs_service_nests_what_pulumi_flattens() -> None:
    """GIVEN an ECS service WHEN translated THEN deployment settings nest and the public IP flag is an enum."""
    params = translate(ECS_SERVICE).params
    assert params["deploymentConfiguration"] == {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "minimumHealthyPercent": 100,
        "maximumPercent": 150,
    }
    assert params["networkConfiguration"] == {
        "awsvpcConfiguration": {
            "subnets": ["subnet-1"],
            "securityGroups": ["sg-1"],
            "assignPublicIp": "DISABLED",
        }
    }
    assert params["serviceRegistries"] == [
        {"registryArn": ECS_SERVICE["inputs"]["serviceRegistries"]["registryArn"]}
    ]
    assert "waitForSteadyState" not in params


def test_ecs_service_deployment_alarms_nest_in_the_deployment_configuration() -> None:
    """GIVEN an ECS service with pulumi's top-level ``alarms``
    WHEN translated
    THEN they become deploymentConfiguration.alarms (botocore's DeploymentAlarms) beside the
    circuit breaker, and botocore's model accepts the request."""
    sample = copy.deepcopy(ECS_SERVICE)
    alarms = {
        "alarmNames": ["shop-gateway-5xx", "shop-gateway-unhealthy-hosts"],
        "enable": True,
        "rollback": True,
    }
    sample["inputs"]["alarms"] = alarms
    request = translate(sample)
    assert request.params["deploymentConfiguration"]["alarms"] == alarms
    assert request.params["deploymentConfiguration"]["deploymentCircuitBreaker"] == {
        "enable": True,
        "rollback": True,
    }
    assert "alarms" not in request.params
    assert validate(request.service, request.operation, request.params) == []


@pytest.mark.parametrize(
    ("path", "bad_key"),
    [
        (("spec", "listeners", 0), "portMappings"),  # a typo of portMapping
        (("spec",), "listener"),  # the Terraform block name, not pulumi's
        ((), "meshOwnerId"),
    ],
)
def test_unknown_key_is_refused(path: tuple[Any, ...], bad_key: str) -> None:
    """GIVEN an input key the translator has no rule for WHEN translated THEN it raises, naming the key."""
    sample = copy.deepcopy(VIRTUAL_NODE)
    node = sample["inputs"]
    for step in path:
        node = node[step]
    node[bad_key] = {"port": 1.0}
    with pytest.raises(TranslationError, match=bad_key):
        translate(sample)


def test_pulumi_only_field_is_refused() -> None:
    """GIVEN grpcRoute.match.prefix (pulumi has it, the API does not) WHEN translated THEN it raises."""
    sample = copy.deepcopy(ROUTE)
    spec = sample["inputs"]["spec"]
    spec["grpcRoute"] = {"match": {"prefix": "x"}, "action": spec["httpRoute"]["action"]}
    del spec["httpRoute"]
    with pytest.raises(TranslationError, match="prefix"):
        translate(sample)


def test_two_connection_pools_are_refused() -> None:
    """GIVEN two items in a pool list the API takes as one object WHEN translated THEN it raises."""
    sample = copy.deepcopy(VIRTUAL_NODE)
    sample["inputs"]["spec"]["listeners"][0]["connectionPool"]["https"].append({"maxConnections": 1.0})
    with pytest.raises(TranslationError, match="exactly one"):
        translate(sample)


def test_unknown_type_is_refused() -> None:
    """GIVEN a resource type without an operation WHEN translated THEN it raises."""
    with pytest.raises(TranslationError, match="no API operation"):
        translate({"type": "aws:appmesh/unknown:Thing", "name": "x", "inputs": {}})


def test_structure_where_api_wants_a_list_is_refused() -> None:
    """GIVEN a pulumi object where the API has a list and no rule WHEN translated THEN it raises."""
    sample = copy.deepcopy(ROUTE)
    sample["inputs"]["spec"]["httpRoute"]["action"]["weightedTargets"] = {"virtualNode": "a", "weight": 1.0}
    with pytest.raises(TranslationError, match="wants list"):
        translate(sample)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda s: s["spec"]["listeners"][0]["portMapping"].update(protocol="HTTP"),
            "'HTTP', must be one of",
        ),
        (
            lambda s: s["spec"]["listeners"][0]["healthCheck"].update(healthyThreshold=11.0),
            "valid max value: 10",
        ),
        (
            lambda s: s["spec"]["listeners"][0]["healthCheck"].update(intervalMillis=1000.0),
            "valid min value: 5000",
        ),
        (
            lambda s: s["spec"]["listeners"][0]["portMapping"].pop("port"),
            'Missing required parameter in spec.listeners[0].portMapping: "port"',
        ),
        (lambda s: s.update(name="x" * 256), "valid max length: 255"),
        (
            lambda s: s["spec"]["listeners"][0]["timeout"].update(tcp={"idle": {"unit": "s", "value": 1.0}}),
            "tagged union",
        ),
    ],
    ids=["enum", "max", "min", "required", "max-length", "union"],
)
def test_validator_reports(mutate: Any, expected: str) -> None:
    """GIVEN a node broken in one way WHEN validated THEN botocore validation names the problem."""
    sample = copy.deepcopy(VIRTUAL_NODE)
    mutate(sample["inputs"])
    request = translate(sample)
    errors = validate(request.service, request.operation, request.params)
    assert any(expected in error for error in errors), errors


def test_validator_checks_patterns() -> None:
    """GIVEN a Cloud Map service name with a space WHEN validated THEN the model's pattern rejects it."""
    sample = copy.deepcopy(CLOUD_MAP_SERVICE)
    sample["inputs"]["name"] = "prod ucts"
    request = translate(sample)
    errors = validate(request.service, request.operation, request.params)
    assert any("does not match pattern" in error and "Name" in error for error in errors), errors


def test_validator_checks_enums_inside_container_definitions() -> None:
    """GIVEN an Envoy ulimit name in capitals WHEN validated THEN the ECS enum rejects it."""
    sample = copy.deepcopy(TASK_DEFINITION)
    containers = json.loads(sample["inputs"]["containerDefinitions"])
    containers[1]["ulimits"][0]["name"] = "NOFILE"
    sample["inputs"]["containerDefinitions"] = json.dumps(containers)
    request = translate(sample)
    errors = validate(request.service, request.operation, request.params)
    assert any("containerDefinitions[1].ulimits[0].name" in e and "'NOFILE'" in e for e in errors), errors
