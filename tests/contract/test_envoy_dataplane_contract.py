"""API contract of what `dataplane: envoy` adds, per stack on that data plane (botocore's models).

The requests themselves (RegisterTaskDefinition, CreateService, servicediscovery CreateService) are
validated for every shipped stack, envoy's included, by test_ecs_contract and test_cloudmap_contract.
Here, what no single call checks on this data plane:
- a RegisterTaskDefinition request stays under ECS's 64 KiB with the bootstraps in it;
- the discovery chain: every Cloud Map name a bootstrap dials is a recorded Cloud Map service (A
  records, MULTIVALUE) in the recorded namespace, and an ECS service whose tasks run that version
  registers in it; nothing else registers there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from fargate_mesh.render.envoy.delivery import TASK_DEFINITION_LIMIT_BYTES
from tests.contract.botocore_validate import validate
from tests.contract.moto_account import CLOUD_MAP_SERVICE, ECS_SERVICE, NAMESPACE, TASK_DEFINITION
from tests.contract.stacks import APP_MESH_STACKS, ENVOY_STACKS, STACKS, resources
from tests.contract.translate import translate
from tests.helpers.ecs_tasks import containers, inline_bootstrap
from tests.helpers.meshes import stack_mesh


def envoy_tasks(stack: str) -> list[Mapping[str, Any]]:
    return [t for t in resources(stack, TASK_DEFINITION) if "envoy" in containers(t)]


def dialled_names(bootstrap: Mapping[str, Any], namespace: str) -> set[str]:
    """The Cloud Map names (host:port) a bootstrap's clusters resolve by DNS."""
    found = set()
    for cluster in bootstrap["static_resources"]["clusters"]:
        if "cluster_type" not in cluster or cluster["cluster_type"]["name"] != "envoy.clusters.dns":
            continue
        for group in cluster["load_assignment"]["endpoints"]:
            for endpoint in group["lb_endpoints"]:
                address = endpoint["endpoint"]["address"]["socket_address"]
                assert address["address"].endswith("." + namespace), address
                found.add(address["address"])
    return found


@pytest.mark.parametrize("stack", ENVOY_STACKS)
def test_task_definitions_fit_in_64_kib_and_conform(stack: str) -> None:
    """GIVEN each task definition with Envoy WHEN translated to its RegisterTaskDefinition request
    THEN botocore's ecs model reports nothing and the request is under 64 KiB."""
    tasks = envoy_tasks(stack)
    assert tasks
    for task in tasks:
        request = translate(task)
        assert validate(request.service, request.operation, request.params) == []
        size = len(json.dumps(request.params, separators=(",", ":")).encode())
        assert size < TASK_DEFINITION_LIMIT_BYTES, f"{task['name']}: {size} bytes"


@pytest.mark.parametrize("stack", ENVOY_STACKS)
def test_every_dialled_name_is_a_cloud_map_service_its_version_registers_in(stack: str) -> None:
    """GIVEN every Cloud Map name the stack's bootstraps dial WHEN followed through the recording
    THEN it is a Cloud Map service (A, MULTIVALUE) in the recorded namespace, exactly one ECS service
    registers in it, and that service's tasks are of the version the name stands for."""
    (namespace,) = resources(stack, NAMESPACE)
    zone = namespace["inputs"]["name"]
    dialled = set().union(
        *(dialled_names(inline_bootstrap(containers(t)["envoy"]), zone) for t in envoy_tasks(stack))
    )
    discovery = {s["inputs"]["name"]: s for s in resources(stack, CLOUD_MAP_SERVICE)}
    assert dialled == {f"{name}.{zone}" for name in discovery}
    families = {t["outputs"]["arn"]: t["inputs"]["family"] for t in resources(stack, TASK_DEFINITION)}
    for name, service in discovery.items():
        params = translate(service).params
        assert validate("servicediscovery", "CreateService", params) == []
        assert params["DnsConfig"]["RoutingPolicy"] == "MULTIVALUE"
        assert [r["Type"] for r in params["DnsConfig"]["DnsRecords"]] == ["A"]
        assert params["DnsConfig"]["NamespaceId"] == namespace["outputs"]["id"]
        registered = [
            s
            for s in resources(stack, ECS_SERVICE)
            if (s["inputs"].get("serviceRegistries") or {}).get("registryArn") == service["outputs"]["arn"]
        ]
        assert len(registered) == 1, name
        assert families[registered[0]["inputs"]["taskDefinition"]].endswith("-" + name)


def test_the_chain_check_bites() -> None:
    """GIVEN a bootstrap that dials a name outside the namespace WHEN its names are read THEN it fails."""
    stack = ENVOY_STACKS[0]
    (task,) = [t for t in envoy_tasks(stack) if "app" not in containers(t)]
    bootstrap = inline_bootstrap(containers(task)["envoy"])
    dns = next(c for c in bootstrap["static_resources"]["clusters"] if "cluster_type" in c)
    endpoint = dns["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]
    endpoint["address"]["socket_address"]["address"] = "elsewhere.example"
    (namespace,) = resources(stack, NAMESPACE)
    with pytest.raises(AssertionError):
        dialled_names(bootstrap, namespace["inputs"]["name"])


def test_the_stack_lists_follow_the_stack_files() -> None:
    """GIVEN every stack the contract tests cover WHEN its stack file's data plane is read
    THEN it is in the list of its data plane, so no stack skips the checks of its own."""
    lists = {"appmesh": APP_MESH_STACKS, "envoy": ENVOY_STACKS}
    for stack in STACKS:
        plane = stack_mesh(stack).dataplane
        assert (stack in lists[plane]) if plane in lists else not any(stack in s for s in lists.values()), (
            stack
        )
