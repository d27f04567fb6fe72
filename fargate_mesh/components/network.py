"""Network: a new VPC with public and private subnets per AZ and NAT, or an existing VPC by id."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.args import holds_unresolved, raise_problems, require_plain, spec_problems
from fargate_mesh.components.base import child, type_token
from fargate_mesh.spec import Network as NetworkSpec
from fargate_mesh.spec import Problem


@dataclass(frozen=True)
class ExistingNetwork:
    """A VPC made elsewhere: Network creates nothing and passes these ids through.

    Each field takes a plain value or a pulumi Output (another resource's, a StackReference's).
    Plain values are held to the spec's rules (a `vpc-` id; at least two `subnet-` ids, none twice);
    Outputs are checked by AWS when they resolve.

    Args:
        vpc_id: The VPC's id. Required.
        public_subnet_ids: Subnets with a route to an internet gateway, in at least two AZs: the
            ALB's. Required.
        private_subnet_ids: Subnets with a route to a NAT gateway (or VPC endpoints), in at least
            two AZs: the tasks'. Required.
    """

    vpc_id: pulumi.Input[str]
    public_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]

    def __post_init__(self) -> None:
        raise_problems(
            "ExistingNetwork",
            spec_problems(
                NetworkSpec,
                {
                    "vpcId": self.vpc_id,
                    "publicSubnetIds": self.public_subnet_ids,
                    "privateSubnetIds": self.private_subnet_ids,
                },
            ),
        )


@dataclass(frozen=True)
class NetworkArgs:
    """A new VPC, unless `existing` is given. The new VPC has a public and a private subnet per
    AZ, NAT for the private ones, DNS support (Cloud Map needs it), no public IPs on launch, and
    its default security group stripped of rules. Values follow the spec's network rules.

    Args:
        cidr: The new VPC's IPv4 block, /16 to /20. Default "10.0.0.0/16".
        az_count: How many AZs get a subnet pair, 2 to 6. Default 2.
        nat_gateways: NAT gateways, 1 to az_count. Default 1: cheap, but private subnets lose
            egress while its AZ is down; one per AZ survives an AZ outage.
        availability_zones: AZ names to use (a list or an Output of one). Default: the region's
            available AZs, looked up.
        existing: Use this VPC instead of making one; the fields above are then ignored.
            Default None (make one).
        tags: Added to every resource. Default none.
    """

    cidr: str = "10.0.0.0/16"
    az_count: int = 2
    nat_gateways: int = 1
    availability_zones: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    existing: ExistingNetwork | None = None
    tags: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.existing is not None:
            return
        # Subnet CIDRs and resource names are computed from these before anything is deployed.
        require_plain("NetworkArgs", cidr=self.cidr, az_count=self.az_count, nat_gateways=self.nat_gateways)
        problems = spec_problems(
            NetworkSpec, {"cidr": self.cidr, "azCount": self.az_count, "natGateways": self.nat_gateways}
        )
        zones = self.availability_zones
        if isinstance(zones, Sequence) and not holds_unresolved(zones) and len(zones) < self.az_count:
            problems.append(
                Problem("availability_zones", f"needs {self.az_count} AZs (az_count), got {len(zones)}")
            )
        raise_problems("NetworkArgs", problems)

    @classmethod
    def from_spec(cls, spec: NetworkSpec, tags: Mapping[str, str]) -> NetworkArgs:
        if not spec.is_new:
            existing = ExistingNetwork(
                vpc_id=spec.vpc_id or "",
                public_subnet_ids=list(spec.public_subnet_ids or []),
                private_subnet_ids=list(spec.private_subnet_ids or []),
            )
            return cls(existing=existing, tags=tags)
        return cls(cidr=spec.vpc_cidr, az_count=spec.azs, nat_gateways=spec.nats, tags=tags)


def subnet_cidrs(cidr: str, az_count: int) -> tuple[list[str], list[str]]:
    """Public and private CIDRs: the VPC split in 16; publics from the first half, privates the second."""
    net = ipaddress.ip_network(cidr)
    blocks = [str(b) for b in net.subnets(new_prefix=net.prefixlen + 4)]
    return blocks[:az_count], blocks[8 : 8 + az_count]


def _id_list(ids: pulumi.Input[Sequence[pulumi.Input[str]]]) -> pulumi.Output[list[str]]:
    """A list of ids, given as a list (of strings or Outputs) or as an Output of one."""
    # from_input resolves Outputs inside the list too; its type does not say so.
    resolved = cast(pulumi.Output[Sequence[str]], pulumi.Output.from_input(ids))
    return resolved.apply(list)


def _first_zones(names: Sequence[str], az_count: int, source: str) -> list[str]:
    if len(names) < az_count:
        raise ValueError(f"{source} {len(names)} available AZs; az_count {az_count} is too many")
    return list(names[:az_count])


class Network(pulumi.ComponentResource):
    """A VPC with a public and a private subnet per AZ and NAT, or an existing one passed through
    (NetworkArgs). Outputs: vpc_id, public_subnet_ids, private_subnet_ids."""

    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("network", "Network"), name, None, opts)
        if args.existing is not None:
            self.vpc_id = pulumi.Output.from_input(args.existing.vpc_id)
            self.public_subnet_ids = _id_list(args.existing.public_subnet_ids)
            self.private_subnet_ids = _id_list(args.existing.private_subnet_ids)
        else:
            self._build(name, args)
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
            }
        )

    def _zone_names(self, args: NetworkArgs) -> pulumi.Output[list[str]]:
        """The first az_count AZ names: given, or looked up (state "available")."""
        if args.availability_zones is not None:
            given = _id_list(args.availability_zones)
            return given.apply(lambda names: _first_zones(names, args.az_count, "availability_zones has"))
        zones = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOutputOptions(parent=self)
        )
        return zones.names.apply(lambda names: _first_zones(names, args.az_count, "the region has"))

    def _build(self, name: str, args: NetworkArgs) -> None:
        tags = dict(args.tags)
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            # Cloud Map private DNS (products.shop.local) needs both.
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={**tags, "Name": f"{name}-vpc"},
            opts=child(self),
        )
        # The default SG allows all traffic between its members: strip its rules so nothing relies on it.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg", vpc_id=vpc.id, tags={**tags, "Name": f"{name}-default"}, opts=child(self)
        )
        igw = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=vpc.id, tags={**tags, "Name": f"{name}-igw"}, opts=child(self)
        )
        public_cidrs, private_cidrs = subnet_cidrs(args.cidr, args.az_count)
        zone_names = self._zone_names(args)
        public, private = [], []
        for i in range(args.az_count):
            az = zone_names[i]
            public.append(
                aws.ec2.Subnet(
                    f"{name}-public-{i}",
                    vpc_id=vpc.id,
                    cidr_block=public_cidrs[i],
                    availability_zone=az,
                    # Only the ALB lives here; nothing should get a public IP by accident.
                    map_public_ip_on_launch=False,
                    tags={**tags, "Name": f"{name}-public-{i}", "tier": "public"},
                    opts=child(self),
                )
            )
            private.append(
                aws.ec2.Subnet(
                    f"{name}-private-{i}",
                    vpc_id=vpc.id,
                    cidr_block=private_cidrs[i],
                    availability_zone=az,
                    map_public_ip_on_launch=False,
                    tags={**tags, "Name": f"{name}-private-{i}", "tier": "private"},
                    opts=child(self),
                )
            )

        public_rt = aws.ec2.RouteTable(
            f"{name}-public-rt", vpc_id=vpc.id, tags={**tags, "Name": f"{name}-public"}, opts=child(self)
        )
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=child(self),
        )
        for i, subnet in enumerate(public):
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{i}", subnet_id=subnet.id, route_table_id=public_rt.id, opts=child(self)
            )

        nats = []
        for j in range(args.nat_gateways):
            eip = aws.ec2.Eip(
                f"{name}-nat-{j}", domain="vpc", tags={**tags, "Name": f"{name}-nat-{j}"}, opts=child(self)
            )
            nats.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{j}",
                    allocation_id=eip.allocation_id,
                    subnet_id=public[j].id,
                    tags={**tags, "Name": f"{name}-nat-{j}"},
                    opts=child(self, depends_on=[igw]),
                )
            )
        # One private route table per AZ: its NAT is the AZ's own when there is one per AZ.
        for i, subnet in enumerate(private):
            rt = aws.ec2.RouteTable(
                f"{name}-private-rt-{i}",
                vpc_id=vpc.id,
                tags={**tags, "Name": f"{name}-private-{i}"},
                opts=child(self),
            )
            aws.ec2.Route(
                f"{name}-private-default-{i}",
                route_table_id=rt.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nats[i % len(nats)].id,
                opts=child(self),
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{i}", subnet_id=subnet.id, route_table_id=rt.id, opts=child(self)
            )

        self.vpc_id = vpc.id
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private])
