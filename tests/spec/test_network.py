"""The network: a new VPC (cidr, azCount, natGateways) or an existing one given by ids."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.spec import accepted, expect_problem, problems_of, with_mesh

EXISTING = {
    "vpcId": "vpc-0abc",
    "publicSubnetIds": ["subnet-0a", "subnet-0b"],
    "privateSubnetIds": ["subnet-1a", "subnet-1b"],
}


def network(**fields: Any) -> dict[str, Any]:
    return with_mesh(network=fields)


def test_default_network_is_a_new_two_az_vpc_with_one_nat() -> None:
    """GIVEN no network section
    WHEN the spec is parsed
    THEN the network is a new VPC, 10.0.0.0/16, two AZs, one NAT gateway
    """
    net = accepted(with_mesh()).network
    assert (net.is_new, net.vpc_cidr, net.azs, net.nats) == (True, "10.0.0.0/16", 2, 1)


def test_existing_vpc_is_accepted() -> None:
    """GIVEN a VPC id and two public and two private subnets
    WHEN the spec is parsed
    THEN the network is the existing VPC
    """
    net = accepted(network(**EXISTING)).network
    assert not net.is_new
    assert net.private_subnet_ids == ["subnet-1a", "subnet-1b"]


@pytest.mark.parametrize("new", [{"natGateways": 1}, {"cidr": "10.1.0.0/16"}, {"azCount": 3}])
def test_new_and_existing_vpc_are_exclusive(new: dict[str, Any]) -> None:
    """GIVEN keys of a new VPC together with an existing VPC
    WHEN the spec is parsed
    THEN network says only one of the two can be given and lists what was given
    """
    problem = expect_problem(network(**EXISTING, **new), "network", "only one of a new VPC")
    assert next(iter(new)) in problem.message


@pytest.mark.parametrize("missing", ["vpcId", "publicSubnetIds", "privateSubnetIds"])
def test_existing_vpc_needs_all_three(missing: str) -> None:
    """GIVEN an existing VPC with one of vpcId / publicSubnetIds / privateSubnetIds left out
    WHEN the spec is parsed
    THEN the missing key is reported at its own path
    """
    fields = {k: v for k, v in EXISTING.items() if k != missing}
    expect_problem(network(**fields), f"network.{missing}", "is required with an existing VPC")


def test_existing_vpc_reports_every_missing_part_at_once() -> None:
    """GIVEN only a vpcId
    WHEN the spec is parsed
    THEN both subnet lists are reported in one go
    """
    paths = {p.path for p in problems_of(network(vpcId="vpc-1"))}
    assert {"network.publicSubnetIds", "network.privateSubnetIds"} <= paths


@pytest.mark.parametrize("field", ["publicSubnetIds", "privateSubnetIds"])
def test_existing_vpc_needs_two_subnets_each(field: str) -> None:
    """GIVEN an existing VPC with a single subnet in one of the lists
    WHEN the spec is parsed
    THEN that list is reported: the ALB and the tasks need two availability zones
    """
    fields = EXISTING | {field: ["subnet-only"]}
    expect_problem(network(**fields), f"network.{field}", "at least two availability zones (got 1)")


def test_subnet_ids_must_look_like_subnet_ids_and_be_distinct() -> None:
    """GIVEN a subnet list with a name instead of an id and a repeated id
    WHEN the spec is parsed
    THEN each bad entry is reported at its index
    """
    fields = EXISTING | {"publicSubnetIds": ["public-a", "subnet-0a", "subnet-0a"]}
    data = network(**fields)
    expect_problem(data, "network.publicSubnetIds[0]", "must be a subnet id")
    expect_problem(data, "network.publicSubnetIds[2]", "listed twice")


def test_vpc_id_must_look_like_a_vpc_id() -> None:
    """GIVEN a subnet id where the VPC id belongs
    WHEN the spec is parsed
    THEN vpcId is reported
    """
    expect_problem(network(**EXISTING | {"vpcId": "subnet-0a"}), "network.vpcId", "must be a VPC id")


def test_nat_gateways_cannot_exceed_az_count() -> None:
    """GIVEN 3 NAT gateways over 2 AZs
    WHEN the spec is parsed
    THEN natGateways is reported with both numbers
    """
    data = network(azCount=2, natGateways=3)
    expect_problem(data, "network.natGateways", "natGateways (3) cannot exceed azCount (2)")


def test_nat_gateways_are_checked_against_the_default_az_count() -> None:
    """GIVEN 3 NAT gateways and no azCount (2 by default)
    WHEN the spec is parsed
    THEN the default is what natGateways is checked against
    """
    expect_problem(network(natGateways=3), "network.natGateways", "azCount (2)")


def test_one_nat_per_az_is_allowed() -> None:
    """GIVEN natGateways equal to azCount
    WHEN the spec is parsed
    THEN it is accepted
    """
    assert accepted(network(azCount=3, natGateways=3)).network.nats == 3


@pytest.mark.parametrize("az_count", [1, 7])
def test_az_count_is_2_to_6(az_count: int) -> None:
    """GIVEN azCount outside 2..6
    WHEN the spec is parsed
    THEN azCount is reported
    """
    expect_problem(network(azCount=az_count), "network.azCount", f"(got {az_count})")


@pytest.mark.parametrize(
    ("cidr", "text"),
    [
        ("ten-dot-oh", "is not an IPv4 network"),
        ("10.0.0.1/16", "is not an IPv4 network"),  # host bits set
        ("10.0.0.0/8", "prefix length of /16 to /20"),
        ("10.0.0.0/24", "prefix length of /16 to /20"),
        ("fd00::/48", "must be IPv4"),
    ],
)
def test_cidr_format(cidr: str, text: str) -> None:
    """GIVEN a cidr that is not an IPv4 /16../20 network
    WHEN the spec is parsed
    THEN cidr is reported with the value and the expected form
    """
    problem = expect_problem(network(cidr=cidr), "network.cidr", text)
    assert repr(cidr) in problem.message


@pytest.mark.parametrize("cidr", ["10.1.0.0/16", "172.16.0.0/20"])
def test_valid_cidrs_are_accepted(cidr: str) -> None:
    """GIVEN an IPv4 /16 or /20
    WHEN the spec is parsed
    THEN it is the VPC's cidr
    """
    assert accepted(network(cidr=cidr)).network.vpc_cidr == cidr


def test_network_typo_suggests_the_key() -> None:
    """GIVEN natGateway (singular)
    WHEN the spec is parsed
    THEN the typo is reported with the intended key
    """
    expect_problem(network(natGateway=1), "network.natGateway", "did you mean 'natGateways'?")
