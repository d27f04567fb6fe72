"""The rest of App Mesh's route API against App Mesh's own model.

A stack that uses every new route feature App Mesh can carry (header present and absent, query
parameter present, scheme, a gateway rewrite to an exact path, a listener timeout apart from the
routes', connection pools, a grpc service with service/method/metadata matches and gRPC retry events)
is recorded through the real program under Pulumi mocks, and each App Mesh request it makes is
translated (tests/contract/translate.py) and validated against botocore's appmesh model.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.aws.recorded import run_recording
from tests.contract.botocore_validate import validate
from tests.contract.moto_account import APPMESH_TYPES, GATEWAY_ROUTE, ROUTE, VIRTUAL_NODE, VIRTUAL_ROUTER
from tests.contract.translate import translate

MESH: dict[str, Any] = {
    "name": "routeapi",
    "namespace": "shop.local",
    "domain": "api.myshop.com",
    "hostedZone": "myshop.com",
    "gateway": {
        "healthCheckPath": "/v1/products",
        "routes": [
            {"match": {"prefix": "/v1/products"}, "service": "products"},
            {"match": {"prefix": "/admin/"}, "service": "multi", "port": 9090},
            {
                "name": "status",
                "match": {"path": {"exact": "/status"}},
                "rewrite": {"path": "/v1/products/health"},
                "service": "products",
            },
        ],
    },
    "services": {
        "products": {
            "backends": ["greeter", "multi"],
            "timeout": {"perRequest": "5s"},
            "listenerTimeout": {"perRequest": "60s", "idle": "10m"},
            "connectionPool": {"maxConnections": 50, "maxPendingRequests": 10},
            "versions": {"v1": {}, "v2": {}},
            "routes": [
                {
                    "name": "debug-present",
                    "priority": 1,
                    "match": {"headers": [{"name": "x-debug", "present": True}]},
                    "targets": {"v2": 100},
                },
                {
                    "name": "no-cookie",
                    "priority": 1,
                    "match": {"prefix": "/v1/", "headers": [{"name": "cookie", "present": False}]},
                    "targets": {"v2": 100},
                },
                {
                    "name": "preview",
                    "priority": 2,
                    "match": {"queryParameters": [{"name": "preview", "present": True}], "scheme": "https"},
                    "targets": {"v2": 100},
                },
                {"name": "rest", "priority": 10, "targets": {"v1": 100}},
            ],
        },
        "multi": {
            "extraPorts": [9090],
            "image": "public.ecr.aws/example/multi:1.0",
            "versions": {"v1": {}},
            "routes": [
                {"name": "api", "port": 8080, "targets": {"v1": 100}},
                {"name": "admin", "port": 9090, "targets": {"v1": 100}},
            ],
        },
        "greeter": {
            "protocol": "grpc",
            "image": "public.ecr.aws/example/greeter:1.0",
            "connectionPool": {"maxRequests": 100},
            "versions": {"v1": {}, "v2": {}},
            "routes": [
                {
                    "name": "hello-gold",
                    "priority": 1,
                    "match": {
                        "serviceName": "demo.Greeter",
                        "methodName": "Hello",
                        "metadata": [
                            {"name": "x-tier", "exact": "gold"},
                            {"name": "x-trace", "present": True},
                        ],
                    },
                    "targets": {"v2": 100},
                    "retryPolicy": {
                        "maxRetries": 2,
                        "perRetryTimeout": "1s",
                        "grpcRetryEvents": ["unavailable", "resource-exhausted"],
                        "tcpRetryEvents": ["connection-error"],
                    },
                },
                {
                    "name": "greeter",
                    "priority": 2,
                    "match": {"serviceName": "demo.Greeter"},
                    "targets": {"v1": 100},
                },
                {"name": "any", "priority": 3, "match": {}, "targets": {"v1": 100}},
            ],
        },
    },
}


@functools.cache
def recording(tmp: Path) -> dict[str, Any]:
    stack_file = tmp / "Pulumi.routeapi.yaml"
    stack_file.write_text(yaml.safe_dump({"config": {"aws:region": "us-east-1", "myshop:mesh": MESH}}))
    recorded, proc = run_recording("routeapi", stack_file)
    assert proc.returncode == 0, recorded.get("error") or proc.stderr
    return recorded


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> list[Mapping[str, Any]]:
    return list(recording(tmp_path_factory.mktemp("routeapi-stack"))["resources"])


@pytest.fixture(scope="module")
def appmesh(recorded: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [r for r in recorded if r["type"] in APPMESH_TYPES]


def request(resources: list[Mapping[str, Any]], type_: str, name: str) -> dict[str, Any]:
    (found,) = [r for r in resources if r["type"] == type_ and r["inputs"].get("name") == name]
    return translate(found).params


def test_every_app_mesh_request_conforms_to_the_model(appmesh: list[Mapping[str, Any]]) -> None:
    """GIVEN the stack recorded through the real program
    WHEN each App Mesh resource is translated to its Create request
    THEN botocore's appmesh model reports nothing, for every one of them"""
    assert len(appmesh) >= 12
    problems = {r["name"]: validate(*_call(r)) for r in appmesh}
    assert {name: p for name, p in problems.items() if p} == {}


def _call(resource: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    sent = translate(resource)
    return sent.service, sent.operation, sent.params


def test_presence_and_scheme_matches_reach_app_mesh_as_matches_without_a_value(
    appmesh: list[Mapping[str, Any]],
) -> None:
    """GIVEN routes matching x-debug present, cookie absent, and ?preview present over https
    WHEN their CreateRoute requests are read
    THEN a header match without `match` (invert false, then true), a query parameter without `match`,
    and scheme https"""
    present = request(appmesh, ROUTE, "debug-present")["spec"]["httpRoute"]["match"]
    assert present["headers"] == [{"name": "x-debug", "invert": False}]
    absent = request(appmesh, ROUTE, "no-cookie")["spec"]["httpRoute"]["match"]
    assert absent["headers"] == [{"name": "cookie", "invert": True}]
    preview = request(appmesh, ROUTE, "preview")["spec"]["httpRoute"]["match"]
    assert preview["queryParameters"] == [{"name": "preview"}] and preview["scheme"] == "https"


def test_gateway_rewrites_the_exact_path(appmesh: list[Mapping[str, Any]]) -> None:
    """GIVEN gateway route `status` (exact /status, rewrite path /v1/products/health)
    WHEN its CreateGatewayRoute request is read
    THEN its rewrite is path.exact, with the Host rewrite kept"""
    action = request(appmesh, GATEWAY_ROUTE, "status")["spec"]["httpRoute"]["action"]
    assert action["rewrite"] == {
        "path": {"exact": "/v1/products/health"},
        "hostname": {"defaultTargetHostname": "ENABLED"},
    }


def test_listener_timeout_and_connection_pools_are_on_the_node_listeners(
    appmesh: list[Mapping[str, Any]],
) -> None:
    """GIVEN products (http; timeout 5s, listenerTimeout 60s/10m, pool 50 connections, 10 pending)
    and greeter (grpc; pool 100 requests)
    WHEN their CreateVirtualNode requests are read
    THEN products' listener times out at 60s and 10m and pools http connections; greeter's listener
    is grpc with a grpc health check (no path) and a grpc pool"""
    (products,) = request(appmesh, VIRTUAL_NODE, "products-v1")["spec"]["listeners"]
    assert products["timeout"]["http"] == {
        "perRequest": {"unit": "s", "value": 60},
        "idle": {"unit": "s", "value": 600},
    }
    assert products["connectionPool"] == {"http": {"maxConnections": 50, "maxPendingRequests": 10}}
    (greeter,) = request(appmesh, VIRTUAL_NODE, "greeter-v1")["spec"]["listeners"]
    assert greeter["portMapping"]["protocol"] == "grpc"
    assert greeter["healthCheck"]["protocol"] == "grpc" and "path" not in greeter["healthCheck"]
    assert greeter["connectionPool"] == {"grpc": {"maxRequests": 100}}


def test_grpc_routes_match_service_method_and_metadata_and_retry_on_grpc_codes(
    appmesh: list[Mapping[str, Any]],
) -> None:
    """GIVEN greeter's routes hello-gold (demo.Greeter/Hello, x-tier gold, x-trace present; retries on
    unavailable and resource-exhausted), greeter (demo.Greeter) and any (every call)
    WHEN their CreateRoute requests are read
    THEN each is a grpcRoute with that match, and hello-gold's retry policy lists the gRPC events"""
    hello = request(appmesh, ROUTE, "hello-gold")["spec"]["grpcRoute"]
    assert hello["match"] == {
        "serviceName": "demo.Greeter",
        "methodName": "Hello",
        "metadata": [
            {"name": "x-tier", "invert": False, "match": {"exact": "gold"}},
            {"name": "x-trace", "invert": False},
        ],
    }
    assert hello["retryPolicy"]["grpcRetryEvents"] == ["unavailable", "resource-exhausted"]
    assert hello["retryPolicy"]["tcpRetryEvents"] == ["connection-error"]
    assert request(appmesh, ROUTE, "greeter")["spec"]["grpcRoute"]["match"] == {"serviceName": "demo.Greeter"}
    assert request(appmesh, ROUTE, "any")["spec"]["grpcRoute"]["match"] == {}


def test_a_service_with_two_ports_has_a_listener_and_routes_on_each(
    appmesh: list[Mapping[str, Any]], recorded: list[Mapping[str, Any]]
) -> None:
    """GIVEN multi on 8080 with extraPorts [9090], routes `api` (8080) and `admin` (9090), and a gateway
    route to its port 9090
    WHEN its App Mesh requests, its task definition and the security group rules are read
    THEN node and router have a listener on each port; each route matches and targets its port; the
    gateway route targets 9090; App Mesh's proxy takes both ports (AppPorts); and products (a caller)
    and the gateway are admitted on the ports they use"""
    node = request(appmesh, VIRTUAL_NODE, "multi-v1")["spec"]["listeners"]
    assert [(x["portMapping"]["port"], x["healthCheck"]["port"]) for x in node] == [
        (8080, 8080),
        (9090, 9090),
    ]
    router = request(appmesh, VIRTUAL_ROUTER, "multi-router")["spec"]["listeners"]
    assert [x["portMapping"]["port"] for x in router] == [8080, 9090]
    admin = request(appmesh, ROUTE, "admin")["spec"]["httpRoute"]
    assert admin["match"]["port"] == 9090
    assert [t["port"] for t in admin["action"]["weightedTargets"]] == [9090]
    gateway = [
        r
        for r in appmesh
        if r["type"] == GATEWAY_ROUTE
        and "multi"
        in r["inputs"]["spec"]["httpRoute"]["action"]["target"]["virtualService"]["virtualServiceName"]
    ]
    (only,) = gateway
    assert translate(only).params["spec"]["httpRoute"]["action"]["target"]["port"] == 9090
    (task,) = [
        r
        for r in recorded
        if r["type"] == "aws:ecs/taskDefinition:TaskDefinition"
        and r["inputs"]["family"].endswith("-multi-v1")
    ]
    assert task["inputs"]["proxyConfiguration"]["properties"]["AppPorts"] == "8080,9090"
    rules = {
        (r["name"], int(r["inputs"]["fromPort"]))
        for r in recorded
        if r["type"] == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
        and "-multi-from-" in r["name"]
    }
    assert {port for name, port in rules if name.endswith("-from-products") or "-from-products-" in name} == {
        8080,
        9090,
    }
    assert {port for name, port in rules if name.endswith("-from-:gateway")} == {9090}
