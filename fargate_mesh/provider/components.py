"""The components the provider hosts, with args the schema inference can read.

The inference reads `args: <TypedDict>` and the class's annotations at run time, so this module
does not use `from __future__ import annotations`, and its type tokens are `fargatemesh:index:<X>`
(the only module a provider hosts). Each class registers its Python component as its only child,
under its own name: the resources below are those a Python program gets from the same args.

Exposed: the whole platform from a spec (MeshStack) and the parts that take plain ids and values
(Network, PublicEndpoint, MeshFirewall). MeshService, IngressGateway and the other App Mesh parts
take spec objects and the names the platform computes; MeshStack is their entry point here.
"""

from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi.provider.experimental.util import camel_case

from fargate_mesh.components import firewall, network, public_endpoint
from fargate_mesh.components.appmesh.mesh import ExistingMesh
from fargate_mesh.components.base import child
from fargate_mesh.components.foundation import ExistingCluster, ExistingNamespace
from fargate_mesh.components.network import ExistingNetwork
from fargate_mesh.components.platform import MeshPlatform, MeshPlatformArgs
from fargate_mesh.spec import parse_mesh

PACKAGE = "fargatemesh"


def _token(name: str) -> str:
    return f"{PACKAGE}:index:{name}"


class MeshStackArgs(TypedDict):
    spec: dict[str, Any]
    """The mesh spec, as a stack file's `<project>:mesh` value (docs/spec.md). Plain: it names resources."""
    apps_dir: NotRequired[str]
    """Where app folders are, for services without an image. Default "apps"."""
    vpc_id: NotRequired[pulumi.Input[str]]
    """An existing VPC (with both subnet lists), instead of the spec's network."""
    public_subnet_ids: NotRequired[pulumi.Input[list[pulumi.Input[str]]]]
    """The existing VPC's public subnets (the ALB's)."""
    private_subnet_ids: NotRequired[pulumi.Input[list[pulumi.Input[str]]]]
    """The existing VPC's private subnets (the tasks')."""
    cluster_arn: NotRequired[pulumi.Input[str]]
    """An existing ECS cluster's ARN (with cluster_name), instead of making one."""
    cluster_name: NotRequired[pulumi.Input[str]]
    """The existing ECS cluster's name."""
    namespace_id: NotRequired[pulumi.Input[str]]
    """An existing Cloud Map namespace named as the spec's namespace, instead of making one."""
    certificate_arn: NotRequired[pulumi.Input[str]]
    """An issued ACM certificate for the domain, instead of requesting one."""
    mesh_arn: NotRequired[str]
    """An existing App Mesh mesh, possibly shared by another account, instead of making one."""
    open_egress: NotRequired[bool]
    """Task egress to anywhere. Default true."""
    alb_deletion_protection: NotRequired[bool]
    """Refuse to delete the ALB. Default false."""
    force_delete_repositories: NotRequired[bool]
    """Let destroy delete ECR repositories that hold images. Default false."""


def platform_args(args: MeshStackArgs) -> MeshPlatformArgs:
    """MeshPlatformArgs from MeshStack's inputs (what a Python program writes by hand)."""
    mesh = parse_mesh(args["spec"], source="MeshStack spec")
    # An existing resource comes with all of its ids, or it is not used at all.
    together = {"vpc_id": ("public_subnet_ids", "private_subnet_ids"), "cluster_arn": ("cluster_name",)}
    missing = [
        f"{camel_case(given)} needs {', '.join(camel_case(n) for n in needs if n not in args)}"
        for given, needs in together.items()
        if given in args and any(n not in args for n in needs)
    ]
    if missing:
        raise ValueError("MeshStack's inputs are incomplete:\n" + "\n".join(f"  - {m}" for m in missing))
    existing_network = None
    if "vpc_id" in args:
        existing_network = ExistingNetwork(
            args["vpc_id"], args["public_subnet_ids"], args["private_subnet_ids"]
        )
    cluster = ExistingCluster(args["cluster_arn"], args["cluster_name"]) if "cluster_arn" in args else None
    namespace = ExistingNamespace(args["namespace_id"], mesh.namespace) if "namespace_id" in args else None
    existing_mesh = ExistingMesh.from_arn(args["mesh_arn"]) if "mesh_arn" in args else None
    return MeshPlatformArgs(
        mesh=mesh,
        apps_dir=args.get("apps_dir", "apps"),
        existing_network=existing_network,
        existing_cluster=cluster,
        existing_namespace=namespace,
        certificate_arn=args.get("certificate_arn"),
        existing_mesh=existing_mesh,
        open_egress=args.get("open_egress", True),
        alb_deletion_protection=args.get("alb_deletion_protection", False),
        force_delete_repositories=args.get("force_delete_repositories", False),
    )


class MeshStack(pulumi.ComponentResource):
    """A whole stack's service mesh on ECS Fargate from one spec: network (or yours), the HTTPS
    edge, cluster and namespace (or yours), App Mesh (or a shared mesh), every service and the
    ingress gateway. Every check runs before anything is registered."""

    url: pulumi.Output[str]
    """https://<domain>"""
    alb_dns_name: pulumi.Output[str]
    mesh_name: pulumi.Output[str]
    mesh_arn: pulumi.Output[str]
    cluster_name: pulumi.Output[str]
    gateway_arn: pulumi.Output[str]
    virtual_service_names: pulumi.Output[dict[str, str]]
    """Service → the name callers reach it by."""

    def __init__(self, name: str, args: MeshStackArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        platform_arguments = platform_args(args)  # every check, before anything is registered
        super().__init__(_token("MeshStack"), name, None, opts)
        platform = MeshPlatform(name, platform_arguments, opts=child(self))
        self.url = platform.url
        self.alb_dns_name = platform.alb_dns_name
        self.mesh_name = platform.mesh_name
        # Data planes without App Mesh (envoy, serviceConnect) have no mesh: an empty ARN.
        self.mesh_arn = platform.mesh_arn or pulumi.Output.from_input("")
        self.cluster_name = platform.cluster_name
        self.gateway_arn = platform.gateway_arn
        self.virtual_service_names = pulumi.Output.all(**platform.virtual_service_names)
        self.register_outputs({"url": self.url, "mesh_arn": self.mesh_arn})


class NetworkArgs(TypedDict):
    cidr: NotRequired[str]
    """The new VPC's IPv4 block, /16 to /20. Default "10.0.0.0/16"."""
    az_count: NotRequired[int]
    """AZs with a public and a private subnet each, 2 to 6. Default 2."""
    nat_gateways: NotRequired[int]
    """NAT gateways, 1 to az_count. Default 1."""
    availability_zones: NotRequired[pulumi.Input[list[pulumi.Input[str]]]]
    """AZ names. Default: looked up."""
    tags: NotRequired[dict[str, pulumi.Input[str]]]


class Network(pulumi.ComponentResource):
    """A new VPC: public and private subnets per AZ, NAT, no public IPs, default SG without rules."""

    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        network_args = network.NetworkArgs(**args)
        super().__init__(_token("Network"), name, None, opts)
        made = network.Network(name, network_args, opts=child(self))
        self.vpc_id = made.vpc_id
        self.public_subnet_ids = made.public_subnet_ids
        self.private_subnet_ids = made.private_subnet_ids
        self.register_outputs({"vpc_id": self.vpc_id})


class PublicEndpointArgs(TypedDict):
    domain: pulumi.Input[str]
    """The name clients use; it gets the certificate and the alias record."""
    hosted_zone: pulumi.Input[str]
    """An existing public Route 53 zone that domain is in."""
    vpc_id: pulumi.Input[str]
    public_subnet_ids: pulumi.Input[list[pulumi.Input[str]]]
    target_port: pulumi.Input[int]
    health_check_path: pulumi.Input[str]
    ssl_policy: NotRequired[pulumi.Input[str]]
    """Default: TLS 1.3 and 1.2 with forward-secret ciphers only."""
    deletion_protection: NotRequired[pulumi.Input[bool]]
    access_logs_bucket: NotRequired[pulumi.Input[str]]
    idle_timeout: NotRequired[pulumi.Input[int]]
    certificate_arn: NotRequired[pulumi.Input[str]]
    """An issued ACM certificate for domain. Default: one is requested and validated by DNS."""
    tags: NotRequired[dict[str, pulumi.Input[str]]]


class PublicEndpoint(pulumi.ComponentResource):
    """The internet-facing edge: an ALB with HTTPS, HTTP redirected, one IP target group, the alias record."""

    url: pulumi.Output[str]
    alb_arn: pulumi.Output[str]
    alb_dns_name: pulumi.Output[str]
    alb_security_group_id: pulumi.Output[str]
    target_group_arn: pulumi.Output[str]
    https_listener_arn: pulumi.Output[str]
    certificate_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: PublicEndpointArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        endpoint_args = public_endpoint.PublicEndpointArgs(**args)
        super().__init__(_token("PublicEndpoint"), name, None, opts)
        endpoint = public_endpoint.PublicEndpoint(name, endpoint_args, opts=child(self))
        for output in ("url", "alb_arn", "alb_dns_name", "alb_security_group_id", "target_group_arn"):
            setattr(self, output, getattr(endpoint, output))
        self.https_listener_arn = endpoint.https_listener_arn
        self.certificate_arn = endpoint.certificate_arn
        self.register_outputs({"url": self.url})


class AdmissionArgs(TypedDict):
    target: str
    """The workload that admits."""
    source: str
    """The workload (or external source) admitted."""
    port: int
    description: NotRequired[str]


class MeshFirewallArgs(TypedDict):
    vpc_id: pulumi.Input[str]
    workloads: list[str]
    """Keys of the workloads that get a security group each."""
    admissions: list[AdmissionArgs]
    """Who may connect to whom on which port; nothing else is admitted."""
    external_sources: NotRequired[dict[str, pulumi.Input[str]]]
    """Security groups made elsewhere that appear as sources, by key."""
    open_egress: NotRequired[bool]
    """Egress to anywhere for each workload. Default true."""
    labels: NotRequired[dict[str, str]]
    tags: NotRequired[dict[str, pulumi.Input[str]]]


class MeshFirewall(pulumi.ComponentResource):
    """One closed security group per workload; each admits only the callers named, by reference."""

    group_ids: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, args: MeshFirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        admissions = [firewall.Admission(**a) for a in args["admissions"]]
        firewall_args = firewall.MeshFirewallArgs(**{**args, "admissions": admissions})  # type: ignore[arg-type]
        super().__init__(_token("MeshFirewall"), name, None, opts)
        made = firewall.MeshFirewall(name, firewall_args, opts=child(self))
        self.group_ids = pulumi.Output.all(**made.group_ids)
        self.register_outputs({"group_ids": self.group_ids})


COMPONENTS: list[type[pulumi.ComponentResource]] = [
    MeshStack,
    Network,
    PublicEndpoint,
    MeshFirewall,
]
