"""API contract of the managed policy attachments a workload's task_policy_arns make: each is an
AttachRolePolicy request botocore's ``iam`` model accepts, naming a task role the stack makes."""

from __future__ import annotations

import pytest

from fargate_mesh.components import MeshPlatform, MeshPlatformArgs, WorkloadResources
from fargate_mesh.testing import Recording, deploy
from tests.contract.botocore_validate import validate
from tests.contract.translate import translate
from tests.helpers.meshes import prebuilt
from tests.helpers.task_roles import ATTACHMENT, task_roles

POLICIES = {
    "orders-table": "arn:aws:iam::123456789012:policy/orders-table-read",
    "ssm": "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess",
}


@pytest.fixture(scope="module")
def attached() -> Recording:
    args = MeshPlatformArgs(
        mesh=prebuilt("dev"), workload_resources={"products": WorkloadResources(task_policy_arns=POLICIES)}
    )
    return deploy(lambda: MeshPlatform("shop", args).urn)


def test_every_attachment_conforms_to_attach_role_policy(attached: Recording):
    """GIVEN products' task roles with two managed policies WHEN each attachment is translated
    THEN it is an AttachRolePolicy request with nothing botocore's model refuses, on a made role."""
    requests = [translate(a) for a in attached.of_type(ATTACHMENT)]
    assert len(requests) == 4  # two versions, two policies
    roles = {r["outputs"]["name"] for r in task_roles(attached)}
    for request in requests:
        assert (request.service, request.operation) == ("iam", "AttachRolePolicy")
        assert validate(request.service, request.operation, request.params) == []
        assert request.params["RoleName"] in roles
    assert {r.params["PolicyArn"] for r in requests} == set(POLICIES.values())


def test_the_check_bites_on_a_role_name_iam_refuses():
    """GIVEN an attachment to a role name with a space WHEN validated THEN the pattern is reported."""
    request = translate(
        {"type": ATTACHMENT, "name": "x", "inputs": {"role": "task role", "policyArn": POLICIES["ssm"]}}
    )
    (error,) = validate(request.service, request.operation, request.params)
    assert "RoleName" in error and "pattern" in error
