"""API contract of the Cloud Map namespace and services the program produces, per shipped stack.

Each recorded private DNS namespace and Cloud Map service is translated (pulumi's camelCase to
the API's PascalCase, ``ttl`` to ``TTL``, tag maps to Key/Value lists), then:
- validated against botocore's ``servicediscovery`` model (CreatePrivateDnsNamespace,
  CreateService), with the enum/max/pattern checks boto3 skips (record types, routing
  policy, the service-name pattern);
- created in a moto account (moto: CreatePrivateDnsNamespace, CreateService), each service's
  NamespaceId resolved to a namespace created before it.

And the chain App Mesh discovery depends on, which no single API call checks: a virtual node's
``awsCloudMap`` names a recorded namespace and a Cloud Map service in it, and the
``ECS_TASK_DEFINITION_FAMILY`` attribute it filters on is the family of a task definition run
by an ECS service registered in that Cloud Map service (ECS registers each task with that
attribute), and those tasks' Envoy is bound (APPMESH_RESOURCE_ARN) to this very node. Break
the chain and the node has no endpoints, or the wrong ones: no deploy fails, traffic does.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest

from tests.contract import moto_account
from tests.contract.botocore_validate import validate
from tests.contract.moto_account import (
    CLOUD_MAP_SERVICE,
    ECS_SERVICE,
    NAMESPACE,
    TASK_DEFINITION,
    VIRTUAL_NODE,
)
from tests.contract.stacks import (
    APP_MESH_STACKS,
    STACKS,
    cases,
    envoy_resource_arns,
    outcome,
    resource,
    resources,
)
from tests.contract.translate import translate

FAMILY_ATTRIBUTE = "ECS_TASK_DEFINITION_FAMILY"


@pytest.mark.parametrize(("stack", "type_", "name"), cases(NAMESPACE, CLOUD_MAP_SERVICE))
def test_request_conforms_to_the_api_model(stack: str, type_: str, name: str) -> None:
    """GIVEN a recorded namespace or Cloud Map service WHEN translated
    THEN botocore's servicediscovery model (including enums, max and patterns) reports nothing."""
    request = translate(resource(stack, type_, name))
    assert validate(request.service, request.operation, request.params) == []


@pytest.mark.parametrize(("stack", "type_", "name"), cases(NAMESPACE, CLOUD_MAP_SERVICE))
def test_moto_accepts_the_request(stack: str, type_: str, name: str) -> None:
    """GIVEN the stack created in a moto account in dependency order WHEN this request is sent
    THEN moto accepts it, and the namespace it names was created before it."""
    result = outcome(stack, type_, name)
    assert result.problems() == []
    assert result.accepted is True


@pytest.mark.parametrize(("stack", "type_", "name"), cases(VIRTUAL_NODE))
def test_node_discovers_tasks_of_an_ecs_service(stack: str, type_: str, name: str) -> None:
    """GIVEN a recorded virtual node WHEN its Cloud Map discovery is followed through the recording
    THEN it reaches a namespace, a service in it, and an ECS service registering that task family,
    whose tasks run Envoy as this very node."""
    recorded = resources(stack, NAMESPACE, CLOUD_MAP_SERVICE, ECS_SERVICE, TASK_DEFINITION)
    assert _discovery_problems(resource(stack, type_, name), recorded) == []


@pytest.mark.parametrize("stack", APP_MESH_STACKS)
def test_stack_produces_a_namespace_and_services(stack: str) -> None:
    """GIVEN a shipped stack WHEN recorded THEN it has a namespace and Cloud Map services to check."""
    kinds = {r["type"] for r in resources(stack, NAMESPACE, CLOUD_MAP_SERVICE)}
    assert kinds == {NAMESPACE, CLOUD_MAP_SERVICE}


def _discovery_problems(node: Mapping[str, Any], recorded: list[Mapping[str, Any]]) -> list[str]:
    cloud_map = node["inputs"].get("spec", {}).get("serviceDiscovery", {}).get("awsCloudMap")
    if cloud_map is None:
        return []  # DNS discovery: nothing in Cloud Map to follow
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for r in recorded:
        by_type.setdefault(r["type"], []).append(r)

    namespaces = [
        n for n in by_type.get(NAMESPACE, []) if n["inputs"].get("name") == cloud_map["namespaceName"]
    ]
    if not namespaces:
        return [f"no namespace named {cloud_map['namespaceName']!r}"]
    namespace_ids = {n["outputs"].get("id") for n in namespaces}
    services = [
        s
        for s in by_type.get(CLOUD_MAP_SERVICE, [])
        if s["inputs"].get("name") == cloud_map["serviceName"] and _namespace_id(s) in namespace_ids
    ]
    if not services:
        return [f"no Cloud Map service {cloud_map['serviceName']!r} in {cloud_map['namespaceName']!r}"]

    family = (cloud_map.get("attributes") or {}).get(FAMILY_ATTRIBUTE)
    if family is None:
        return []  # no filter: the node discovers every task of the service
    registry_arns = {s["outputs"].get("arn") for s in services}
    tasks = [
        task
        for ecs in by_type.get(ECS_SERVICE, [])
        if _registry_arns(ecs) & registry_arns
        for task in by_type.get(TASK_DEFINITION, [])
        if ecs["inputs"].get("taskDefinition") in _task_definition_refs(task)
    ]
    families = sorted({_family(task) for task in tasks})
    if family not in families:
        return [f"{FAMILY_ATTRIBUTE}={family!r}, but the ECS services registered there run {families}"]
    # The tasks this node discovers must run Envoy as this node, or a v1/v2 swap goes unnoticed.
    node_arn = node["outputs"].get("arn")
    return [
        f"tasks of family {family!r} run Envoy as {arns}, not as this node ({node_arn})"
        for task in tasks
        if _family(task) == family and (arns := envoy_resource_arns(task)) != [node_arn]
    ]


def _namespace_id(service: Mapping[str, Any]) -> Any:
    inputs = service["inputs"]
    return inputs.get("namespaceId") or inputs.get("dnsConfig", {}).get("namespaceId")


def _registry_arns(ecs_service: Mapping[str, Any]) -> set[Any]:
    registries = ecs_service["inputs"].get("serviceRegistries") or {}
    return {registries.get("registryArn")}


def _task_definition_refs(task: Mapping[str, Any]) -> set[Any]:
    outputs = task["outputs"]
    return {outputs.get("arn"), outputs.get("id"), outputs.get("arnWithoutRevision"), outputs.get("family")}


def _family(task: Mapping[str, Any]) -> Any:
    return task["inputs"].get("family")


# -- the checks bite ---------------------------------------------------------------------------
def _first(type_: str) -> dict[str, Any]:
    found = resources(STACKS[0], type_)
    assert found, f"no recorded {type_} in {STACKS[0]} to mutate"
    return copy.deepcopy(dict(found[0]))


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["dnsRecords"][0].update(type="a"), "'a', must be one of: SRV, A, AAAA, CNAME"),
        (lambda d: d.update(routingPolicy="ROUND_ROBIN"), "'ROUND_ROBIN', must be one of"),
        (
            lambda d: d["dnsRecords"][0].pop("ttl"),
            'Missing required parameter in DnsConfig.DnsRecords[0]: "TTL"',
        ),
    ],
    ids=["record-type", "routing-policy", "no-ttl"],
)
def test_validation_reports_a_broken_recorded_service(mutate: Any, expected: str) -> None:
    """GIVEN a recorded Cloud Map service broken in one way WHEN validated THEN the problem is reported."""
    service = _first(CLOUD_MAP_SERVICE)
    mutate(service["inputs"]["dnsConfig"])
    request = translate(service)
    errors = validate(request.service, request.operation, request.params)
    assert any(expected in error for error in errors), errors


def test_moto_account_reports_a_service_in_an_unknown_namespace() -> None:
    """GIVEN a recorded Cloud Map service in a namespace id no resource has WHEN deployed THEN it is missing."""
    service = _first(CLOUD_MAP_SERVICE)
    service["inputs"]["dnsConfig"]["namespaceId"] = "ns-nope"
    result = moto_account.deploy([*resources(STACKS[0], NAMESPACE), service])[
        (CLOUD_MAP_SERVICE, service["name"])
    ]
    assert any("'ns-nope'" in m for m in result.missing), result.missing


def test_discovery_chain_check_bites() -> None:
    """GIVEN a recorded node filtering on a task family no ECS service runs WHEN followed THEN it is reported."""
    nodes = [
        n
        for n in resources(STACKS[0], VIRTUAL_NODE)
        if "awsCloudMap" in n["inputs"]["spec"].get("serviceDiscovery", {})
    ]
    assert nodes, "no recorded node with Cloud Map discovery to mutate"
    node = copy.deepcopy(dict(nodes[0]))
    cloud_map = node["inputs"]["spec"]["serviceDiscovery"]["awsCloudMap"]
    cloud_map.setdefault("attributes", {})[FAMILY_ATTRIBUTE] = "no-such-family"
    recorded = resources(STACKS[0], NAMESPACE, CLOUD_MAP_SERVICE, ECS_SERVICE, TASK_DEFINITION)
    assert any("'no-such-family'" in p for p in _discovery_problems(node, recorded))


def test_discovery_chain_notices_envoy_bound_to_another_node() -> None:
    """GIVEN a recorded node whose tasks' Envoy is bound to another ARN (a v1/v2 swap)
    WHEN followed THEN it is reported."""
    nodes = [
        n
        for n in resources(STACKS[0], VIRTUAL_NODE)
        if "attributes" in n["inputs"]["spec"].get("serviceDiscovery", {}).get("awsCloudMap", {})
    ]
    assert nodes, "no recorded node filtering on a task family"
    node = copy.deepcopy(dict(nodes[0]))
    node["outputs"]["arn"] += "-elsewhere"
    recorded = resources(STACKS[0], NAMESPACE, CLOUD_MAP_SERVICE, ECS_SERVICE, TASK_DEFINITION)
    assert any("run Envoy as" in p for p in _discovery_problems(node, recorded))
