"""The environment an app starts with is the same on AWS and under localmesh, for every shipped stack."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fargate_mesh import naming
from fargate_mesh.components.envoy.egress import proxy_environment
from fargate_mesh.localmesh.launch import app_env
from fargate_mesh.model import CompiledMesh, CompiledService, CompiledVersion
from fargate_mesh.model.rollouts import steady_version
from fargate_mesh.render.envoy.plan import fargate_plan
from tests.aws.recorded import Recording, recorded_stack, shipped_stacks
from tests.helpers.meshes import compiled, fixed_plan, stack_mesh

TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
# What localmesh adds because everything runs on one machine: where the app listens (HOST, and PORT
# from its loopback plan), its sidecar as HTTP proxy, and unbuffered logs (the app images set that).
LOCAL_RUNTIME = {"HOST", "PORT", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "PYTHONUNBUFFERED"}
# What `dataplane: envoy` adds on AWS: the sidecar as HTTP proxy, the metadata addresses exempt.
AWS_PROXY = proxy_environment()


def aws_app_env(recording: Recording, family: str) -> dict[str, str]:
    (task,) = [t for t in recording.of_type(TASK_DEF) if t["inputs"]["family"] == family]
    containers: list[dict[str, Any]] = json.loads(task["inputs"]["containerDefinitions"])
    (app,) = [c for c in containers if c["name"] == "app"]
    return {e["name"]: e["value"] for e in app["environment"]}


def aws_family(mesh: CompiledMesh, service: CompiledService, version: CompiledVersion) -> str | None:
    """The task family a version runs in on AWS: its own; on serviceConnect its service's, for the
    one version that service runs (None for the others: nothing runs them)."""
    if mesh.dataplane != "serviceConnect":
        return version.task_family
    if version.name != steady_version(service):
        return None
    return naming.connect_task_family(mesh.name, service.name)


@pytest.mark.parametrize("stack", shipped_stacks())
def test_every_version_gets_the_same_environment_on_aws_and_locally(stack: str):
    """GIVEN a shipped stack, as `pulumi up` registers it (the real program under mocks) and as
    localmesh would start it
    WHEN each version's app environment is read from its task definition and from localmesh's launch
    THEN they are identical, apart from what only a local run adds and the proxy variables the envoy
    data plane adds on AWS (exactly those, and only there); PORT is on both the app's port in its
    address plan (the service's port in a Fargate task)"""
    recording = Recording(recorded_stack(stack))
    mesh = compiled(stack_mesh(stack))
    local_plan, task_plan = fixed_plan(mesh), fargate_plan(mesh)
    versions = [
        (s, v, f)
        for s in mesh.services.values()
        for v in s.versions.values()
        if (f := aws_family(mesh, s, v))
    ]
    assert versions
    for service, version, family in versions:
        aws = aws_app_env(recording, family)
        sidecar = local_plan.sidecar(service.name, version.name)
        local = app_env(mesh, sidecar, base={})
        assert {k: v for k, v in local.items() if k not in LOCAL_RUNTIME} == {
            k: v for k, v in aws.items() if k != "PORT" and k not in AWS_PROXY
        }, f"{version.path}: AWS and localmesh disagree"
        added = {k: v for k, v in aws.items() if k in AWS_PROXY}
        assert added == (AWS_PROXY if mesh.dataplane == "envoy" else {}), version.path
        assert local["PORT"] == str(sidecar.app.port)
        assert aws["PORT"] == str(task_plan.sidecar(service.name, version.name).app.port)
