"""MeshPlatform in-process: how the spec's choices change what is composed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pytest

from fargate_mesh.components import (
    DATA_PLANES,
    DeployedDataPlane,
    ExistingNamespace,
    MeshFoundationArgs,
    MeshPlatform,
    MeshPlatformArgs,
    PlatformParts,
)
from fargate_mesh.components.firewall import GATEWAY
from fargate_mesh.components.platform import app_build, apps_to_build, missing_build_contexts
from fargate_mesh.model.dataplanes import INFO
from fargate_mesh.spec import SpecError, parse_mesh
from tests.helpers.meshes import compiled, prebuilt, stack_mesh
from tests.helpers.pulumi import deploy
from tests.helpers.spec import edit, problem_at


def prebuilt_dev():
    return prebuilt("dev")


def test_prebuilt_images_are_run_as_given_and_nothing_is_built(mocks):
    """GIVEN every service with a prebuilt image (private ECR, one version from public ECR)
    WHEN the platform is deployed
    THEN no repository or image is made, tasks run the given images, and the execution role may
    pull only from the private repository the images name."""
    mesh = prebuilt_dev()
    assert apps_to_build(compiled(mesh)) == {}
    assert missing_build_contexts(compiled(mesh), "apps") == []
    rec = deploy(mocks, lambda: MeshPlatform("shop-dev", MeshPlatformArgs(mesh=mesh)).urn)
    types = {r["type"] for r in rec}
    assert "aws:ecr/repository:Repository" not in types
    assert "docker-build:index:Image" not in types
    images = {}
    for task in rec.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        app = [c for c in json.loads(task["inputs"]["containerDefinitions"]) if c["name"] == "app"]
        if app:
            images[task["inputs"]["family"]] = app[0]["image"]
    assert images == {
        "shop-dev-products-v1": "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/products:1.0",
        "shop-dev-products-v2": "public.ecr.aws/acme/products:2.0",
        "shop-dev-prices-v1": "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/prices:1.0",
    }
    execution = json.loads(
        rec.named("aws:iam/rolePolicy:RolePolicy", "shop-dev-products-execution")["inputs"]["policy"]
    )
    (pull,) = [s for s in execution["Statement"] if s["Sid"] == "EcrPull"]
    assert pull["Resource"] == ["arn:aws:ecr:us-east-1:123456789012:repository/acme/products"]


def test_shared_app_is_built_once(mocks):
    """GIVEN two services built from the same app folder
    WHEN the platform is deployed
    THEN one repository and one image serve both."""
    mesh = stack_mesh("dev").model_dump(by_alias=True, exclude_none=True)
    mesh["services"]["prices"]["app"] = "products"
    mesh = parse_mesh(mesh)
    assert list(apps_to_build(compiled(mesh))) == ["products"]
    rec = deploy(mocks, lambda: MeshPlatform("shop-dev", MeshPlatformArgs(mesh=mesh)).urn)
    assert len(rec.of_type("aws:ecr/repository:Repository")) == 1
    assert len(rec.of_type("docker-build:index:Image")) == 1


def test_existing_vpc_and_given_azs(mocks):
    """GIVEN a spec with an existing VPC
    WHEN the platform is deployed
    THEN no VPC, subnet or NAT is made and tasks and the ALB use the given subnets."""
    mesh = stack_mesh("dev").model_dump(by_alias=True, exclude_none=True)
    mesh["network"] = {
        "vpcId": "vpc-0abc",
        "publicSubnetIds": ["subnet-0pa", "subnet-0pb"],
        "privateSubnetIds": ["subnet-0qa", "subnet-0qb"],
    }
    rec = deploy(mocks, lambda: MeshPlatform("shop-dev", MeshPlatformArgs(mesh=parse_mesh(mesh))).urn)
    types = {r["type"] for r in rec}
    assert not types & {"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway"}
    (alb,) = rec.of_type("aws:lb/loadBalancer:LoadBalancer")
    assert alb["inputs"]["subnets"] == ["subnet-0pa", "subnet-0pb"]
    for service in rec.of_type("aws:ecs/service:Service"):
        assert service["inputs"]["networkConfiguration"]["subnets"] == ["subnet-0qa", "subnet-0qb"]


def test_spec_tags_and_standard_tags(mocks):
    """GIVEN spec tags including a spoofed 'mesh' tag
    WHEN the platform is deployed
    THEN resources carry the spec's tags, and 'mesh' and 'managed-by' are the platform's."""
    mesh = stack_mesh("dev").model_dump(by_alias=True, exclude_none=True)
    mesh["tags"] = {"team": "shop", "mesh": "spoofed"}
    rec = deploy(mocks, lambda: MeshPlatform("shop-dev", MeshPlatformArgs(mesh=parse_mesh(mesh))).urn)
    cluster = rec.of_type("aws:ecs/cluster:Cluster")[0]
    assert cluster["inputs"]["tags"] == {"team": "shop", "mesh": "shop-dev", "managed-by": "pulumi"}


def test_missing_build_context_message():
    """GIVEN a service whose app folder does not exist
    WHEN build contexts are checked
    THEN the message names the service path and the folder, and suggests the fixes."""
    mesh = stack_mesh("dev").model_dump(by_alias=True, exclude_none=True)
    mesh["services"]["prices"]["app"] = "nope"
    (problem,) = missing_build_contexts(compiled(mesh), "apps")
    assert problem.startswith("services.prices: no folder apps/nope")
    assert "image:" in problem


def renamed(mesh, names: dict[str, str]):
    """The mesh with services renamed (routes and backends follow), built without the spec's
    checks: the components must keep their own names apart whatever the spec lets through."""

    def new(name: str) -> str:
        return names.get(name, name)

    services = {
        new(name): service.model_copy(update={"backends": [new(b) for b in service.backends]})
        for name, service in mesh.services.items()
    }
    routes = [route.model_copy(update={"service": new(route.service)}) for route in mesh.gateway.routes]
    return mesh.model_copy(
        update={"services": services, "gateway": mesh.gateway.model_copy(update={"routes": routes})}
    )


def test_services_named_alb_and_gateway_do_not_collide_with_the_platforms_own_parts(mocks):
    """GIVEN the dev stack with its services renamed 'alb' (calls 'gateway') and 'gateway', images prebuilt
    WHEN the platform is deployed
    THEN it deploys; every log group and security group is distinct; the gateway's log group is
    named after the gateway (/ecs/<mesh>/<mesh>-gateway); the ALB's security group is admitted
    only by the gateway's, and the service 'alb' only by the gateway and nothing by the ALB."""
    mesh = renamed(prebuilt_dev(), {"products": "alb", "prices": "gateway"})
    assert set(mesh.services) == {"alb", "gateway"}
    rec = deploy(mocks, lambda: MeshPlatform("shop-dev", MeshPlatformArgs(mesh=mesh)).urn)

    log_groups = [r["inputs"]["name"] for r in rec.of_type("aws:cloudwatch/logGroup:LogGroup")]
    assert sorted(log_groups) == [
        "/ecs/shop-dev/alb",
        "/ecs/shop-dev/gateway",
        "/ecs/shop-dev/shop-dev-gateway",
    ]
    groups = rec.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert len({g["name"] for g in groups}) == len(groups) == 4  # ALB, gateway, alb, gateway (service)

    alb_group = rec.of_type("aws:lb/loadBalancer:LoadBalancer")[0]["inputs"]["securityGroups"][0]
    group_of = {}
    for ecs in rec.of_type("aws:ecs/service:Service"):
        group_of[ecs["inputs"]["name"]] = ecs["inputs"]["networkConfiguration"]["securityGroups"][0]
    ingress = {
        (r["inputs"]["securityGroupId"], r["inputs"]["referencedSecurityGroupId"], r["inputs"]["fromPort"])
        for r in rec.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if "referencedSecurityGroupId" in r["inputs"]
    }
    gateway_tasks, alb_tasks, gateway_service_tasks = (
        group_of["shop-dev-gateway"],
        group_of["alb-v1"],
        group_of["gateway-v1"],
    )
    assert ingress == {
        (gateway_tasks, alb_group, 8080),
        (alb_tasks, gateway_tasks, 8080),
        (gateway_service_tasks, gateway_tasks, 8080),
        (gateway_service_tasks, alb_tasks, 8080),
    }


def test_platform_passes_envoy_and_root_filesystem_choices(mocks):
    """GIVEN the dev stack with prices' root made writable, another Envoy health check command and
    another CA bundle path
    WHEN the platform is deployed
    THEN only prices' app containers have a writable root; every Envoy (gateway included) checks
    itself with that command; the TLS backend (payments) is validated against that bundle."""
    command = ("CMD", "/usr/bin/agent", "healthcheck")
    platform_args = MeshPlatformArgs(
        mesh=prebuilt_dev(),
        writable_root_services=["prices"],
        envoy_health_check_command=command,
        envoy_trust_bundle="/etc/pki/ca.pem",
    )
    rec = deploy(mocks, lambda: MeshPlatform("shop-dev", platform_args).urn)
    read_only, checks = {}, []
    for task in rec.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        by_name = {c["name"]: c for c in json.loads(task["inputs"]["containerDefinitions"])}
        if "app" in by_name:
            read_only[task["inputs"]["family"]] = by_name["app"]["readonlyRootFilesystem"]
        checks.append(by_name["envoy"]["healthCheck"]["command"])
    assert read_only == {
        "shop-dev-products-v1": True,
        "shop-dev-products-v2": True,
        "shop-dev-prices-v1": False,
    }
    assert len(checks) == 4 and all(c == list(command) for c in checks)
    trusts = [
        b["virtualService"]["clientPolicy"]["tls"]["validation"]["trust"]
        for node in rec.of_type("aws:appmesh/virtualNode:VirtualNode")
        for b in node["inputs"]["spec"].get("backends", [])
        if "clientPolicy" in b["virtualService"]
    ]
    assert trusts and all(t == {"file": {"certificateChain": "/etc/pki/ca.pem"}} for t in trusts)


def test_writable_root_for_an_unknown_service_is_refused():
    """GIVEN writable_root_services naming a service the spec does not have
    WHEN the platform args are made
    THEN a ValueError names it."""
    with pytest.raises(ValueError, match="pricez"):
        MeshPlatformArgs(mesh=stack_mesh("dev"), writable_root_services=["pricez"])


def test_the_spec_chooses_the_data_plane_and_every_deployable_one_has_components():
    """GIVEN the data planes the model calls deployable
    WHEN the platform looks one up by the spec's `dataplane`
    THEN each has an entry in DATA_PLANES, and DATA_PLANES holds no other."""
    assert set(DATA_PLANES) == {name for name, info in INFO.items() if info.deployable}


def dev_spec(**changes):
    return edit(stack_mesh("dev").model_dump(by_alias=True, exclude_none=True), **changes)


@pytest.mark.parametrize(
    ("changes", "path", "text"),
    [
        (
            {"gateway.routes[0].match.method": "POST"},
            "gateway.routes[0].match.method",
            "AWS App Mesh (dataplane: appmesh) does not support",
        ),
    ],
)
def test_platform_args_refuse_what_the_specs_data_plane_cannot_carry(changes, path, text):
    """GIVEN a valid spec that uses a feature its data plane (App Mesh) cannot carry
    WHEN the platform args are made from it (as a program other than this stack's would)
    THEN a SpecError names the field and the data plane, before anything is registered."""
    with pytest.raises(SpecError) as caught:
        MeshPlatformArgs(mesh=parse_mesh(dev_spec(**changes)), spec_source="shop:mesh")
    assert str(caught.value).startswith("shop:mesh is invalid (1 problem):")
    (problem,) = caught.value.problems
    assert problem.path == path and text in problem.message


@dataclass
class RecordingDataPlane:
    """A data plane that deploys nothing and keeps what the platform handed it."""

    parts: list[PlatformParts] = field(default_factory=list)
    admission_port: int | None = None
    has_gateway_workload: bool = True

    def deploy(self, platform: pulumi.Resource, parts: PlatformParts) -> DeployedDataPlane:
        self.parts.append(parts)
        done = pulumi.Output.from_input("from-the-data-plane")
        return DeployedDataPlane(done, done, done, {name: done for name in parts.mesh.services})


def test_the_platform_composes_shared_parts_then_the_chosen_data_plane(mocks, monkeypatch):
    """GIVEN another data plane registered for the spec's `dataplane` (appmesh)
    WHEN the platform is deployed
    THEN the shared parts are built (network, endpoint, namespace and cluster, firewall, images)
    and handed over with the compiled mesh and each service's images and placement, nothing of App
    Mesh is made, and the platform's outputs are the data plane's."""
    plane = RecordingDataPlane()
    monkeypatch.setitem(DATA_PLANES, "appmesh", lambda args: plane)
    mesh = prebuilt_dev()
    platform_args = MeshPlatformArgs(mesh=mesh)

    def program() -> pulumi.Output[list[str]]:
        platform = MeshPlatform("shop-dev", platform_args)
        (parts,) = plane.parts
        assert parts.mesh is platform_args.compiled and parts.mesh.gateway.name == "shop-dev-gateway"
        assert set(parts.images) == set(mesh.services)
        assert parts.images["products"].by_version["v2"] == "public.ecr.aws/acme/products:2.0"
        placement = parts.placement("prices")
        return pulumi.Output.all(
            platform.mesh_arn, platform.gateway_arn, placement.cluster_name, *placement.security_group_ids
        )

    def check(values: list[str]) -> None:
        assert values[:3] == ["from-the-data-plane", "from-the-data-plane", "shop-dev"]
        assert values[3].startswith("sg-")

    rec = deploy(mocks, lambda: program().apply(check))
    types = {r["type"] for r in rec}
    assert {"aws:ecs/cluster:Cluster", "aws:lb/loadBalancer:LoadBalancer", "aws:ec2/vpc:Vpc"} <= types
    assert not any(t.startswith(("aws:appmesh/", "aws:ecs/service", "fargatemesh:appmesh:")) for t in types)


@pytest.mark.parametrize("gateway", [True, False])
def test_only_a_data_plane_with_a_gateway_workload_gets_its_target_group_and_security_group(
    mocks, monkeypatch, gateway: bool
):
    """GIVEN a data plane that says whether it runs a gateway workload (DataPlane.has_gateway_workload)
    WHEN the platform is deployed
    THEN with one, the ALB forwards by default to the gateway's target group and the gateway has a
    security group the ALB reaches; without one, neither exists, the HTTPS listener answers 404 and
    the services' security groups admit no gateway"""
    plane = RecordingDataPlane(has_gateway_workload=gateway)
    monkeypatch.setitem(DATA_PLANES, "appmesh", lambda args: plane)
    rec = deploy(mocks, lambda: MeshPlatform("shop-dev", MeshPlatformArgs(mesh=prebuilt_dev())).urn)
    (parts,) = plane.parts
    target_groups = [r["name"] for r in rec.of_type("aws:lb/targetGroup:TargetGroup")]
    gateway_rules = [r["name"] for r in rec if ":gateway" in r["name"]]
    (action,) = rec.one("aws:lb/listener:Listener", port=443)["inputs"]["defaultActions"]
    if gateway:
        assert target_groups == ["shop-dev-gateway"] and action["type"] == "forward"
        assert GATEWAY in parts.firewall.group_ids and len(gateway_rules) == 6
    else:
        assert target_groups == [] and action["type"] == "fixed-response"
        assert GATEWAY not in parts.firewall.group_ids and gateway_rules == []
        assert set(parts.firewall.group_ids) == {"products", "prices"}


def test_sample_apps_build_with_the_shared_kit_and_others_with_their_own_dockerfile(tmp_path):
    """GIVEN an app folder with its own Dockerfile, one without (the sample apps' layout) and the kit
    WHEN their builds are worked out
    THEN the first builds alone; the second with the kit's Dockerfile, the kit as named context and
    its package as APP_PACKAGE."""
    (tmp_path / "own").mkdir()
    (tmp_path / "own" / "Dockerfile").write_text("FROM scratch\n")
    assert app_build(tmp_path, "own") == {"context": str(tmp_path / "own")}
    assert app_build(tmp_path, "prices") == {
        "context": str(tmp_path / "prices"),
        "dockerfile": str(tmp_path / "kit" / "Dockerfile"),
        "named_contexts": {"kit": str(tmp_path / "kit")},
        "build_args": {"APP_PACKAGE": "prices_api"},
    }


def test_an_app_the_kit_cannot_build_is_refused_before_any_resource(tmp_path):
    """GIVEN the dev stack whose apps folder has the apps but neither a kit nor their packages
    WHEN the build contexts are checked
    THEN each app gets one message naming what is missing and what to do."""
    for app in ("products", "prices"):
        (tmp_path / app).mkdir()
    problems = missing_build_contexts(compiled(stack_mesh("dev")), tmp_path)
    assert len(problems) == 2
    for problem in problems:
        assert "has no Dockerfile, and the shared kit cannot build it without" in problem
        assert str(tmp_path / "kit" / "Dockerfile") in problem and "_api" in problem
    assert missing_build_contexts(compiled(stack_mesh("dev")), "apps") == []


def test_platform_args_refuse_an_existing_namespace_of_another_name():
    """GIVEN the dev spec (namespace shop.local) with another problem its data plane refuses, and an
    existing Cloud Map namespace named other.local
    WHEN the platform args are made (before MeshPlatform registers anything)
    THEN one SpecError lists both, the namespace at existing_namespace.name naming both names"""
    existing = ExistingNamespace(id="ns-0shared", name="other.local")
    mesh = parse_mesh(dev_spec(**{"gateway.routes[0].match.method": "POST"}))
    with pytest.raises(SpecError) as caught:
        MeshPlatformArgs(mesh=mesh, spec_source="shop:mesh", existing_namespace=existing)
    assert str(caught.value).startswith("shop:mesh is invalid (2 problems):")
    assert {p.path for p in caught.value.problems} == {
        "gateway.routes[0].match.method",
        "existing_namespace.name",
    }
    problem_at(
        caught.value.problems,
        "existing_namespace.name",
        "is 'other.local' but the mesh registers its services in 'shop.local'",
    )


def test_foundation_args_refuse_an_existing_namespace_of_another_name_as_a_spec_error():
    """GIVEN MeshFoundationArgs for shop.local with an existing namespace named shop.local. (a trailing
    dot is the same DNS name), then one named other.local
    WHEN the args are made
    THEN the first is taken, the second refused: "MeshFoundationArgs is invalid (1 problem)" at
    existing_namespace.name"""
    MeshFoundationArgs(
        "shop", "shop.local", "apps", "vpc-1", existing_namespace=ExistingNamespace("ns", "shop.local.")
    )
    with pytest.raises(SpecError) as caught:
        MeshFoundationArgs(
            "shop", "shop.local", "apps", "vpc-1", existing_namespace=ExistingNamespace("ns", "other.local")
        )
    assert str(caught.value).startswith(
        "MeshFoundationArgs is invalid (1 problem):\n  - existing_namespace.name: "
    )
