"""The shipped stacks' recordings, as test cases and as one moto deployment per stack.

Recording runs the real program under Pulumi mocks (``tests.aws.recorded``, cached per
session). Cases are built at collection time because their ids name the resources; if a
recording fails, the failure is deferred to a test (``RECORDING_FAILED``) rather than raised
during collection, where it would abort every other test in the session.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

import pytest

from tests.contract import moto_account
from tests.contract.moto_account import Key, Outcome

STACKS = ("dev", "prod", "sc", "envoy")
APP_MESH_STACKS = ("dev", "prod")  # the shipped stacks on dataplane: appmesh (sc is on serviceConnect)
ENVOY_STACKS = ("envoy",)  # the stacks on `dataplane: envoy`
RECORDING_FAILED = "<recording failed>"


def recording(stack: str) -> dict[str, Any]:
    """The stack's recording; raises when the program failed, so no test runs on a partial one."""
    from tests.aws.recorded import recorded_stack

    recorded = recorded_stack(stack)
    if recorded.get("error"):
        raise RuntimeError(f"the program failed for stack {stack!r}: {recorded['error']}")
    return recorded


def resources(stack: str, *types: str) -> list[Mapping[str, Any]]:
    return [r for r in recording(stack)["resources"] if r["type"] in types]


def resource(stack: str, type_: str, name: str) -> Mapping[str, Any]:
    """One recorded resource by (type, logical name); re-raises a recording failure."""
    matches = [r for r in resources(stack, type_) if r["name"] == name]
    assert len(matches) == 1, f"{stack}: {len(matches)} recorded {type_} named {name!r}"
    return matches[0]


def cases(*types: str) -> list[Any]:
    """``pytest.param(stack, type, name)`` for every recorded resource of ``types`` in every stack."""
    params = []
    for stack in STACKS:
        try:
            found = resources(stack, *types)
        except Exception:  # reported by the test that receives this case
            params.append(pytest.param(stack, types[0], RECORDING_FAILED, id=f"{stack}-recording-failed"))
            continue
        for r in found:
            short = r["type"].rsplit(":", 1)[-1]
            params.append(pytest.param(stack, r["type"], r["name"], id=f"{stack}-{short}-{r['name']}"))
    return params


@functools.cache
def deployment(stack: str) -> dict[Key, Outcome]:
    """Every resource of the stack created once in a fresh moto account (see moto_account)."""
    wanted = moto_account.DEPLOY_ORDER
    return moto_account.deploy(resources(stack, *wanted))


def outcome(stack: str, type_: str, name: str) -> Outcome:
    return deployment(stack)[(type_, name)]


def envoy_resource_arns(task_definition: Mapping[str, Any]) -> list[str]:
    """The APPMESH_RESOURCE_ARN of each container that sets it (Envoy), in a recorded task definition."""
    containers = json.loads(task_definition["inputs"].get("containerDefinitions") or "[]")
    return [
        env["value"]
        for container in containers
        for env in container.get("environment", [])
        if env.get("name") == "APPMESH_RESOURCE_ARN"
    ]
