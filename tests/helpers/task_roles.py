"""Reading task roles out of a recording: which policy each task's made role allows, and the
roles a test brings for every workload of a mesh."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fargate_mesh import naming
from fargate_mesh.components import GATEWAY, ExistingTaskResources, WorkloadResources
from fargate_mesh.components.platform import workload_keys
from fargate_mesh.model import CompiledMesh
from fargate_mesh.testing import Recording
from tests.helpers.ecs_tasks import TASK_DEFINITION

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


def brought_role_arn(workload: str) -> str:
    """The ARN of the role a test brings for `workload` (a service, or GATEWAY)."""
    return f"arn:aws:iam::123456789012:role/brought-{workload.strip(':')}"


def bringing_every_task_role(mesh: CompiledMesh) -> dict[str, WorkloadResources]:
    """Every workload of the mesh brings its own task role."""
    return {
        workload: WorkloadResources(ExistingTaskResources(task_role_arn=brought_role_arn(workload)))
        for workload in workload_keys(mesh)
    }


def task_family(mesh: CompiledMesh, workload: str, task: str) -> str:
    """The task family of a task the platform's task_role_policies names (workload → task)."""
    if workload == GATEWAY:
        return mesh.gateway.name
    if mesh.dataplane == "serviceConnect":
        return naming.connect_task_family(mesh.name, workload)
    return mesh.services[workload].versions[task].task_family


def workload_of(mesh: CompiledMesh, family: str) -> str:
    """The workload (a service, or GATEWAY) whose tasks have this family."""
    for workload in workload_keys(mesh):
        tasks = [mesh.gateway.name] if workload == GATEWAY else list(mesh.services[workload].versions)
        if any(task_family(mesh, workload, task) == family for task in tasks):
            return workload
    raise AssertionError(f"task family {family!r} is no workload of {mesh.name}")


def task_roles(rec: Recording) -> list[dict[str, Any]]:
    """The task roles made (every role some task definition runs as)."""
    arns = {t["inputs"]["taskRoleArn"] for t in rec.of_type(TASK_DEFINITION)}
    return [r for r in rec.of_type(ROLE) if r["outputs"]["arn"] in arns]


def task_role_urns(rec: Recording) -> set[str]:
    """The URNs of the task roles made, their inline policies and their attachments."""
    roles = task_roles(rec)
    ids = {r["outputs"]["id"] for r in roles}
    names = {r["outputs"]["name"] for r in roles}
    grants = [p for p in rec.of_type(ROLE_POLICY) if p["inputs"]["role"] in ids]
    grants += [a for a in rec.of_type(ATTACHMENT) if a["inputs"]["role"] in names]
    return {r["urn"] for r in [*roles, *grants]}


def made_task_policies(rec: Recording) -> dict[str, str | None]:
    """Task family → the inline policy of the role made for its tasks (None: it has none)."""
    made = {}
    for task in rec.of_type(TASK_DEFINITION):
        role = rec.by_output(ROLE, "arn", task["inputs"]["taskRoleArn"])
        policies = [p for p in rec.of_type(ROLE_POLICY) if p["inputs"]["role"] == role["outputs"]["id"]]
        assert len(policies) <= 1, f"{role['name']} has {len(policies)} inline policies"
        made[task["inputs"]["family"]] = policies[0]["inputs"]["policy"] if policies else None
    return made


def required_policies(
    mesh: CompiledMesh, outputs: Mapping[str, Mapping[str, str | None]]
) -> dict[str, str | None]:
    """Task family → the policy the platform says its task role must allow."""
    return {
        task_family(mesh, workload, task): policy
        for workload, tasks in outputs.items()
        for task, policy in tasks.items()
    }
