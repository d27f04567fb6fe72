"""MeshStack: the whole platform (MeshPlatform) from a spec given as a plain object, the
bring-your-own resources as ids that take Outputs."""

from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi.provider.experimental.util import camel_case

from fargate_mesh.components.appmesh.mesh import ExistingMesh
from fargate_mesh.components.foundation import ExistingCluster, ExistingNamespace
from fargate_mesh.components.network import ExistingNetwork
from fargate_mesh.components.platform import MeshPlatform, MeshPlatformArgs
from fargate_mesh.provider.hosting import host
from fargate_mesh.provider.inputs import (
    GatewayAlarmArgs,
    WorkloadResourcesArgs,
    gateway_alarms,
    workload_resources,
)
from fargate_mesh.spec import parse_mesh

SPEC_SOURCE = "MeshStack spec"


class MeshStackArgs(TypedDict):
    spec: dict[str, Any]
    """The mesh spec, as a stack file's `<project>:mesh` value (docs/spec.md). Plain: it names resources."""
    apps_dir: NotRequired[str]
    """Where app folders are, for services without an image. Default "apps"."""
    vpc_id: NotRequired[pulumi.Input[str]]
    """An existing VPC (with both subnet lists), instead of the spec's network. Default: one is made."""
    public_subnet_ids: NotRequired[pulumi.Input[list[pulumi.Input[str]]]]
    """The existing VPC's public subnets (the ALB's). Default: with vpcId only."""
    private_subnet_ids: NotRequired[pulumi.Input[list[pulumi.Input[str]]]]
    """The existing VPC's private subnets (the tasks'). Default: with vpcId only."""
    availability_zones: NotRequired[list[str]]
    """AZs of a new VPC. Default: looked up."""
    cluster_arn: NotRequired[pulumi.Input[str]]
    """An existing ECS cluster's ARN (with clusterName), instead of making one. Default: one is made."""
    cluster_name: NotRequired[pulumi.Input[str]]
    """The existing ECS cluster's name. Default: with clusterArn only."""
    namespace_id: NotRequired[pulumi.Input[str]]
    """An existing Cloud Map namespace named as the spec's namespace, instead of making one.
    Default: one is made."""
    certificate_arn: NotRequired[pulumi.Input[str]]
    """An issued ACM certificate for the domain, instead of requesting one. Default: one is
    requested and validated by DNS."""
    mesh_arn: NotRequired[str]
    """An existing App Mesh mesh, possibly shared by another account, instead of making one.
    Default: one is made."""
    open_egress: NotRequired[bool]
    """Task egress to anywhere. Default true."""
    platform_version: NotRequired[str]
    """Fargate's platform version. Default "1.4.0"."""
    ssl_policy: NotRequired[str]
    """The HTTPS listener's TLS policy. Default "ELBSecurityPolicy-TLS13-1-2-2021-06": TLS 1.3 and
    1.2 with forward-secret ciphers only."""
    alb_deletion_protection: NotRequired[bool]
    """Refuse to delete the ALB. Default false."""
    alb_access_logs_bucket: NotRequired[str]
    """An S3 bucket that allows ELB log delivery. Default none: no access logs."""
    force_delete_repositories: NotRequired[bool]
    """Let destroy delete ECR repositories that hold images. Default false."""
    keep_images: NotRequired[int]
    """Images each ECR repository keeps. Default 20."""
    writable_root_services: NotRequired[list[str]]
    """Services whose app may write its root filesystem. Default none: every app's is read-only."""
    envoy_health_check_command: NotRequired[list[str]]
    """The App Mesh Envoy's health check command. Default: the App Mesh user guide's; confirm it
    on the first deploy."""
    envoy_trust_bundle: NotRequired[str]
    """The CA bundle in the Envoy image TLS backends are checked against. Default
    "/etc/ssl/certs/ca-bundle.crt"."""
    envoy_image: NotRequired[str]
    """dataplane envoy: the Envoy image. Default: the spec's envoyImage when it names one, else the
    pinned upstream release."""
    gateway_alarms: NotRequired[GatewayAlarmArgs]
    """Thresholds of the gateway's rollback alarms. Default: GatewayAlarmArgs' defaults."""
    workload_resources: NotRequired[dict[str, WorkloadResourcesArgs]]
    """What a workload brings of its own (its log group, execution role, task role) or adds (its
    app's managed policies), keyed by service name or ":gateway". Default none: all are made."""


# An existing resource comes with all of its ids, or it is not used at all.
TOGETHER = {"vpc_id": ("public_subnet_ids", "private_subnet_ids"), "cluster_arn": ("cluster_name",)}
# MeshStackArgs' keys MeshPlatformArgs takes as they are.
SAME = (
    "apps_dir",
    "availability_zones",
    "certificate_arn",
    "open_egress",
    "platform_version",
    "ssl_policy",
    "alb_deletion_protection",
    "alb_access_logs_bucket",
    "force_delete_repositories",
    "keep_images",
    "writable_root_services",
    "envoy_health_check_command",
    "envoy_trust_bundle",
    "envoy_image",
)


def platform_args(args: MeshStackArgs) -> MeshPlatformArgs:
    """MeshPlatformArgs from MeshStack's inputs (what a Python program writes by hand)."""
    mesh = parse_mesh(args["spec"], source=SPEC_SOURCE)
    missing = [
        f"{camel_case(given)} needs {', '.join(camel_case(n) for n in needs if n not in args)}"
        for given, needs in TOGETHER.items()
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
    same: dict[str, Any] = {key: args[key] for key in SAME if key in args}  # type: ignore[literal-required]
    return MeshPlatformArgs(
        mesh=mesh,
        spec_source=SPEC_SOURCE,
        existing_network=existing_network,
        existing_cluster=cluster,
        existing_namespace=namespace,
        existing_mesh=existing_mesh,
        gateway_alarms=gateway_alarms(args.get("gateway_alarms")),
        workload_resources=workload_resources(args.get("workload_resources")),
        **same,
    )


class MeshStack(pulumi.ComponentResource):
    """A whole stack's service mesh on ECS Fargate from one spec: network (or yours), the HTTPS
    edge, cluster and namespace (or yours), App Mesh (or a shared mesh), every service and the
    ingress gateway. Every check runs before anything is registered."""

    url: pulumi.Output[str]
    """https://<domain>"""
    alb_dns_name: pulumi.Output[str]
    """The ALB's DNS name (the domain's alias record points at it)."""
    mesh_name: pulumi.Output[str]
    """The App Mesh mesh (the spec's name on other data planes)."""
    mesh_arn: pulumi.Output[str]
    """The App Mesh mesh's ARN; empty on data planes without App Mesh."""
    cluster_name: pulumi.Output[str]
    """The ECS cluster the services run in."""
    gateway_arn: pulumi.Output[str]
    """The App Mesh virtual gateway, or the gateway's ECS service on other data planes."""
    virtual_service_names: pulumi.Output[dict[str, str]]
    """Service → the name callers reach it by."""
    task_role_policies: pulumi.Output[dict[str, dict[str, str]]]
    """Workload → task → the policy document its task role has (or, brought, must allow); null
    when the role needs nothing."""

    def __init__(self, name: str, args: MeshStackArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        platform_arguments = platform_args(args)  # every check, before anything is registered
        host(self, name, opts, lambda options: MeshPlatform(name, platform_arguments, opts=options))
