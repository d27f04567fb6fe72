"""MeshPlatform in-process: how the spec's choices change what is composed."""

from __future__ import annotations

import json

from components import MeshPlatform, MeshPlatformArgs
from components.platform import apps_to_build, missing_build_contexts
from meshspec import parse_mesh
from tests.aws.conftest import deploy, stack_mesh


def prebuilt_dev():
    mesh = stack_mesh("dev").model_dump(by_alias=True, exclude_none=True)
    for name, service in mesh["services"].items():
        service["image"] = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/{name}:1.0"
        service["app"] = "no-such-app"
    mesh["services"]["products"]["versions"]["v2"]["image"] = "public.ecr.aws/acme/products:2.0"
    return parse_mesh(mesh)


def test_prebuilt_images_are_run_as_given_and_nothing_is_built(mocks):
    """GIVEN every service with a prebuilt image (private ECR, one version from public ECR)
    WHEN the platform is deployed
    THEN no repository or image is made, tasks run the given images, and the execution role may
    pull only from the private repository the images name."""
    mesh = prebuilt_dev()
    assert apps_to_build(mesh) == {}
    assert missing_build_contexts(mesh, "apps") == []
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
        rec.named("aws:iam/rolePolicy:RolePolicy", "products-execution")["inputs"]["policy"]
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
    assert list(apps_to_build(mesh)) == ["products"]
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
    (problem,) = missing_build_contexts(parse_mesh(mesh), "apps")
    assert problem.startswith("services.prices: no folder apps/nope")
    assert "image:" in problem
