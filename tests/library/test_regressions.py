"""The problems a new user met reusing the library (issue 13, "Why"), one test each: none of them
comes back."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi
import pytest

import fargate_mesh
import fargate_mesh.components as components
from fargate_mesh.components import (
    ExistingCluster,
    ExistingMesh,
    ExistingNamespace,
    ExistingNetwork,
    FargateService,
    FargateServiceArgs,
    MeshPlatform,
    MeshPlatformArgs,
    MeshService,
    Network,
    NetworkArgs,
    PublicEndpoint,
    TaskPlacement,
    Telemetry,
)
from fargate_mesh.spec import Mesh, SpecError, parse_mesh
from fargate_mesh.testing import Recording, deploy, set_recording_mocks
from tests.aws.test_mesh_service import args as service_args
from tests.helpers.spec import edit, expect_problem, minimal
from tests.library.test_component_args import edge_args, later

APP_MESH_RESOURCES = (
    "aws:appmesh/virtualNode:VirtualNode",
    "aws:appmesh/virtualRouter:VirtualRouter",
    "aws:appmesh/route:Route",
    "aws:appmesh/virtualService:VirtualService",
    "aws:appmesh/virtualGateway:VirtualGateway",
    "aws:appmesh/gatewayRoute:GatewayRoute",
)
SHARED_MESH_ARN = "arn:aws:appmesh:us-east-1:210987654321:mesh/shared"


def prebuilt(**changes: Any) -> Mesh:
    """The smallest mesh, its one service on a public image (nothing to build)."""
    return parse_mesh(
        edit(minimal(), **{"services.products.image": "public.ecr.aws/nginx/nginx:1.27", **changes})
    )


def platform(name: str = "shop", mesh: Mesh | None = None, **args: Any) -> MeshPlatform:
    return MeshPlatform(name, MeshPlatformArgs(mesh=mesh or prebuilt(), **args))


def no_urn_twice(rec: Recording) -> None:
    twice = [urn for urn, n in Counter(r["urn"] for r in rec).items() if n > 1]
    assert not twice, f"registered twice: {twice}"


# -- name clash ----------------------------------------------------------------------------------


def test_a_consumers_own_components_package_does_not_shadow_the_library(tmp_path: Path):
    """GIVEN a project with its own package named `components`, first on the path
    WHEN it imports that package and fargate_mesh's components
    THEN each is what it should be: the library imports only under fargate_mesh."""
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "__init__.py").write_text("MINE = True\n")
    code = (
        "import json, components\n"
        "from fargate_mesh.components import MeshService\n"
        "print(json.dumps([components.MINE, MeshService.__module__]))"
    )
    root = Path(fargate_mesh.__file__).parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path}:{root}"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout) == [True, "fargate_mesh.components.appmesh.service"]


# -- silent corruption ---------------------------------------------------------------------------


def test_an_output_namespace_is_refused_naming_the_arg():
    """GIVEN MeshServiceArgs whose namespace is an Output (it is spelled into node and service names)
    WHEN the args are made
    THEN a TypeError names `namespace`, instead of "Calling __str__ on an Output" inside a name."""
    with pytest.raises(
        TypeError, match=r"MeshServiceArgs needs plain values.*\n  - namespace: got a pulumi Output"
    ):
        service_args(namespace=later("shop.local"))


# -- Outputs refused -----------------------------------------------------------------------------


def test_an_existing_network_takes_its_subnet_list_as_one_output():
    """GIVEN ExistingNetwork whose public subnets are one Output of a list
    WHEN the Network is deployed
    THEN it passes the list through (no "'Output' object is not iterable")."""
    subnets = ["subnet-pub-a", "subnet-pub-b"]

    def program() -> Any:
        existing = ExistingNetwork(
            vpc_id="vpc-1", public_subnet_ids=later(subnets), private_subnet_ids=["subnet-qa", "subnet-qb"]
        )
        return {"public": Network("net", NetworkArgs(existing=existing)).public_subnet_ids}

    assert deploy(program).outputs == {"public": subnets}


def test_security_groups_as_one_output_of_a_list_reach_the_ecs_service():
    """GIVEN a FargateService whose security groups are one Output of a list
    WHEN it is deployed
    THEN the ECS service's network configuration holds that list."""

    def program() -> Any:
        placement = TaskPlacement(
            cluster_arn="arn:aws:ecs:us-east-1:123456789012:cluster/c",
            cluster_name="c",
            subnet_ids=["subnet-a"],
            security_group_ids=later(["sg-1", "sg-2"]),
        )
        service = FargateServiceArgs(
            service_name="web",
            family="web",
            placement=placement,
            containers=[{"name": "web", "image": "nginx"}],
            cpu=256,
            memory=512,
            task_role_arn="arn:aws:iam::123456789012:role/t",
            execution_role_arn="arn:aws:iam::123456789012:role/e",
        )
        return FargateService("web", service).service_arn

    (ecs,) = deploy(program).of_type("aws:ecs/service:Service")
    assert ecs["inputs"]["networkConfiguration"]["securityGroups"] == ["sg-1", "sg-2"]


def test_a_platform_from_a_dict_runs_in_a_vpc_given_as_outputs():
    """GIVEN a spec written as a Python dict, and a VPC from another stack (Outputs)
    WHEN the platform is deployed with it as existing_network
    THEN no VPC is made, and the namespace and the ALB use the resolved ids."""

    def program() -> Any:
        existing = ExistingNetwork(
            vpc_id=later("vpc-0other"),
            public_subnet_ids=later(["subnet-pa", "subnet-pb"]),
            private_subnet_ids=later(["subnet-qa", "subnet-qb"]),
        )
        return platform(existing_network=existing).url

    rec = deploy(program)
    assert not rec.of_type("aws:ec2/vpc:Vpc")
    assert (
        rec.one("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace")["inputs"]["vpc"]
        == "vpc-0other"
    )
    assert rec.one("aws:lb/loadBalancer:LoadBalancer")["inputs"]["subnets"] == ["subnet-pa", "subnet-pb"]


# -- half a deploy -------------------------------------------------------------------------------


def test_a_missing_app_folder_fails_with_nothing_registered(tmp_path: Path):
    """GIVEN a service without an image whose app folder does not exist
    WHEN the platform is made
    THEN one SpecError names the service and the folder, and no resource was registered."""
    mocks = set_recording_mocks()
    mesh = parse_mesh(minimal())
    with pytest.raises(SpecError, match=r"  - services\.products: no folder .*products"):
        deploy(lambda: platform(mesh=mesh, apps_dir=str(tmp_path)).urn, mocks)
    assert mocks.resources == []


# -- URN clashes ---------------------------------------------------------------------------------


def test_two_platforms_in_one_program_register_no_urn_twice():
    """GIVEN two platforms of the same spec in one program (two regions, say)
    WHEN both are deployed
    THEN every URN is registered once: children are named after their platform."""
    rec = deploy(lambda: [platform("east").urn, platform("west").urn])
    no_urn_twice(rec)
    assert len(rec.of_type("aws:ecs/service:Service")) == 4  # products and the gateway, twice


def test_two_services_of_one_name_in_two_meshes_coexist():
    """GIVEN MeshServices for `products` in two meshes, named after their meshes
    WHEN both are deployed
    THEN no URN is registered twice."""
    rec = deploy(
        lambda: [
            MeshService("a-products", service_args(mesh_name="a")).urn,
            MeshService("b-products", service_args(mesh_name="b")).urn,
        ]
    )
    no_urn_twice(rec)


# -- typing and docs -----------------------------------------------------------------------------


def test_the_package_is_typed_and_every_args_class_documents_itself():
    """GIVEN the installed package and its public args classes
    WHEN they are inspected
    THEN py.typed ships, and each args class has a docstring of its own (IDEs show it), not the
    signature dataclasses write when there is none."""
    assert (Path(fargate_mesh.__file__).parent / "py.typed").is_file()
    public = [getattr(components, name) for name in components.__all__]
    args = [c for c in public if dataclasses.is_dataclass(c) and c.__name__.endswith("Args")]
    assert len(args) >= 10
    undocumented = [c.__name__ for c in args if not c.__doc__ or c.__doc__.startswith(f"{c.__name__}(")]
    assert not undocumented


def test_every_public_class_documents_itself():
    """GIVEN every public class of fargate_mesh.components (components, args, protocols)
    WHEN its docstring is read
    THEN it has one of its own: not missing, not the signature dataclasses write, not inherited."""
    public = [getattr(components, name) for name in components.__all__]
    classes = [c for c in public if isinstance(c, type)]
    assert len(classes) >= 30
    undocumented = [
        c.__name__
        for c in classes
        if not c.__dict__.get("__doc__") or c.__doc__.startswith(f"{c.__name__}(")  # type: ignore[union-attr]
    ]
    assert not undocumented


# -- existing resources --------------------------------------------------------------------------


def test_a_platform_joins_a_mesh_shared_by_another_account():
    """GIVEN an existing mesh by ARN, owned by another account
    WHEN the platform is deployed into it
    THEN no mesh is made, every App Mesh resource names the mesh and its owner, and the platform
    exports the ARN given."""
    rec = deploy(lambda: {"arn": platform(existing_mesh=ExistingMesh.from_arn(SHARED_MESH_ARN)).mesh_arn})
    assert not rec.of_type("aws:appmesh/mesh:Mesh")
    made = [r for kind in APP_MESH_RESOURCES for r in rec.of_type(kind)]
    assert len(made) >= 6
    assert {(r["inputs"]["meshName"], r["inputs"]["meshOwner"]) for r in made} == {("shared", "210987654321")}
    assert rec.outputs == {"arn": SHARED_MESH_ARN}


def test_an_existing_cluster_namespace_and_certificate_are_used_not_made():
    """GIVEN an existing ECS cluster, Cloud Map namespace and ACM certificate
    WHEN the platform is deployed with them
    THEN none is made, and the services, the nodes and the HTTPS listener use them."""
    cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    cluster = ExistingCluster(arn=later("arn:aws:ecs:us-east-1:123456789012:cluster/shared"), name="shared")
    rec = deploy(
        lambda: (
            platform(
                existing_cluster=cluster,
                existing_namespace=ExistingNamespace(id=later("ns-0shared"), name="shop.local"),
                certificate_arn=cert,
            ).urn
        )
    )
    for kind in (
        "ecs/cluster:Cluster",
        "servicediscovery/privateDnsNamespace",
        "acm/certificate:Certificate",
    ):
        assert not [r for r in rec if r["type"].startswith(f"aws:{kind}")], kind
    assert {s["inputs"]["cluster"] for s in rec.of_type("aws:ecs/service:Service")} == {
        "arn:aws:ecs:us-east-1:123456789012:cluster/shared"
    }
    assert (
        rec.one("aws:servicediscovery/service:Service")["inputs"]["dnsConfig"]["namespaceId"] == "ns-0shared"
    )
    assert rec.one("aws:lb/listener:Listener", port=443)["inputs"]["certificateArn"] == cert


def test_closed_egress_on_the_platform_reaches_the_firewall():
    """GIVEN MeshPlatformArgs(open_egress=False)
    WHEN the platform is deployed
    THEN no security group of a task has an egress rule to anywhere."""
    rec = deploy(lambda: platform(open_egress=False).urn)
    rules = rec.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert not [r for r in rules if r["inputs"].get("cidrIpv4") == "0.0.0.0/0"]


# -- mocks ---------------------------------------------------------------------------------------


class EchoMocks(pulumi.runtime.Mocks):
    """The simplest mocks a user writes: resources echo their inputs, invokes answer nothing."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        return {}


def test_the_edge_runs_under_mocks_that_compute_no_validation_options():
    """GIVEN mocks that only echo inputs (no certificate validation options)
    WHEN PublicEndpoint is deployed
    THEN it registers its resources instead of failing on domain_validation_options[0]."""
    pulumi.runtime.set_mocks(EchoMocks(), preview=False)

    @pulumi.runtime.test  # type: ignore[misc]
    def run() -> Any:
        return PublicEndpoint("shop", edge_args()).url.apply(lambda url: url == "https://api.myshop.com")

    run()


def test_the_mocks_are_installed_with_the_package():
    """GIVEN the package as installed
    WHEN its testing module is located
    THEN it lives under fargate_mesh, not under tests/."""
    import fargate_mesh.testing as testing

    assert Path(testing.__file__).parent == Path(fargate_mesh.__file__).parent / "testing"


# -- validation by entry point -------------------------------------------------------------------


def test_a_retention_aws_refuses_is_refused_on_component_args_as_in_the_spec():
    """GIVEN log_retention_days=45, which CloudWatch Logs does not offer
    WHEN it is given to the component args and to the spec
    THEN both refuse it with the same message."""
    spec_problem = expect_problem(
        edit(minimal(), logRetentionDays=45), "logRetentionDays", "retention periods"
    )
    with pytest.raises(SpecError) as refused:
        Telemetry(log_retention_days=45)
    ((problem),) = refused.value.problems
    assert (problem.path, problem.message) == ("log_retention_days", spec_problem.message)
