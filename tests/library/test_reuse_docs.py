"""docs/reuse.md's examples run as written, under fargate_mesh.testing's mocks."""

from __future__ import annotations

from typing import Any

import pytest

from fargate_mesh.testing import Recording, deploy, set_recording_mocks
from tests.examples import REPO_ROOT, example, markers

DOC = "docs/reuse.md"
TESTED = ["network", "public-endpoint", "firewall", "app-image", "unit-test"]


def run(marker: str, **mock_options: Any) -> Recording:
    code = compile(example(marker, DOC), f"{DOC}:{marker}", "exec")
    return deploy(lambda: exec(code, {}), set_recording_mocks(**mock_options))


def test_every_example_in_the_page_is_run_here():
    """GIVEN the examples marked in docs/reuse.md
    WHEN listed
    THEN each one has a test below (a new example cannot go unrun)."""
    assert markers(DOC) == TESTED


def test_network_example():
    """GIVEN the Network example (three AZs, a NAT gateway each)
    WHEN it runs
    THEN it makes one VPC with its CIDR, three public and three private subnets and three NATs."""
    rec = run("network")
    (vpc,) = rec.of_type("aws:ec2/vpc:Vpc")
    assert vpc["inputs"]["cidrBlock"] == "10.20.0.0/16"
    assert len(rec.of_type("aws:ec2/subnet:Subnet")) == 6
    assert len(rec.of_type("aws:ec2/natGateway:NatGateway")) == 3


def test_public_endpoint_example_on_another_stacks_vpc():
    """GIVEN the edge example, which reads the VPC from another stack
    WHEN it runs with that stack's outputs given to the mocks
    THEN the ALB is in those subnets and the target group in that VPC, with deletion protection."""
    network = {"vpcId": "vpc-0net", "publicSubnetIds": ["subnet-0p1", "subnet-0p2"]}
    rec = run("public-endpoint", stack_outputs={"acme/network/prod": network})
    (alb,) = rec.of_type("aws:lb/loadBalancer:LoadBalancer")
    assert alb["inputs"]["subnets"] == network["publicSubnetIds"]
    assert alb["inputs"]["enableDeletionProtection"] is True
    (target_group,) = rec.of_type("aws:lb/targetGroup:TargetGroup")
    assert target_group["inputs"]["vpcId"] == "vpc-0net"


def test_firewall_example():
    """GIVEN the firewall example
    WHEN it runs
    THEN web admits the ALB and orders admits web, on 8080, by reference, and the ALB's group
    gets its egress to web."""
    rec = run("firewall")
    groups = {g["name"]: g["outputs"]["id"] for g in rec.of_type("aws:ec2/securityGroup:SecurityGroup")}
    ingress = {
        (r["inputs"]["securityGroupId"], r["inputs"]["referencedSecurityGroupId"], r["inputs"]["fromPort"])
        for r in rec.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    }
    assert ingress == {
        (groups["shop-sg-web"], "sg-0alb", 8080),
        (groups["shop-sg-orders"], groups["shop-sg-web"], 8080),
    }
    assert rec.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", securityGroupId="sg-0alb")


def test_app_image_example(monkeypatch: pytest.MonkeyPatch):
    """GIVEN the AppImage example, run from the repository (where apps/products is)
    WHEN it runs
    THEN it makes the repository with immutable tags and builds the image from that folder."""
    monkeypatch.chdir(REPO_ROOT)
    rec = run("app-image")
    (repo,) = rec.of_type("aws:ecr/repository:Repository")
    assert repo["inputs"]["name"] == "shop/products"
    assert repo["inputs"]["imageTagMutability"] == "IMMUTABLE"
    (image,) = rec.of_type("docker-build:index:Image")
    assert image["inputs"]["context"] == {"location": "apps/products"}


def test_unit_test_example_passes():
    """GIVEN the consumer's unit tests in the page
    WHEN each test function is called
    THEN they pass (and there are two of them)."""
    namespace: dict[str, Any] = {}
    exec(compile(example("unit-test", DOC), f"{DOC}:unit-test", "exec"), namespace)
    tests = [f for name, f in namespace.items() if name.startswith("test_")]
    assert len(tests) == 2
    for test in tests:
        test()
