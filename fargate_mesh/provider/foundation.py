"""What a mesh's workloads share: MeshFoundation (the Cloud Map namespace and the ECS cluster, each
made or brought) and AppImage (an ECR repository and an image built from a local folder)."""

from enum import StrEnum
from typing import NotRequired, TypedDict

import pulumi

from fargate_mesh.components import foundation, images
from fargate_mesh.provider.hosting import host


class ContainerInsights(StrEnum):
    """CloudWatch Container Insights on the cluster."""

    ENABLED = "enabled"
    """Metrics per cluster, service and task."""
    ENHANCED = "enhanced"
    """Also per container, at a higher cost."""


class ExistingClusterArgs(TypedDict):
    """An ECS cluster made elsewhere (ExistingCluster)."""

    arn: pulumi.Input[str]
    """The cluster's ARN."""
    name: pulumi.Input[str]
    """The cluster's name."""


class ExistingNamespaceArgs(TypedDict):
    """A Cloud Map private DNS namespace made elsewhere, in the tasks' VPC (ExistingNamespace)."""

    id: pulumi.Input[str]
    """The namespace's id."""
    name: str
    """Its DNS name, which must be the namespace input: virtual nodes find tasks under it."""


class MeshFoundationArgs(TypedDict):
    mesh_name: str
    """The mesh, named in the namespace's description."""
    namespace: str
    """The Cloud Map private DNS namespace, e.g. "shop.local"."""
    cluster_name: str
    """The ECS cluster to make."""
    vpc_id: pulumi.Input[str]
    """The VPC the namespace resolves in."""
    container_insights: NotRequired[ContainerInsights]
    """The cluster's Container Insights. Default "enabled"."""
    existing_cluster: NotRequired[ExistingClusterArgs]
    """Use this cluster instead of making one. Default: one is made."""
    existing_namespace: NotRequired[ExistingNamespaceArgs]
    """Use this namespace instead of making one. Default: one is made."""
    tags: NotRequired[dict[str, str]]
    """Added to every resource. Default none."""


def foundation_args(args: MeshFoundationArgs) -> foundation.MeshFoundationArgs:
    """MeshFoundationArgs from the hosted component's inputs."""
    cluster, namespace = args.get("existing_cluster"), args.get("existing_namespace")
    return foundation.MeshFoundationArgs(
        mesh_name=args["mesh_name"],
        namespace=args["namespace"],
        cluster_name=args["cluster_name"],
        vpc_id=args["vpc_id"],
        container_insights=args.get("container_insights", ContainerInsights.ENABLED).value,
        existing_cluster=foundation.ExistingCluster(**cluster) if cluster else None,
        existing_namespace=foundation.ExistingNamespace(**namespace) if namespace else None,
        tags=args.get("tags", {}),
    )


class MeshFoundation(pulumi.ComponentResource):
    """What every service of one mesh shares: the Cloud Map namespace its services register in and
    the ECS cluster they run on, each made, or the one given used."""

    namespace_id: pulumi.Output[str]
    """The namespace's id."""
    namespace_name: pulumi.Output[str]
    """The namespace's DNS name."""
    cluster_arn: pulumi.Output[str]
    """The cluster's ARN."""
    cluster_name: pulumi.Output[str]
    """The cluster's name."""

    def __init__(
        self, name: str, args: MeshFoundationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        foundation_arguments = foundation_args(args)
        host(
            self,
            name,
            opts,
            lambda options: foundation.MeshFoundation(name, foundation_arguments, opts=options),
        )


class AppImageArgs(TypedDict):
    repository_name: pulumi.Input[str]
    """The ECR repository's name, e.g. "shop-dev/products"."""
    context: str
    """The local folder with the app, e.g. "apps/products", on the machine that runs `pulumi up`.
    A relative path is taken from the provider's working directory, the program's own with current
    Pulumi CLIs (pulumi/pulumi#16918); an absolute path does not depend on it."""
    dockerfile: NotRequired[str]
    """The Dockerfile, if not the context's own. Default: the context's Dockerfile."""
    named_contexts: NotRequired[dict[str, str]]
    """More local folders the Dockerfile reads, by name, e.g. {"kit": "apps/kit"}. Default none."""
    build_args: NotRequired[dict[str, str]]
    """The Dockerfile's ARG values. Default none."""
    keep_images: NotRequired[int]
    """How many images the lifecycle policy keeps; older ones expire. Default 20."""
    platform: NotRequired[str]
    """The image's platform, matching the task definitions' CPU architecture. Default "linux/amd64"."""
    force_delete: NotRequired[pulumi.Input[bool]]
    """Let destroy delete the repository with its images. Default false: destroy refuses while
    images remain."""
    tags: NotRequired[dict[str, pulumi.Input[str]]]
    """Added to the repository. Default none."""


class AppImage(pulumi.ComponentResource):
    """A private ECR repository (immutable tags, scan on push, a lifecycle policy) and one image
    built from a local folder, tagged with a hash of what the build reads. Building needs Docker
    where `pulumi up` runs."""

    repository_arn: pulumi.Output[str]
    """The repository's ARN (for an execution role's pull permission)."""
    repository_url: pulumi.Output[str]
    """The repository's URL."""
    image_ref: pulumi.Output[str]
    """repository:tag@sha256:digest: what a task definition runs."""

    def __init__(self, name: str, args: AppImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        image_args = images.AppImageArgs(**args)
        host(self, name, opts, lambda options: images.AppImage(name, image_args, opts=options))
