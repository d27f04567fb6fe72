"""API contract of the ECS task definitions and services the program produces, per shipped stack.

Each recorded task definition and ECS service is translated (container definitions are already
in API shape: parsed, not rewritten), then:
- validated against botocore's ``ecs`` model (RegisterTaskDefinition, CreateService), with
  the enum/max/pattern checks boto3 skips: ulimit names, dependsOn conditions, port protocols,
  network modes, launch types...;
- registered/created in a moto account after the Cloud Map services and the cluster they need
  (moto: RegisterTaskDefinition, CreateService; the cluster is created from its recording too),
  with the cluster, task definition and registry ARNs resolved to resources that exist there.

moto validates little of a task definition (container name and image present), and nothing of
what Fargate enforces server-side, so two documented Fargate rules are checked here as well:
the task-level cpu/memory pair must be a supported Fargate size, and every container a task
definition names (proxy configuration, dependsOn) must be one of its containers. And the
ECS ↔ mesh wiring no single call checks: a load balancer must target a mapped container
port, and Envoy's APPMESH_RESOURCE_ARN must be a recorded node (with AppPorts equal to its
listener ports) or gateway (without a proxy configuration).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

import pytest

from tests.contract import moto_account
from tests.contract.botocore_validate import validate
from tests.contract.moto_account import (
    CLUSTER,
    ECS_SERVICE,
    TASK_DEFINITION,
    VIRTUAL_GATEWAY,
    VIRTUAL_NODE,
)
from tests.contract.stacks import STACKS, cases, envoy_resource_arns, outcome, resource, resources
from tests.contract.translate import translate

# Fargate task sizes (ECS developer guide, "Task CPU and memory"): cpu units -> allowed MiB.
FARGATE_SIZES: dict[int, set[int]] = {
    256: {512, 1024, 2048},
    512: set(range(1024, 4096 + 1, 1024)),
    1024: set(range(2048, 8192 + 1, 1024)),
    2048: set(range(4096, 16384 + 1, 1024)),
    4096: set(range(8192, 30720 + 1, 1024)),
    8192: set(range(16384, 61440 + 1, 4096)),
    16384: set(range(32768, 122880 + 1, 8192)),
}


@pytest.mark.parametrize(("stack", "type_", "name"), cases(TASK_DEFINITION, ECS_SERVICE, CLUSTER))
def test_request_conforms_to_the_api_model(stack: str, type_: str, name: str) -> None:
    """GIVEN a recorded task definition, ECS service or cluster WHEN translated
    THEN botocore's ecs model (including enums, max and patterns) reports nothing."""
    request = translate(resource(stack, type_, name))
    assert validate(request.service, request.operation, request.params) == []


@pytest.mark.parametrize(("stack", "type_", "name"), cases(TASK_DEFINITION, ECS_SERVICE, CLUSTER))
def test_moto_accepts_the_request(stack: str, type_: str, name: str) -> None:
    """GIVEN the stack created in a moto account in dependency order WHEN this request is sent
    THEN moto accepts it, and every cluster/task definition/registry ARN it uses exists there."""
    result = outcome(stack, type_, name)
    assert result.problems() == []
    assert result.accepted is True


@pytest.mark.parametrize(("stack", "type_", "name"), cases(TASK_DEFINITION))
def test_task_size_is_a_fargate_size(stack: str, type_: str, name: str) -> None:
    """GIVEN a recorded Fargate task definition WHEN its cpu/memory pair is looked up
    THEN it is one Fargate supports (the API rejects others at register time)."""
    params = translate(resource(stack, type_, name)).params
    assert "FARGATE" in params.get("requiresCompatibilities", [])
    assert _fargate_size_problem(params) is None


@pytest.mark.parametrize(("stack", "type_", "name"), cases(TASK_DEFINITION))
def test_named_containers_exist(stack: str, type_: str, name: str) -> None:
    """GIVEN a recorded task definition WHEN the containers it names are looked up
    (proxyConfiguration.containerName, dependsOn) THEN each is one of its containers."""
    params = translate(resource(stack, type_, name)).params
    assert _unknown_containers(params) == []


@pytest.mark.parametrize(("stack", "type_", "name"), cases(TASK_DEFINITION))
def test_envoy_is_bound_to_a_recorded_mesh_resource(stack: str, type_: str, name: str) -> None:
    """GIVEN a recorded task definition WHEN its Envoy's APPMESH_RESOURCE_ARN is looked up
    THEN it is a recorded virtual node (the task proxies that node's listener ports) or
    virtual gateway (no proxy configuration): Envoy never goes LIVE on an ARN that does not exist."""
    task = resource(stack, type_, name)
    mesh = resources(stack, VIRTUAL_NODE, VIRTUAL_GATEWAY)
    assert _envoy_binding_problems(task, mesh) == []


@pytest.mark.parametrize(("stack", "type_", "name"), cases(ECS_SERVICE))
def test_load_balancer_targets_a_container_port(stack: str, type_: str, name: str) -> None:
    """GIVEN a recorded ECS service WHEN its load balancers are matched to its task definition
    THEN each names a container and a port that container maps (ECS refuses the service otherwise)."""
    service = resource(stack, type_, name)
    tasks = [
        t for t in resources(stack, TASK_DEFINITION) if service["inputs"].get("taskDefinition") in _refs(t)
    ]
    assert len(tasks) == 1, f"taskDefinition {service['inputs'].get('taskDefinition')!r} matches {len(tasks)}"
    assert _load_balancer_problems(translate(service).params, translate(tasks[0]).params) == []


@pytest.mark.parametrize("stack", STACKS)
def test_stack_produces_task_definitions_and_services(stack: str) -> None:
    """GIVEN a shipped stack WHEN recorded THEN it has task definitions and ECS services to check."""
    kinds = {r["type"] for r in resources(stack, TASK_DEFINITION, ECS_SERVICE)}
    assert kinds == {TASK_DEFINITION, ECS_SERVICE}


def _fargate_size_problem(params: dict[str, Any]) -> str | None:
    try:
        cpu, memory = int(params["cpu"]), int(params["memory"])
    except (KeyError, TypeError, ValueError):
        return f"Fargate needs task-level cpu and memory as numbers, got {params.get('cpu')!r}/{params.get('memory')!r}"
    if memory not in FARGATE_SIZES.get(cpu, set()):
        return f"cpu {cpu} with memory {memory} is not a Fargate task size"
    return None


def _envoy_binding_problems(task: Mapping[str, Any], mesh: list[Mapping[str, Any]]) -> list[str]:
    arns = envoy_resource_arns(task)
    proxy = translate(task).params.get("proxyConfiguration")
    if not arns:
        return ["a proxy configuration without an Envoy bound to the mesh"] if proxy else []
    if len(arns) != 1:
        return [f"{len(arns)} containers set APPMESH_RESOURCE_ARN: {arns}"]
    bound = [r for r in mesh if r["outputs"].get("arn") == arns[0]]
    if not bound:
        return [f"APPMESH_RESOURCE_ARN {arns[0]!r} is no recorded virtual node or gateway"]
    if bound[0]["type"] == VIRTUAL_GATEWAY:
        return ["a gateway task must not have a proxy configuration"] if proxy else []
    if proxy is None:
        return ["a virtual node's task needs an APPMESH proxy configuration"]
    ports = ",".join(str(int(lst["portMapping"]["port"])) for lst in bound[0]["inputs"]["spec"]["listeners"])
    app_ports = {p["name"]: p["value"] for p in proxy.get("properties", [])}.get("AppPorts")
    return [] if app_ports == ports else [f"AppPorts {app_ports!r}, but the node listens on {ports!r}"]


def _refs(task: Mapping[str, Any]) -> set[Any]:
    outputs = task["outputs"]
    return {outputs.get("arn"), outputs.get("id"), outputs.get("arnWithoutRevision")}


def _load_balancer_problems(service: dict[str, Any], task: dict[str, Any]) -> list[str]:
    ports = {
        (c.get("name"), m.get("containerPort"))
        for c in task.get("containerDefinitions", [])
        for m in c.get("portMappings", [])
    }
    return [
        f"load balancer targets {lb.get('containerName')}:{lb.get('containerPort')}, not a mapped container port"
        for lb in service.get("loadBalancers", [])
        if (lb.get("containerName"), lb.get("containerPort")) not in ports
    ]


def _unknown_containers(params: dict[str, Any]) -> list[str]:
    containers = params.get("containerDefinitions", [])
    names = {c.get("name") for c in containers}
    named = [("proxyConfiguration.containerName", params.get("proxyConfiguration", {}).get("containerName"))]
    for c in containers:
        named += [(f"{c.get('name')}.dependsOn", d.get("containerName")) for d in c.get("dependsOn", [])]
    return [f"{where}: {name!r}" for where, name in named if name is not None and name not in names]


# -- the checks bite ---------------------------------------------------------------------------
def _first_task_definition() -> dict[str, Any]:
    found = resources(STACKS[0], TASK_DEFINITION)
    assert found, f"no recorded task definition in {STACKS[0]} to mutate"
    return copy.deepcopy(dict(found[0]))


def _with_containers(task: dict[str, Any], change: Any) -> dict[str, Any]:
    containers = json.loads(task["inputs"]["containerDefinitions"])
    change(containers)
    task["inputs"]["containerDefinitions"] = json.dumps(containers)
    return task


def test_validation_reports_a_bad_depends_on_condition() -> None:
    """GIVEN a recorded task definition whose first container waits for 'healthy' (lower case)
    WHEN validated THEN the ECS enum is reported."""
    task = _with_containers(
        _first_task_definition(),
        lambda cs: cs[0].update(dependsOn=[{"containerName": cs[-1]["name"], "condition": "healthy"}]),
    )
    request = translate(task)
    errors = validate(request.service, request.operation, request.params)
    assert any("containerDefinitions[0].dependsOn[0].condition" in e and "'healthy'" in e for e in errors), (
        errors
    )


def test_moto_rejects_a_container_without_image() -> None:
    """GIVEN a recorded task definition with a container's image removed (botocore's model requires
    no container member) WHEN registered in moto THEN moto rejects it."""
    task = _with_containers(_first_task_definition(), lambda cs: cs[0].pop("image"))
    result = moto_account.deploy([task])[(TASK_DEFINITION, task["name"])]
    assert result.accepted is False
    assert "image" in (result.error or "")


def test_fargate_size_check_bites() -> None:
    """GIVEN a recorded task definition resized to 256 cpu / 4096 MiB WHEN checked THEN it is refused."""
    task = _first_task_definition()
    task["inputs"].update(cpu="256", memory="4096")
    assert _fargate_size_problem(translate(task).params) is not None


def test_container_name_check_bites() -> None:
    """GIVEN a recorded task definition whose proxy names a missing container WHEN checked THEN it is reported."""
    task = _first_task_definition()
    task["inputs"].setdefault("proxyConfiguration", {"type": "APPMESH", "properties": {}})[
        "containerName"
    ] = "nope"
    assert any("'nope'" in problem for problem in _unknown_containers(translate(task).params))


def test_moto_account_reports_a_service_on_an_unknown_task_definition() -> None:
    """GIVEN a recorded ECS service pointing at a task definition ARN no resource has WHEN deployed
    THEN the reference is reported missing."""
    service = copy.deepcopy(dict(resources(STACKS[0], ECS_SERVICE)[0]))
    service["inputs"]["taskDefinition"] = "arn:aws:ecs:us-east-1:123456789012:task-definition/nope:1"
    others = [r for r in resources(STACKS[0], *moto_account.DEPLOY_ORDER) if r["type"] != ECS_SERVICE]
    result = moto_account.deploy([*others, service])[(ECS_SERVICE, service["name"])]
    assert any("taskDefinition" in m for m in result.missing), result.missing


def test_envoy_binding_check_bites() -> None:
    """GIVEN a recorded node task whose AppPorts differ from the node's listener ports WHEN checked
    THEN it is reported; and an ARN naming no recorded resource is reported too."""
    stack = STACKS[0]
    mesh = resources(stack, VIRTUAL_NODE, VIRTUAL_GATEWAY)
    task = next(
        copy.deepcopy(dict(t))
        for t in resources(stack, TASK_DEFINITION)
        if "proxyConfiguration" in t["inputs"]
    )
    task["inputs"]["proxyConfiguration"]["properties"]["AppPorts"] = "9999"
    assert any("AppPorts '9999'" in p for p in _envoy_binding_problems(task, mesh))
    assert any("no recorded virtual node" in p for p in _envoy_binding_problems(task, []))


def test_load_balancer_check_bites() -> None:
    """GIVEN a load balancer on a port no container maps WHEN checked THEN it is reported."""
    service = {"loadBalancers": [{"containerName": "envoy", "containerPort": 1}]}
    task = {"containerDefinitions": [{"name": "envoy", "portMappings": [{"containerPort": 8080}]}]}
    assert _load_balancer_problems(service, task) != []
