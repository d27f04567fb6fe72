"""fargate_mesh.testing: what a consumer uses to unit-test their own program."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from fargate_mesh.testing import ACCOUNT, Recording, deploy, set_recording_mocks


def bucket_program() -> dict[str, pulumi.Output[str]]:
    bucket = aws.s3.Bucket("logs", tags={"team": "shop"})
    return {"arn": bucket.arn, "name": bucket.id}


def test_deploy_records_resources_and_exports():
    """GIVEN a consumer's program that returns its exports as a dict
    WHEN deployed with fargate_mesh.testing.deploy and no mocks of its own
    THEN the Recording holds the resource with its inputs and URN, and the resolved exports."""
    rec = deploy(bucket_program)
    bucket = rec.named("aws:s3/bucket:Bucket", "logs")
    assert bucket["inputs"]["tags"] == {"team": "shop"}
    assert bucket["urn"].endswith("$aws:s3/bucket:Bucket::logs")
    assert rec.outputs["arn"] == bucket["outputs"]["arn"]
    assert rec.outputs["arn"].startswith("arn:aws:s3:")


def test_each_deploy_starts_from_fresh_mocks():
    """GIVEN two deploys of the same program in one process
    WHEN each runs without mocks given
    THEN each recording holds only its own resources (no duplicate URNs carried over)."""
    first, second = deploy(bucket_program), deploy(bucket_program)
    assert len(first.resources) == len(second.resources) == 1


def test_a_failing_assertion_in_an_apply_fails_deploy():
    """GIVEN a program whose returned Output asserts something false in an apply
    WHEN deployed
    THEN deploy raises the AssertionError (tests that assert in applies can fail)."""

    def program() -> pulumi.Output[None]:
        def check(arn: str) -> None:
            assert arn.startswith("arn:aws:sqs:"), arn

        return aws.s3.Bucket("logs").arn.apply(check)

    with pytest.raises(AssertionError, match="arn:aws:s3"):
        deploy(program)


def test_invokes_answer_like_aws():
    """GIVEN a program that asks who it runs as
    WHEN deployed under the shipped mocks
    THEN the caller identity is the mock account, recorded as an invoke."""
    rec = deploy(lambda: {"account": aws.get_caller_identity_output().account_id})
    assert rec.outputs == {"account": ACCOUNT}
    assert isinstance(rec, Recording)


def test_stack_references_read_the_outputs_given_to_the_mocks():
    """GIVEN mocks told what another stack exports
    WHEN a program reads it through a StackReference
    THEN it gets those values; a stack the mocks were not told about exports nothing."""
    mocks = set_recording_mocks(stack_outputs={"org/network/prod": {"vpcId": "vpc-0abc"}})

    def program() -> dict[str, pulumi.Output[Any]]:
        network = pulumi.StackReference("org/network/prod")
        other = pulumi.StackReference("org/other/prod")
        return {"vpc": network.get_output("vpcId"), "missing": other.get_output("vpcId")}

    assert deploy(program, mocks).outputs == {"vpc": "vpc-0abc", "missing": None}
