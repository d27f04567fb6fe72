"""Component args as a consumer wires them: Outputs where values flow into resources, a clear
TypeError where a plain value is needed, and the spec's rules with the spec's messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest

from fargate_mesh.components import (
    Admission,
    AppImageArgs,
    ExistingNetwork,
    MeshFirewallArgs,
    Network,
    NetworkArgs,
    PublicEndpoint,
    PublicEndpointArgs,
)
from fargate_mesh.components.args import require_plain
from fargate_mesh.spec import SpecError
from fargate_mesh.spec.base import check_log_retention
from fargate_mesh.testing import deploy
from tests.helpers.spec import problems_of, with_mesh

SUBNETS_PUBLIC = ["subnet-pub-a", "subnet-pub-b"]
SUBNETS_PRIVATE = ["subnet-priv-a", "subnet-priv-b"]


def later(value: Any) -> pulumi.Output[Any]:
    """A value given as an Output, as another resource's or a StackReference's would be."""
    return pulumi.Output.from_input(value)


def edge_args(**overrides: Any) -> PublicEndpointArgs:
    values: dict[str, Any] = {
        "domain": "api.myshop.com",
        "hosted_zone": "myshop.com",
        "vpc_id": "vpc-1",
        "public_subnet_ids": SUBNETS_PUBLIC,
        "target_port": 8080,
        "health_check_path": "/health",
    }
    return PublicEndpointArgs(**(values | overrides))


def test_existing_network_takes_outputs_and_the_edge_runs_on_it():
    """GIVEN an existing VPC whose id and subnet lists are Outputs (a whole list, and a list of Outputs)
    WHEN a Network and a PublicEndpoint on it are deployed
    THEN the network passes the resolved ids through and the ALB sits in those public subnets."""

    def program() -> dict[str, Any]:
        network = Network(
            "net",
            NetworkArgs(
                existing=ExistingNetwork(
                    vpc_id=later("vpc-0abc"),
                    public_subnet_ids=later(SUBNETS_PUBLIC),
                    private_subnet_ids=[later(s) for s in SUBNETS_PRIVATE],
                )
            ),
        )
        edge = PublicEndpoint(
            "edge",
            edge_args(
                vpc_id=network.vpc_id,
                public_subnet_ids=network.public_subnet_ids,
                domain=later("api.myshop.com"),
            ),
        )
        return {"private": network.private_subnet_ids, "url": edge.url}

    rec = deploy(program)
    (alb,) = rec.of_type("aws:lb/loadBalancer:LoadBalancer")
    assert alb["inputs"]["subnets"] == SUBNETS_PUBLIC
    assert rec.one("aws:ec2/securityGroup:SecurityGroup")["inputs"]["vpcId"] == "vpc-0abc"
    assert rec.outputs == {"private": SUBNETS_PRIVATE, "url": "https://api.myshop.com"}


def test_availability_zones_may_be_an_output():
    """GIVEN a new network whose AZ names are an Output of a list
    WHEN deployed
    THEN the subnets are placed in the first az_count of them."""
    rec = deploy(
        lambda: Network("net", NetworkArgs(availability_zones=later(["eu-west-1b", "eu-west-1c", "x"]))).urn
    )
    zones = sorted({s["inputs"]["availabilityZone"] for s in rec.of_type("aws:ec2/subnet:Subnet")})
    assert zones == ["eu-west-1b", "eu-west-1c"]


@pytest.mark.parametrize(
    ("make", "arg"),
    [
        (lambda: NetworkArgs(cidr=later("10.0.0.0/16")), "cidr"),
        (lambda: NetworkArgs(az_count=later(2)), "az_count"),
        (lambda: MeshFirewallArgs(vpc_id="vpc-1", workloads=[later("orders")], admissions=[]), "workloads"),
        (
            lambda: MeshFirewallArgs(
                vpc_id="vpc-1", workloads=["a"], admissions=[], labels={"a": later("orders")}
            ),
            "labels",
        ),
        (lambda: AppImageArgs("shop/orders", context=later("apps/orders")), "context"),
    ],
)
def test_an_output_where_a_plain_value_is_needed_is_a_type_error_naming_the_arg(make, arg):
    """GIVEN an Output for an arg the library computes with (names, folders, counts)
    WHEN the args are constructed
    THEN a TypeError names the arg, and no Output is ever turned into text."""
    with pytest.raises(TypeError, match=rf"- {arg}: got a pulumi Output") as caught:
        make()
    assert "__str__" not in str(caught.value)


def test_require_plain_names_every_offending_arg_and_looks_inside_collections():
    """GIVEN several args, some holding Outputs nested in lists and dict keys
    WHEN checked
    THEN one TypeError lists exactly those args."""
    with pytest.raises(TypeError) as caught:
        require_plain(
            "SomeArgs",
            name="plain",
            names=["a", later("b")],
            labels={later("k"): "v"},
            count=3,
        )
    lines = [line for line in str(caught.value).splitlines() if line.startswith("  - ")]
    assert lines == ["  - names: got a pulumi Output", "  - labels: got a pulumi Output"]


def test_network_args_follow_the_spec_rules_with_the_spec_messages():
    """GIVEN the same bad network values in a stack file's spec and in NetworkArgs
    WHEN both are checked
    THEN NetworkArgs reports each problem the spec reports, with the same message, at the arg's name."""
    spec = problems_of(with_mesh(network={"cidr": "10.0.0.0/8", "azCount": 7}))
    with pytest.raises(SpecError) as caught:
        NetworkArgs(cidr="10.0.0.0/8", az_count=7)
    args = caught.value.problems
    assert [(p.path, p.message) for p in args] == [
        ("az_count", next(p.message for p in spec if p.path == "network.azCount")),
        ("cidr", next(p.message for p in spec if p.path == "network.cidr")),
    ]


def test_existing_network_plain_ids_follow_the_spec_rules():
    """GIVEN plain ids that are not a VPC id, too few subnets, a subnet listed twice
    WHEN ExistingNetwork is constructed
    THEN every problem is reported at once, at its field; Output fields are not second-guessed."""
    with pytest.raises(SpecError) as caught:
        ExistingNetwork("v-1", ["subnet-a"], later(["anything"]))
    assert [p.path for p in caught.value.problems] == ["public_subnet_ids", "vpc_id"]
    with pytest.raises(SpecError, match=r"private_subnet_ids\[1\]: subnet 'subnet-a' is listed twice"):
        ExistingNetwork("vpc-1", SUBNETS_PUBLIC, ["subnet-a", "subnet-a"])


def test_public_endpoint_args_follow_the_spec_rules():
    """GIVEN a domain outside its hosted zone, a bad port and a path without '/'
    WHEN PublicEndpointArgs are constructed
    THEN all three are reported, the domain with the spec's own message."""
    spec = problems_of(with_mesh(domain="api.other.com"))
    with pytest.raises(SpecError) as caught:
        edge_args(domain="api.other.com", target_port=70000, health_check_path="health")
    problems = {p.path: p.message for p in caught.value.problems}
    assert problems["domain"] == next(p.message for p in spec if p.path == "domain")
    assert set(problems) == {"domain", "target_port", "health_check_path"}


def test_app_image_args_report_every_problem(tmp_path: Path):
    """GIVEN a repository name ECR refuses, a missing folder, keep_images 0 and an unknown platform
    WHEN AppImageArgs are constructed
    THEN one error lists all four."""
    with pytest.raises(SpecError) as caught:
        AppImageArgs("Shop/Orders", str(tmp_path / "missing"), keep_images=0, platform="linux/z80")
    assert [p.path for p in caught.value.problems] == [
        "context",
        "keep_images",
        "platform",
        "repository_name",
    ]


def test_firewall_admissions_are_checked_all_at_once():
    """GIVEN an admission from an unknown source and one on port 0
    WHEN MeshFirewallArgs are constructed
    THEN both are reported, each at its admission."""
    with pytest.raises(SpecError) as caught:
        MeshFirewallArgs(
            vpc_id="vpc-1",
            workloads=["a", "b"],
            admissions=[Admission("a", "ghost", 80), Admission("b", "a", 0)],
        )
    assert [p.path for p in caught.value.problems] == ["admissions[0]", "admissions[1].port"]


def test_log_retention_is_one_rule_for_spec_and_components():
    """GIVEN 45 days, which CloudWatch Logs does not offer
    WHEN the spec and the shared rule judge it
    THEN both refuse it with the same message."""
    (spec,) = [p for p in problems_of(with_mesh(logRetentionDays=45)) if p.path == "logRetentionDays"]
    with pytest.raises(ValueError) as caught:
        check_log_retention(45)
    assert str(caught.value) == spec.message
    assert check_log_retention(30) == 30
