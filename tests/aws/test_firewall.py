"""MeshFirewall: one closed security group per workload, admitted callers by reference only."""

from __future__ import annotations

import pytest

from fargate_mesh.components import Admission, MeshFirewall, MeshFirewallArgs, admissions_from_spec
from fargate_mesh.components.firewall import ALB, GATEWAY
from fargate_mesh.spec.base import DNS_LABEL
from tests.helpers.meshes import compiled, stack_mesh
from tests.helpers.pulumi import deploy
from tests.localmesh.test_e2e_ports import SPEC as TWO_PORTS

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SG = "aws:ec2/securityGroup:SecurityGroup"


def test_admissions_of_the_dev_stack():
    """GIVEN the dev stack (gateway routes to products and prices; products calls prices and payments)
    WHEN admissions are derived
    THEN the ALB reaches the gateway, the gateway both services, products reaches prices, and
    nothing else (payments is outside the VPC)."""
    rules = {(a.target, a.source, a.port) for a in admissions_from_spec(compiled(stack_mesh("dev")))}
    assert rules == {
        (GATEWAY, ALB, 8080),
        ("products", GATEWAY, 8080),
        ("prices", GATEWAY, 8080),
        ("prices", "products", 8080),
    }


def test_without_a_gateway_workload_only_callers_are_admitted():
    """GIVEN the dev stack on a data plane with no gateway tasks (Service Connect)
    WHEN admissions are derived
    THEN only products → prices remains: no ALB → gateway, no gateway → service"""
    mesh = compiled(stack_mesh("dev"))
    rules = {(a.target, a.source, a.port) for a in admissions_from_spec(mesh, gateway_workload=False)}
    assert rules == {("prices", "products", 8080)}


def test_mutual_backends_admit_each_other():
    """GIVEN two services that call each other, one only reachable from the mesh
    WHEN admissions are derived
    THEN each admits the other on its own port and the gateway reaches only the routed one."""
    mesh = compiled(
        {
            "name": "m",
            "namespace": "m.local",
            "domain": "api.example.com",
            "hostedZone": "example.com",
            "gateway": {"routes": [{"service": "a"}]},
            "services": {
                "a": {"port": 8080, "backends": ["b"], "versions": {"v1": {"weight": 100}}},
                "b": {"port": 9090, "backends": ["a"], "versions": {"v1": {"weight": 100}}},
            },
        }
    )
    rules = {(a.target, a.source, a.port) for a in admissions_from_spec(mesh)}
    assert rules == {(GATEWAY, ALB, 8080), ("a", GATEWAY, 8080), ("b", "a", 9090), ("a", "b", 8080)}


def test_a_sidecar_data_plane_admits_each_extra_port_at_its_own_ingress():
    """GIVEN web with extraPorts [9090] (the gateway targets both ports, client calls web) on a data
    plane whose sidecar ingress is 15000
    WHEN admissions are derived
    THEN the gateway and client reach web on 15000 (for 8080) and 15101 (for 9090), nothing else"""
    rules = {
        (a.target, a.source, a.port) for a in admissions_from_spec(compiled(TWO_PORTS), service_port=15000)
    }
    assert rules == {
        (GATEWAY, ALB, 8080),
        ("web", GATEWAY, 15000),
        ("web", GATEWAY, 15101),
        ("web", "client", 15000),
        ("web", "client", 15101),
    }


def test_security_groups_rules_by_reference(mocks):
    """GIVEN workloads gateway, products, prices and the ALB as an outside source
    WHEN deployed
    THEN each workload has its own SG with open egress; each admission is an ingress rule on the
    target's SG referencing the source's SG on one port; the ALB gets egress to the gateway only."""
    admissions = [
        Admission("gateway", "alb", 8080),
        Admission("products", "gateway", 8080),
        Admission("prices", "products", 9000),
    ]
    rec = deploy(
        mocks,
        lambda: (
            MeshFirewall(
                "fw",
                MeshFirewallArgs(
                    vpc_id="vpc-1",
                    workloads=["gateway", "products", "prices"],
                    admissions=admissions,
                    external_sources={"alb": "sg-alb"},
                ),
            ).urn
        ),
    )
    ids = {r["name"].removeprefix("fw-"): r["outputs"]["id"] for r in rec.of_type(SG)}
    assert set(ids) == {"gateway", "products", "prices"}
    ingress = {
        (
            r["inputs"]["securityGroupId"],
            r["inputs"]["referencedSecurityGroupId"],
            r["inputs"]["fromPort"],
            r["inputs"]["toPort"],
        )
        for r in rec.of_type(INGRESS)
    }
    assert ingress == {
        (ids["gateway"], "sg-alb", 8080, 8080),
        (ids["products"], ids["gateway"], 8080, 8080),
        (ids["prices"], ids["products"], 9000, 9000),
    }
    assert not any("cidrIpv4" in r["inputs"] for r in rec.of_type(INGRESS))
    egress = [r["inputs"] for r in rec.of_type(EGRESS)]
    assert {e["securityGroupId"] for e in egress if e.get("cidrIpv4") == "0.0.0.0/0"} == set(ids.values())
    assert [e for e in egress if e["securityGroupId"] == "sg-alb"] == [
        {
            "securityGroupId": "sg-alb",
            "referencedSecurityGroupId": ids["gateway"],
            "ipProtocol": "tcp",
            "fromPort": 8080,
            "toPort": 8080,
            "description": "to gateway",
            "tags": {},
        }
    ]


def test_unknown_or_clashing_names_are_refused():
    """GIVEN an admission naming an unknown workload, or a source named like a workload
    WHEN args are made
    THEN a ValueError says so."""
    with pytest.raises(ValueError, match="unknown workload"):
        MeshFirewallArgs(vpc_id="v", workloads=["a"], admissions=[Admission("a", "ghost", 1)])
    with pytest.raises(ValueError, match="distinct"):
        MeshFirewallArgs(vpc_id="v", workloads=["alb"], admissions=[], external_sources={"alb": "sg"})


def test_the_platforms_own_keys_can_never_be_service_names():
    """GIVEN the keys the ALB and the gateway have in the firewall
    WHEN checked against what a service name may be (a DNS label)
    THEN neither could be one, so a service named 'alb' or 'gateway' never meets them."""
    assert not DNS_LABEL.match(ALB)
    assert not DNS_LABEL.match(GATEWAY)
    assert ALB != GATEWAY


def test_labels_name_what_aws_shows(mocks):
    """GIVEN keys with labels (':gw' shown as 'shop-gateway', ':lb' as 'alb')
    WHEN deployed
    THEN logical names keep the keys, and the Name tag and descriptions show the labels."""
    rec = deploy(
        mocks,
        lambda: (
            MeshFirewall(
                "fw",
                MeshFirewallArgs(
                    vpc_id="vpc-1",
                    workloads=[":gw"],
                    admissions=[Admission(":gw", ":lb", 8080)],
                    external_sources={":lb": "sg-alb"},
                    labels={":gw": "shop-gateway", ":lb": "alb"},
                ),
            ).urn
        ),
    )
    (group,) = rec.of_type(SG)
    assert group["name"] == "fw-:gw"
    assert group["inputs"]["tags"]["Name"] == "fw-shop-gateway"
    assert group["inputs"]["description"] == "Tasks of shop-gateway: admitted callers only"
    (ingress,) = rec.of_type(INGRESS)
    assert (ingress["name"], ingress["inputs"]["description"]) == ("fw-:gw-from-:lb", "from alb")
    (to_gateway,) = [r for r in rec.of_type(EGRESS) if r["inputs"]["securityGroupId"] == "sg-alb"]
    assert to_gateway["inputs"]["description"] == "to shop-gateway"
