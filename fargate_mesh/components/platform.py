"""MeshPlatform: a whole stack's mesh from one validated spec. Its args compile the spec for the
spec's own data plane (`dataplane`, fargate_mesh.model.compile_checked), refusing what that data
plane cannot carry before anything is registered; the platform reads only the compiled mesh. It
composes what every data plane needs (Network, PublicEndpoint, MeshFoundation, an AppImage per app,
MeshFirewall), then hands them to the data plane (components/dataplane.py), which deploys the
services and the gateway."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from fargate_mesh import naming
from fargate_mesh.components.alarms import GatewayAlarmArgs
from fargate_mesh.components.appmesh.dataplane import AppMeshDataPlane
from fargate_mesh.components.appmesh.mesh import ExistingMesh
from fargate_mesh.components.appmesh.sidecar import ENVOY_HEALTH_CHECK_COMMAND
from fargate_mesh.components.args import require_plain
from fargate_mesh.components.base import Scope, standard_tags, type_token
from fargate_mesh.components.dataplane import DataPlane, PlatformParts, ServiceImages
from fargate_mesh.components.ecs.task import WorkloadResources, task_role_problems
from fargate_mesh.components.envoy.dataplane import EnvoyDataPlane
from fargate_mesh.components.envoy.sidecars import envoy_images
from fargate_mesh.components.firewall import (
    ALB,
    GATEWAY,
    MeshFirewall,
    MeshFirewallArgs,
    admissions_from_spec,
)
from fargate_mesh.components.foundation import (
    ExistingCluster,
    ExistingNamespace,
    MeshFoundation,
    MeshFoundationArgs,
    namespace_problems,
)
from fargate_mesh.components.images import AppImage, AppImageArgs, repository_arn_from_uri
from fargate_mesh.components.names import StackNames
from fargate_mesh.components.network import ExistingNetwork, Network, NetworkArgs
from fargate_mesh.components.public_endpoint import DEFAULT_SSL_POLICY, PublicEndpoint, PublicEndpointArgs
from fargate_mesh.components.serviceconnect.dataplane import ServiceConnectDataPlane
from fargate_mesh.facts import FARGATE_PLATFORM_VERSION
from fargate_mesh.model import CompiledMesh, compile_checked, compile_mesh
from fargate_mesh.model.dataplanes import INFO
from fargate_mesh.render.appmesh.specs import DEFAULT_TRUST_BUNDLE
from fargate_mesh.spec import Mesh, Problem, SpecError


def apps_to_build(mesh: CompiledMesh) -> dict[str, list[tuple[str, str]]]:
    """App folder name → the (service, version)s that run the image built from it (those without
    a prebuilt image)."""
    apps: dict[str, list[tuple[str, str]]] = {}
    for name, service in mesh.services.items():
        for version in service.versions.values():
            if version.image is None:
                apps.setdefault(service.app, []).append((name, version.name))
    return apps


# How an app folder is built (apps/README.md): with its own Dockerfile if it has one; else with the
# sample apps' shared kit, whose Dockerfile takes the kit as the named context `kit` and the app's
# package, <folder>_api, as the build argument APP_PACKAGE.
KIT = "kit"


def app_build(apps_dir: str | Path, app: str) -> dict[str, Any]:
    """AppImageArgs' build inputs for one app folder."""
    folder = Path(apps_dir) / app
    if (folder / "Dockerfile").is_file():
        return {"context": str(folder)}
    kit = Path(apps_dir) / KIT
    return {
        "context": str(folder),
        "dockerfile": str(kit / "Dockerfile"),
        "named_contexts": {KIT: str(kit)},
        "build_args": {"APP_PACKAGE": f"{app}_api"},
    }


def _build_problem(apps_dir: str | Path, app: str) -> str | None:
    """Why an app folder cannot be built, or None."""
    folder = Path(apps_dir) / app
    if not folder.is_dir():
        return f"no folder {folder} to build the image from; add it, set app: <folder>, or give an image: in the spec"
    if (folder / "Dockerfile").is_file():
        return None
    build = app_build(apps_dir, app)
    missing = [
        str(path)
        for path in (Path(build["dockerfile"]), folder / build["build_args"]["APP_PACKAGE"])
        if not path.exists()
    ]
    if missing:
        return (
            f"{folder} has no Dockerfile, and the shared kit cannot build it without {' and '.join(missing)}; "
            "add a Dockerfile to the folder, or give an image: in the spec"
        )
    return None


def build_problems(mesh: CompiledMesh, apps_dir: str | Path = "apps") -> list[Problem]:
    """Apps the spec wants built that cannot be, at the first service that runs each."""
    return [
        Problem(f"services.{users[0][0]}", problem)
        for app, users in apps_to_build(mesh).items()
        if (problem := _build_problem(apps_dir, app)) is not None
    ]


def missing_build_contexts(mesh: CompiledMesh, apps_dir: str | Path = "apps") -> list[str]:
    """Apps the spec wants built that cannot be, as one message each."""
    return [str(problem) for problem in build_problems(mesh, apps_dir)]


def workload_keys(mesh: CompiledMesh) -> list[str]:
    """The workloads whose tasks the mesh runs (keys of MeshPlatformArgs.workload_resources): its
    services, and GATEWAY unless its data plane runs no gateway task (serviceConnect: the load
    balancer forwards to the services)."""
    return [*mesh.services, *([GATEWAY] if INFO[mesh.dataplane].gateway_task else [])]


def workload_resource_problems(
    mesh: CompiledMesh, resources: Mapping[str, WorkloadResources]
) -> list[Problem]:
    """Keys that name no workload of the mesh on its data plane, and each workload's task role
    choices that cannot be honoured."""
    allowed = workload_keys(mesh)
    unknown = [key for key in resources if key not in allowed]
    problems = []
    if unknown:
        gateway = (
            f"; {GATEWAY!r} is the gateway"
            if GATEWAY in allowed
            else f"; the {mesh.dataplane} data plane runs no gateway task"
        )
        problems.append(
            Problem(
                "workload_resources",
                f"names workloads the spec does not have: {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(map(repr, allowed))}{gateway}",
            )
        )
    given: Mapping[str, object] = resources  # from a caller that may not type-check
    for key, own in given.items():
        if not isinstance(own, WorkloadResources):
            problems.append(
                Problem(f"workload_resources.{key}", f"must be a WorkloadResources, got {type(own).__name__}")
            )
        elif key in allowed:
            problems += task_role_problems(own.existing, own.task_policy_arns, f"workload_resources.{key}.")
    return problems


@dataclass(frozen=True)
class MeshPlatformArgs:
    """A whole stack's mesh from one validated spec. Every check (what the spec's data plane cannot
    carry, app folders that cannot be built, the names below) runs when the args are made, all
    problems in one SpecError, before anything is registered.

    Args:
        mesh: The validated spec (parse_mesh / load_stack_file); its `dataplane` key chooses the
            data plane. Required.
        spec_source: What errors call the spec. Default "mesh spec".
        apps_dir: Where app folders are, relative to where `pulumi up` runs. Default "apps".
        availability_zones: For a new VPC. Default None: looked up.
        platform_version: Fargate's. Default facts.FARGATE_PLATFORM_VERSION.
        ssl_policy: The HTTPS listener's. Default TLS 1.3/1.2, forward secret only.
        alb_deletion_protection: Default False (turn on for production).
        alb_access_logs_bucket: Default None: no access logs.
        force_delete_repositories: Let destroy delete ECR repositories holding images. Default False.
        keep_images: Images each repository keeps. Default 20.
        writable_root_services: Services whose app may write its root filesystem. Default none.
        envoy_health_check_command, envoy_trust_bundle: The App Mesh guide's. Confirm on the
            first deploy.
        gateway_alarms: Thresholds of the gateway's rollback alarms. Default GatewayAlarmArgs().
        existing_mesh: Put the services in this App Mesh mesh (ExistingMesh.from_arn; its owner
            for a mesh another account shares). Default None: one is made.
        existing_network: Use this VPC and subnets (ids may be Outputs), overriding the spec's
            network. Default None.
        existing_cluster: Use this ECS cluster. Default None: one is made.
        existing_namespace: Use this Cloud Map namespace, named as the spec's. Default None: made.
        certificate_arn: Use this issued ACM certificate. Default None: one is requested.
        open_egress: Task egress to anywhere. Default True; False closes it.
        workload_resources: Per workload (a spec service by name, the gateway by GATEWAY), what
            it brings (its log group, execution role, task role: WorkloadResources.existing) and
            the managed policies its app needs on the task roles made for it (task_policy_arns).
            Default none: everything is made. A task role brought must allow what the platform's
            `task_role_policies[<workload>]` documents say.
    """

    # The stack's spec; its `dataplane` key says which data plane runs the services and the gateway.
    mesh: Mesh
    # What errors call the spec ("myshop:mesh is invalid ..."): where the user wrote it.
    spec_source: str = "mesh spec"
    apps_dir: str = "apps"  # relative to the project, where `pulumi up` runs
    availability_zones: Sequence[str] | None = None  # default: looked up
    platform_version: str = FARGATE_PLATFORM_VERSION
    ssl_policy: str = DEFAULT_SSL_POLICY
    alb_deletion_protection: bool = False
    alb_access_logs_bucket: str | None = None
    force_delete_repositories: bool = False
    keep_images: int = 20
    # Services whose app container gets a writable root filesystem (read-only for all others):
    # a knowing loosening, for apps (often prebuilt images) that write outside mounted volumes.
    writable_root_services: Sequence[str] = ()
    # What the App Mesh docs give; both depend on the Envoy image, so check them on the first deploy.
    envoy_health_check_command: Sequence[str] = ENVOY_HEALTH_CHECK_COMMAND
    envoy_trust_bundle: str = DEFAULT_TRUST_BUNDLE
    # Thresholds of the gateway's deployment alarms, and an optional SNS topic to notify.
    gateway_alarms: GatewayAlarmArgs = field(default_factory=GatewayAlarmArgs)
    # Bring your own (docs/reuse.md): each is made by default; given, the platform uses it instead.
    existing_mesh: ExistingMesh | None = None
    existing_network: ExistingNetwork | None = None
    existing_cluster: ExistingCluster | None = None
    existing_namespace: ExistingNamespace | None = None
    certificate_arn: pulumi.Input[str] | None = None
    open_egress: bool = True
    workload_resources: Mapping[str, WorkloadResources] = field(default_factory=dict)
    # dataplane: envoy: the Envoy image (default: the spec's envoyImage when it names one, else the
    # upstream release the bootstraps are validated with, facts.UPSTREAM_ENVOY_IMAGE); a digest-pinned
    # reference or an ECR pull-through copy goes here.
    envoy_image: str | None = None
    # The spec compiled for its data plane: what the platform reads (set from `mesh`, never given).
    compiled: CompiledMesh = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        require_plain(
            "MeshPlatformArgs",
            spec_source=self.spec_source,
            apps_dir=self.apps_dir,
            platform_version=self.platform_version,
            writable_root_services=self.writable_root_services,
            keep_images=self.keep_images,
            force_delete_repositories=self.force_delete_repositories,
            open_egress=self.open_egress,
        )
        # One SpecError with all the data plane cannot carry, the apps that cannot be built and
        # unknown service names, before any resource is registered.
        problems: list[Problem] = []
        try:
            compiled = compile_checked(self.mesh, deploying=True, source=self.spec_source)
        except SpecError as refused:
            problems += refused.problems
            compiled = compile_mesh(self.mesh)
        object.__setattr__(self, "compiled", compiled)
        unknown = sorted(set(self.writable_root_services) - set(self.mesh.services))
        if unknown:
            problems.append(
                Problem(
                    "writable_root_services",
                    f"names services the spec does not have: {unknown}; services are: {', '.join(self.mesh.services)}",
                )
            )
        problems += workload_resource_problems(compiled, self.workload_resources)
        problems += build_problems(compiled, self.apps_dir)
        problems += namespace_problems(self.existing_namespace, compiled.namespace)
        if problems:
            raise SpecError(problems, self.spec_source)


# Each deployable data plane (the spec's `dataplane`), built from the platform's args. Another data
# plane is one more entry here, and `deployable=True` in fargate_mesh.model.dataplanes.
DATA_PLANES: dict[str, Callable[[MeshPlatformArgs], DataPlane]] = {
    "appmesh": lambda args: AppMeshDataPlane(
        envoy_health_check_command=args.envoy_health_check_command,
        trust_bundle=args.envoy_trust_bundle,
        gateway_alarms=args.gateway_alarms,
        existing_mesh=args.existing_mesh,
    ),
    "envoy": lambda args: EnvoyDataPlane(
        images=envoy_images(args.compiled, args.envoy_image),
        gateway_alarms=args.gateway_alarms,
    ),
    "serviceConnect": lambda args: ServiceConnectDataPlane(alarms=args.gateway_alarms),
}


class MeshPlatform(pulumi.ComponentResource):
    """A whole mesh from one spec, on the data plane the spec chooses (MeshPlatformArgs): network,
    HTTPS edge, cluster and namespace, images, firewall, then the data plane's services and
    gateway. Outputs: url, alb_dns_name, mesh_name, mesh_arn (None without App Mesh),
    cluster_name, virtual_service_names, gateway_arn, task_role_policies."""

    url: pulumi.Output[str]
    alb_dns_name: pulumi.Output[str]
    mesh_name: pulumi.Output[str]
    mesh_arn: pulumi.Output[str] | None
    cluster_name: pulumi.Output[str]
    virtual_service_names: dict[str, pulumi.Output[str]]
    gateway_arn: pulumi.Output[str]
    # Workload (a service, or GATEWAY) → task (version, or the gateway's name) → the policy JSON its
    # task role allows (None: nothing): what a task role brought for that workload must allow.
    task_role_policies: dict[str, dict[str, pulumi.Output[str] | None]]

    def __init__(self, name: str, args: MeshPlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("platform", "MeshPlatform"), name, None, opts)
        mesh = args.compiled
        names = StackNames(mesh)
        tags = standard_tags(mesh.name, mesh.tags)
        # Children are named after the platform; platforms made before were named after the spec.
        scope = Scope(self, name)
        network_name, network_opts = scope.named(formerly=mesh.name)
        network = Network(network_name, _network_args(args, tags), opts=network_opts)
        data_plane = DATA_PLANES[mesh.dataplane](args)
        # A gateway workload gets the ALB's target group and a security group; without one (Service
        # Connect) the ALB's listener rules reach the services, and neither is made.
        gateway = data_plane.has_gateway_workload
        endpoint_name, endpoint_opts = scope.named(formerly=mesh.name)
        endpoint = PublicEndpoint(
            naming.edge_name(endpoint_name),
            PublicEndpointArgs(
                domain=mesh.domain,
                hosted_zone=mesh.hosted_zone,
                vpc_id=network.vpc_id,
                public_subnet_ids=network.public_subnet_ids,
                target_port=mesh.gateway.port if gateway else None,
                health_check_path=mesh.gateway.health_check_path if gateway else None,
                # HTTPS when the gateway's listener speaks TLS (model/tls.py decides), else HTTP.
                target_protocol="HTTPS" if mesh.tls.gateway.mode == "STRICT" else "HTTP",
                ssl_policy=args.ssl_policy,
                deletion_protection=args.alb_deletion_protection,
                access_logs_bucket=args.alb_access_logs_bucket,
                certificate_arn=args.certificate_arn,
                tags=tags,
            ),
            opts=endpoint_opts,
        )
        foundation_name, foundation_opts = scope.named(formerly=mesh.name)
        foundation = MeshFoundation(
            foundation_name,
            MeshFoundationArgs(
                mesh_name=mesh.name,
                namespace=names.namespace,
                cluster_name=names.cluster,
                vpc_id=network.vpc_id,
                existing_cluster=args.existing_cluster,
                existing_namespace=args.existing_namespace,
                tags=tags,
            ),
            opts=foundation_opts,
        )
        firewall_name, firewall_opts = scope.named("sg", formerly=f"{mesh.name}-sg")
        firewall = MeshFirewall(
            firewall_name,
            MeshFirewallArgs(
                vpc_id=network.vpc_id,
                # The ALB and the gateway under keys no service name can take: a service may be
                # called "alb" or "gateway" without meeting them.
                workloads=[GATEWAY, *mesh.services] if gateway else list(mesh.services),
                admissions=admissions_from_spec(
                    mesh, service_port=data_plane.admission_port, gateway_workload=gateway
                ),
                external_sources={ALB: endpoint.alb_security_group_id},
                labels={GATEWAY: mesh.gateway.name, ALB: "alb"},
                open_egress=args.open_egress,
                tags=tags,
            ),
            opts=firewall_opts,
        )
        deployed = data_plane.deploy(
            self,
            PlatformParts(
                scope=scope,
                mesh=mesh,
                foundation=foundation,
                endpoint=endpoint,
                firewall=firewall,
                private_subnet_ids=network.private_subnet_ids,
                vpc_id=network.vpc_id,
                images=self._images(scope, args, names, tags),
                platform_version=args.platform_version,
                writable_root_services=args.writable_root_services,
                tags=tags,
                workload_resources=args.workload_resources,
            ),
        )

        self.url = endpoint.url
        self.alb_dns_name = endpoint.alb_dns_name
        self.mesh_name = deployed.mesh_name
        self.mesh_arn = deployed.mesh_arn
        self.cluster_name = foundation.cluster_name
        self.virtual_service_names = deployed.service_names
        self.gateway_arn = deployed.gateway_arn
        self.task_role_policies = deployed.task_role_policies
        self.register_outputs(
            {
                "url": self.url,
                "alb_dns_name": self.alb_dns_name,
                "mesh_name": self.mesh_name,
                "mesh_arn": self.mesh_arn,
                "cluster_name": self.cluster_name,
                "virtual_service_names": self.virtual_service_names,
                "gateway_arn": self.gateway_arn,
                "task_role_policies": self.task_role_policies,
            }
        )

    def _images(
        self, scope: Scope, args: MeshPlatformArgs, names: StackNames, tags: dict[str, str]
    ) -> dict[str, ServiceImages]:
        """An AppImage per app to build; per service, what each version runs and pulls from."""
        mesh = args.compiled
        built = {}
        for app in apps_to_build(mesh):
            image_name, image_opts = scope.named(app, formerly=f"{mesh.name}-{app}")
            built[app] = AppImage(
                image_name,
                AppImageArgs(
                    repository_name=names.repository(app),
                    **app_build(args.apps_dir, app),
                    keep_images=args.keep_images,
                    force_delete=args.force_delete_repositories,
                    tags=tags,
                ),
                opts=image_opts,
            )
        images: dict[str, ServiceImages] = {}
        for name, service in mesh.services.items():
            by_version: dict[str, pulumi.Input[str]] = {}
            repositories: list[pulumi.Input[str]] = []
            for version in service.versions.values():
                if version.image is None:
                    image = built[service.app]
                    by_version[version.name] = image.image_ref
                    repositories.append(image.repository_arn)
                else:
                    by_version[version.name] = version.image
                    arn = repository_arn_from_uri(version.image)
                    if arn is not None:
                        repositories.append(arn)
            images[name] = ServiceImages(by_version, _unique(repositories))
        return images


def _network_args(args: MeshPlatformArgs, tags: dict[str, str]) -> NetworkArgs:
    """The existing network given, else the spec's, in the availability zones given (a new VPC
    only), else looked up."""
    if args.existing_network is not None:
        return NetworkArgs(existing=args.existing_network, tags=tags)
    network_args = NetworkArgs.from_spec(args.compiled.network, tags)
    if args.availability_zones is None or network_args.existing is not None:
        return network_args
    return NetworkArgs(
        cidr=network_args.cidr,
        az_count=network_args.az_count,
        nat_gateways=network_args.nat_gateways,
        availability_zones=list(args.availability_zones),
        tags=tags,
    )


def _unique(items: list[pulumi.Input[str]]) -> list[pulumi.Input[str]]:
    """Drop repeats: strings by value, Outputs by identity (one repository serves many versions)."""
    unique, seen = [], set()
    for item in items:
        key = item if isinstance(item, str) else id(item)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique
