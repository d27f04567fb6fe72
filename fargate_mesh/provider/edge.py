"""The parts that take plain ids and values: Network, PublicEndpoint (the HTTPS edge) and
MeshFirewall."""

from typing import NotRequired, TypedDict

import pulumi

from fargate_mesh.components import firewall, network, public_endpoint
from fargate_mesh.provider.hosting import host


class ExistingNetworkArgs(TypedDict):
    """A VPC made elsewhere (ExistingNetwork): Network makes nothing and passes the ids through."""

    vpc_id: pulumi.Input[str]
    """The VPC's id."""
    public_subnet_ids: pulumi.Input[list[pulumi.Input[str]]]
    """Subnets routed to an internet gateway, in at least two AZs: the ALB's."""
    private_subnet_ids: pulumi.Input[list[pulumi.Input[str]]]
    """Subnets routed to a NAT gateway (or VPC endpoints), in at least two AZs: the tasks'."""


class NetworkArgs(TypedDict):
    cidr: NotRequired[str]
    """The new VPC's IPv4 block, /16 to /20. Default "10.0.0.0/16"."""
    az_count: NotRequired[int]
    """AZs with a public and a private subnet each, 2 to 6. Default 2."""
    nat_gateways: NotRequired[int]
    """NAT gateways, 1 to azCount. Default 1."""
    availability_zones: NotRequired[pulumi.Input[list[pulumi.Input[str]]]]
    """AZ names. Default: looked up."""
    existing: NotRequired[ExistingNetworkArgs]
    """Use this VPC instead of making one; the inputs above are then ignored. Default: one is made."""
    tags: NotRequired[dict[str, pulumi.Input[str]]]
    """Added to every resource. Default none."""


class Network(pulumi.ComponentResource):
    """A new VPC: public and private subnets per AZ, NAT, no public IPs, default SG without rules."""

    vpc_id: pulumi.Output[str]
    """The VPC's id."""
    public_subnet_ids: pulumi.Output[list[str]]
    """One public subnet per AZ."""
    private_subnet_ids: pulumi.Output[list[str]]
    """One private subnet per AZ."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        given = dict(args)
        if "existing" in args:
            given["existing"] = network.ExistingNetwork(**args["existing"])
        network_args = network.NetworkArgs(**given)  # type: ignore[arg-type]
        host(self, name, opts, lambda options: network.Network(name, network_args, opts=options))


class PublicEndpointArgs(TypedDict):
    domain: pulumi.Input[str]
    """The name clients use; it gets the certificate and the alias record."""
    hosted_zone: pulumi.Input[str]
    """An existing public Route 53 zone that domain is in."""
    vpc_id: pulumi.Input[str]
    """The VPC of the ALB and its target group."""
    public_subnet_ids: pulumi.Input[list[pulumi.Input[str]]]
    """At least two public subnets in different AZs."""
    target_port: pulumi.Input[int]
    """Where the targets listen."""
    health_check_path: pulumi.Input[str]
    """A path the ALB's health check GETs on the targets."""
    target_protocol: NotRequired[str]
    """How the ALB speaks to the targets: "HTTP" or "HTTPS". Default "HTTP"."""
    ssl_policy: NotRequired[pulumi.Input[str]]
    """The HTTPS listener's TLS policy. Default "ELBSecurityPolicy-TLS13-1-2-2021-06": TLS 1.3 and
    1.2 with forward-secret ciphers only."""
    deletion_protection: NotRequired[pulumi.Input[bool]]
    """Refuse to delete the ALB. Default false."""
    access_logs_bucket: NotRequired[pulumi.Input[str]]
    """An S3 bucket that allows ELB log delivery. Default none: no access logs."""
    idle_timeout: NotRequired[pulumi.Input[int]]
    """Seconds an idle connection is kept open. Default 60."""
    certificate_arn: NotRequired[pulumi.Input[str]]
    """An issued ACM certificate for domain. Default: one is requested and validated by DNS."""
    tags: NotRequired[dict[str, pulumi.Input[str]]]
    """Added to every resource. Default none."""


class PublicEndpoint(pulumi.ComponentResource):
    """The internet-facing edge: an ALB with HTTPS, HTTP redirected, one IP target group, the alias record."""

    url: pulumi.Output[str]
    """https://<domain>"""
    alb_arn: pulumi.Output[str]
    """The ALB's ARN."""
    alb_dns_name: pulumi.Output[str]
    """The ALB's DNS name."""
    alb_security_group_id: pulumi.Output[str]
    """The ALB's security group: admit it on the targets (MeshFirewall's externalSources)."""
    target_group_arn: pulumi.Output[str]
    """Register the targets here."""
    https_listener_arn: pulumi.Output[str]
    """The HTTPS listener's ARN."""
    certificate_arn: pulumi.Output[str]
    """The certificate the HTTPS listener serves."""

    def __init__(
        self, name: str, args: PublicEndpointArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        endpoint_args = public_endpoint.PublicEndpointArgs(**args)
        host(
            self,
            name,
            opts,
            lambda options: public_endpoint.PublicEndpoint(name, endpoint_args, opts=options),
        )


class AdmissionArgs(TypedDict):
    """Who may connect to whom on which port (Admission)."""

    target: str
    """The workload that admits."""
    source: str
    """The workload (or external source) admitted."""
    port: int
    """The one port admitted."""
    description: NotRequired[str]
    """Why, on the ingress rule. Default: "from <source>" (its label)."""


class MeshFirewallArgs(TypedDict):
    vpc_id: pulumi.Input[str]
    """The VPC the security groups belong to."""
    workloads: list[str]
    """Keys of the workloads that get a security group each."""
    admissions: list[AdmissionArgs]
    """Who may connect to whom on which port; nothing else is admitted."""
    external_sources: NotRequired[dict[str, pulumi.Input[str]]]
    """Security groups made elsewhere that appear as sources, by key. Default none."""
    open_egress: NotRequired[bool]
    """Egress to anywhere for each workload. Default true."""
    labels: NotRequired[dict[str, str]]
    """How a key is shown in Name tags and descriptions. Default: the key itself."""
    tags: NotRequired[dict[str, pulumi.Input[str]]]
    """Added to every resource. Default none."""


class MeshFirewall(pulumi.ComponentResource):
    """One closed security group per workload; each admits only the callers named, by reference."""

    group_ids: pulumi.Output[dict[str, str]]
    """Workload key → its security group's id."""

    def __init__(self, name: str, args: MeshFirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        admissions = [firewall.Admission(**a) for a in args["admissions"]]
        firewall_args = firewall.MeshFirewallArgs(**{**args, "admissions": admissions})  # type: ignore[arg-type]
        host(self, name, opts, lambda options: firewall.MeshFirewall(name, firewall_args, opts=options))
