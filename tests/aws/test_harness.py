"""The recording harness other suites build on: realistic mock outputs, answered invokes, and the
JSON that record_stack.py writes."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from tests.aws.harness import ACCOUNT, RecordingMocks
from tests.helpers.pulumi import deploy


def mock_args(typ: str, name: str, inputs: dict) -> pulumi.runtime.MockResourceArgs:
    return pulumi.runtime.MockResourceArgs(typ=typ, name=name, inputs=inputs, custom=True)


def test_app_mesh_arns_follow_aws_format():
    """GIVEN App Mesh resources with their mesh, router and gateway names
    WHEN the mocks answer them
    THEN their ARNs are shaped like AWS's (mesh/<mesh>/virtualNode/<name>, ...)."""
    m = RecordingMocks()
    base = f"arn:aws:appmesh:us-east-1:{ACCOUNT}:mesh/shop-dev"
    cases = {
        ("aws:appmesh/mesh:Mesh", (("name", "shop-dev"),)): base,
        (
            "aws:appmesh/virtualNode:VirtualNode",
            (("meshName", "shop-dev"), ("name", "products-v1")),
        ): f"{base}/virtualNode/products-v1",
        (
            "aws:appmesh/route:Route",
            (("meshName", "shop-dev"), ("name", "default"), ("virtualRouterName", "products-router")),
        ): f"{base}/virtualRouter/products-router/route/default",
        (
            "aws:appmesh/gatewayRoute:GatewayRoute",
            (("meshName", "shop-dev"), ("name", "r"), ("virtualGatewayName", "gw")),
        ): f"{base}/virtualGateway/gw/gatewayRoute/r",
    }
    for (typ, inputs), arn in cases.items():
        _, outputs = m.new_resource(mock_args(typ, "logical", dict(inputs)))
        assert outputs["arn"] == arn


def test_outputs_are_inputs_plus_id_name_arn_and_it_is_recorded():
    """GIVEN a resource without a name input
    WHEN the mocks answer it
    THEN outputs keep the inputs, add id, arn and the logical name, and the resource is recorded;
    the same type and name always get the same values."""
    m = RecordingMocks()
    rid, outputs = m.new_resource(mock_args("aws:iam/role:Role", "products-v1-task", {"description": "d"}))
    assert outputs["description"] == "d"
    assert outputs["name"] == "products-v1-task"
    assert outputs["id"] == rid
    assert outputs["arn"] == f"arn:aws:iam::{ACCOUNT}:role/products-v1-task"
    assert m.resources[0]["type"] == "aws:iam/role:Role"
    assert m.resources[0]["inputs"] == {"description": "d"}
    again = RecordingMocks().new_resource(
        mock_args("aws:iam/role:Role", "products-v1-task", {"description": "d"})
    )
    assert again == (rid, outputs)


def test_computed_attributes_the_program_reads():
    """GIVEN an ALB, a certificate, a namespace and an image
    WHEN the mocks answer them
    THEN they carry dns_name/zone_id, validation options, a namespace id and a digest ref."""
    m = RecordingMocks()
    _, alb = m.new_resource(mock_args("aws:lb/loadBalancer:LoadBalancer", "shop-alb", {}))
    assert alb["dnsName"].endswith(".us-east-1.elb.amazonaws.com") and alb["zoneId"]
    _, cert = m.new_resource(mock_args("aws:acm/certificate:Certificate", "c", {"domainName": "api.x.com"}))
    (option,) = cert["domainValidationOptions"]
    assert option["domainName"] == "api.x.com" and option["resourceRecordType"] == "CNAME"
    ns_id, _ = m.new_resource(
        mock_args("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", "n", {})
    )
    assert ns_id.startswith("ns-")
    _, image = m.new_resource(mock_args("docker-build:index:Image", "i", {"tags": ["repo:abc"]}))
    assert image["ref"] == f"repo:abc@{image['digest']}"


@pulumi.runtime.test
def test_invokes_are_answered(mocks):
    """GIVEN the invokes the program makes
    WHEN they run under the mocks
    THEN AZs, account, region and hosted zone come back (asserted in the apply) and are recorded."""
    azs = aws.get_availability_zones_output(state="available")
    who = aws.get_caller_identity_output()
    region = aws.get_region_output()
    zone = aws.route53.get_zone_output(name="myshop.com", private_zone=False)

    def check(values: list) -> None:
        names, account, region_name, zone_name, zone_id = values
        assert names[:3] == ["us-east-1a", "us-east-1b", "us-east-1c"]
        assert account == ACCOUNT
        assert region_name == "us-east-1"
        assert zone_name == "myshop.com" and zone_id
        assert {c["token"] for c in mocks.calls} >= {
            "aws:index/getAvailabilityZones:getAvailabilityZones",
            "aws:route53/getZone:getZone",
        }

    return pulumi.Output.all(azs.names, who.account_id, region.region, zone.name, zone.zone_id).apply(check)


def test_monitor_records_parent_and_options(mocks):
    """GIVEN a child resource with delete-before-replace and ignored changes
    WHEN it is registered
    THEN its record has its URN, its parent's URN and those options."""

    def program() -> pulumi.Output[str]:
        parent = pulumi.ComponentResource("test:index:Parent", "p")
        child = aws.ecs.Cluster(
            "c",
            name="c",
            opts=pulumi.ResourceOptions(
                parent=parent, delete_before_replace=True, ignore_changes=["settings"]
            ),
        )
        return child.urn

    rec = deploy(mocks, program)
    child = rec.named("aws:ecs/cluster:Cluster", "c")
    assert child["parent"] == rec.named("test:index:Parent", "p")["urn"]
    assert child["options"] == {
        "deleteBeforeReplace": True,
        "ignoreChanges": ["settings"],
        "protect": False,
        "retainOnDelete": False,
    }


def test_recording_format(dev):
    """GIVEN the dev stack's recording
    WHEN it is read
    THEN it names the stack, lists resources with type, logical name, camelCase inputs and outputs,
    and holds the stack exports."""
    assert dev.data["stack"] == "dev"
    assert dev.data["error"] is None
    node = dev.one("aws:appmesh/virtualNode:VirtualNode", name="products-v1")
    assert set(node) >= {"type", "name", "inputs", "outputs", "urn", "parent"}
    assert node["inputs"]["meshName"] == "shop-dev"
    assert "serviceDiscovery" in node["inputs"]["spec"]
    assert (
        node["outputs"]["arn"]
        == "arn:aws:appmesh:us-east-1:123456789012:mesh/shop-dev/virtualNode/products-v1"
    )
    assert set(dev.outputs) == {"url", "albDnsName", "meshName", "meshArn", "clusterName", "virtualServices"}


def test_urns_are_the_engines_and_aliases_are_resolved(mocks):
    """GIVEN a grandchild of a component inside a component, with an alias spec naming its old
    parent and an alias given as a whole URN
    WHEN it is registered
    THEN its URN carries every ancestor's type (as the engine makes it) and its aliases are
    recorded as the URNs they stand for."""

    def program() -> pulumi.Output[str]:
        outer = pulumi.ComponentResource("test:index:Outer", "o")
        inner = pulumi.ComponentResource("test:index:Inner", "i", opts=pulumi.ResourceOptions(parent=outer))
        aws.ecs.Cluster(
            "c",
            opts=pulumi.ResourceOptions(
                parent=inner,
                aliases=[pulumi.Alias(parent=outer), "urn:pulumi:unit::myshop::aws:ecs/cluster:Cluster::old"],
            ),
        )
        return inner.urn

    rec = deploy(mocks, program)
    cluster = rec.named("aws:ecs/cluster:Cluster", "c")
    prefix = "urn:pulumi:unit::myshop::"
    assert cluster["urn"] == f"{prefix}test:index:Outer$test:index:Inner$aws:ecs/cluster:Cluster::c"
    assert cluster["aliases"] == [
        f"{prefix}aws:ecs/cluster:Cluster::old",
        f"{prefix}test:index:Outer$aws:ecs/cluster:Cluster::c",
    ]
