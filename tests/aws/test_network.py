"""Network used alone: a new VPC with subnets, NAT and routes per AZ, or an existing one."""

from __future__ import annotations

import pulumi
import pytest

from fargate_mesh.components import ExistingNetwork, Network, NetworkArgs
from fargate_mesh.components.network import subnet_cidrs
from fargate_mesh.spec import Network as NetworkSpec
from tests.helpers.pulumi import deploy

SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"


def private_nat_by_subnet(rec) -> dict[str, str]:
    """Private subnet CIDR → the NAT gateway id its route table's default route uses."""
    table_of = {a["inputs"]["subnetId"]: a["inputs"]["routeTableId"] for a in rec.of_type(ASSOCIATION)}
    nat_of = {r["inputs"]["routeTableId"]: r["inputs"].get("natGatewayId") for r in rec.of_type(ROUTE)}
    return {
        s["inputs"]["cidrBlock"]: nat_of[table_of[s["outputs"]["id"]]]
        for s in rec.of_type(SUBNET)
        if s["inputs"]["tags"]["tier"] == "private"
    }


def test_dev_shape_two_azs_one_shared_nat(mocks):
    """GIVEN azCount 2 and natGateways 1
    WHEN deployed
    THEN there are two public and two private subnets in the first two AZs of the region (looked
    up), no subnet maps public IPs, one NAT in a public subnet, and both private subnets route
    0.0.0.0/0 through it; the public route table goes to the internet gateway."""
    rec = deploy(
        mocks, lambda: Network("net", NetworkArgs(az_count=2, nat_gateways=1, tags={"mesh": "m"})).urn
    )
    subnets = rec.of_type(SUBNET)
    assert sorted((s["inputs"]["tags"]["tier"], s["inputs"]["availabilityZone"]) for s in subnets) == [
        ("private", "us-east-1a"),
        ("private", "us-east-1b"),
        ("public", "us-east-1a"),
        ("public", "us-east-1b"),
    ]
    assert all(s["inputs"]["mapPublicIpOnLaunch"] is False for s in subnets)
    (nat,) = rec.of_type(NAT)
    public_ids = {s["outputs"]["id"] for s in subnets if s["inputs"]["tags"]["tier"] == "public"}
    assert nat["inputs"]["subnetId"] in public_ids
    assert set(private_nat_by_subnet(rec).values()) == {nat["outputs"]["id"]}
    igw = rec.of_type("aws:ec2/internetGateway:InternetGateway")[0]["outputs"]["id"]
    assert [r["inputs"]["gatewayId"] for r in rec.of_type(ROUTE) if "gatewayId" in r["inputs"]] == [igw]
    vpc = rec.of_type("aws:ec2/vpc:Vpc")[0]["inputs"]
    assert vpc["enableDnsHostnames"] and vpc["enableDnsSupport"]
    assert any(c["token"] == "aws:index/getAvailabilityZones:getAvailabilityZones" for c in mocks.calls)


def test_prod_shape_one_nat_per_az(mocks):
    """GIVEN azCount 3 and natGateways 3
    WHEN deployed
    THEN each private subnet routes through its own NAT, three in all."""
    rec = deploy(mocks, lambda: Network("net", NetworkArgs(az_count=3, nat_gateways=3)).urn)
    assert len(rec.of_type(NAT)) == 3
    nats = private_nat_by_subnet(rec)
    assert len(nats) == 3 and len(set(nats.values())) == 3
    assert len(rec.of_type("aws:ec2/eip:Eip")) == 3


def test_given_az_names_skip_the_lookup(mocks):
    """GIVEN AZ names in the args
    WHEN deployed
    THEN subnets use them and no AZ lookup is made."""
    rec = deploy(
        mocks, lambda: Network("net", NetworkArgs(availability_zones=["eu-west-1b", "eu-west-1c"])).urn
    )
    assert {s["inputs"]["availabilityZone"] for s in rec.of_type(SUBNET)} == {"eu-west-1b", "eu-west-1c"}
    assert not mocks.calls


def test_existing_network_creates_nothing(mocks):
    """GIVEN an existing VPC and subnets
    WHEN the component is deployed
    THEN it passes their ids through (asserted in the apply) and creates no AWS resource."""
    existing = ExistingNetwork("vpc-1", ["subnet-p1", "subnet-p2"], ["subnet-q1", "subnet-q2"])

    def program() -> pulumi.Output[None]:
        net = Network("net", NetworkArgs(existing=existing))

        def check(values: list) -> None:
            assert values == ["vpc-1", ["subnet-p1", "subnet-p2"], ["subnet-q1", "subnet-q2"]]

        return pulumi.Output.all(net.vpc_id, net.public_subnet_ids, net.private_subnet_ids).apply(check)

    rec = deploy(mocks, program)
    assert [r["type"] for r in rec] == ["fargatemesh:network:Network"]


def test_args_from_spec_and_bounds():
    """GIVEN spec networks (new with defaults, existing) and a NAT count above the AZ count
    WHEN args are made
    THEN defaults are 10.0.0.0/16, 2 AZs, 1 NAT; existing ids carry over; too many NATs is refused."""
    new = NetworkArgs.from_spec(NetworkSpec(), {})
    assert (new.cidr, new.az_count, new.nat_gateways, new.existing) == ("10.0.0.0/16", 2, 1, None)
    public, private = ["subnet-0a", "subnet-0b"], ["subnet-0c", "subnet-0d"]
    spec = NetworkSpec(vpcId="vpc-09", publicSubnetIds=public, privateSubnetIds=private)
    assert NetworkArgs.from_spec(spec, {}).existing == ExistingNetwork("vpc-09", public, private)
    with pytest.raises(ValueError, match="nat_gateways"):
        NetworkArgs(az_count=2, nat_gateways=3)


def test_subnet_cidrs_do_not_overlap():
    """GIVEN a /16 and 3 AZs
    WHEN subnet CIDRs are planned
    THEN publics and privates are distinct /20 blocks inside the VPC."""
    public, private = subnet_cidrs("10.0.0.0/16", 3)
    assert public == ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
    assert private == ["10.0.128.0/20", "10.0.144.0/20", "10.0.160.0/20"]
