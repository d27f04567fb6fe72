"""The shipped Service Connect stack (stacks/Pulumi.sc.yaml) through the real __main__.py under
mocks, and the dev stack switched to serviceConnect, which must be refused before anything exists."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fargate_mesh.model import compile_checked
from fargate_mesh.render import alb
from tests.aws.recorded import recorded_stack, run_recording
from tests.aws.test_main import write_stack
from tests.helpers.meshes import stack_mesh

LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
ECS_SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def sc_resources(type_: str) -> list[dict[str, Any]]:
    return [r for r in recorded_stack("sc")["resources"] if r["type"] == type_]


def test_no_app_mesh_resource_and_no_proxy_container_of_ours():
    """GIVEN the sc stack recorded WHEN its resources and task definitions are read
    THEN there is no aws:appmesh resource, and every task runs the app container alone"""
    recording = recorded_stack("sc")
    assert recording["error"] is None
    assert [r["type"] for r in recording["resources"] if r["type"].startswith("aws:appmesh")] == []
    definitions = sc_resources(TASK_DEFINITION)
    assert len(definitions) == 2
    for definition in definitions:
        containers = json.loads(definition["inputs"]["containerDefinitions"])
        assert [c["name"] for c in containers] == ["app"]
        assert "proxyConfiguration" not in definition["inputs"]
        assert containers[0]["healthCheck"]["command"][:4] == [
            "CMD",
            "python",
            "-m",
            "meshapp_kit.healthcheck",
        ]


def test_every_ecs_service_is_published_under_its_client_alias():
    """GIVEN the sc stack recorded WHEN each ECS service's Service Connect configuration is read
    THEN it is enabled in the namespace with the alias <service>.<namespace>:<port>"""
    compiled = compile_checked(stack_mesh("sc"))
    services = {r["inputs"]["name"]: r["inputs"] for r in sc_resources(ECS_SERVICE)}
    assert set(services) == set(compiled.services)
    for name, service in compiled.services.items():
        config = services[name]["serviceConnectConfiguration"]
        assert config["enabled"] is True
        assert config["namespace"] == compiled.namespace
        (published,) = config["services"]
        assert published["clientAlias"][0]["dnsName"] == f"{name}.{compiled.namespace}"
        assert published["clientAlias"][0]["port"] == service.port


def test_every_gateway_route_is_a_listener_rule_with_its_conditions_and_priority():
    """GIVEN the sc stack recorded WHEN its listener rules are read
    THEN each gateway route is one rule, at its place in evaluation order, with the rendered
    conditions, and there is no other rule: the HTTPS listener's default answers 404"""
    compiled = compile_checked(stack_mesh("sc"))
    recorded = {int(r["inputs"]["priority"]): r["inputs"] for r in sc_resources(LISTENER_RULE)}
    expected = alb.listener_rules(compiled)
    assert sorted(recorded) == [rule.priority for rule in expected]
    for rule, route in zip(expected, compiled.gateway.routes, strict=True):
        assert recorded[rule.priority]["conditions"] == [
            {"pathPattern": {"values": [f"{route.match.prefix}*"]}}
        ]
    (https,) = [r for r in sc_resources(LISTENER) if r["inputs"]["port"] == 443]
    (default,) = https["inputs"]["defaultActions"]
    assert default["fixedResponse"]["statusCode"] == "404"


def test_there_is_no_gateway_target_group_or_security_group():
    """GIVEN the sc stack recorded (no gateway task: the ALB forwards to the services' target groups)
    WHEN its target groups and security groups are read
    THEN every target group is a routed service's (and its alternate), no security group or rule is
    the gateway's, and the ALB may reach exactly the routed services"""
    target_groups = {r["name"] for r in sc_resources(TARGET_GROUP)}
    assert target_groups == {"products-tg", "products-tg-alt", "prices-tg", "prices-tg-alt"}
    groups = [*sc_resources(SECURITY_GROUP), *sc_resources(INGRESS_RULE), *sc_resources(EGRESS_RULE)]
    assert groups and not [r["name"] for r in groups if "gateway" in r["name"]]
    alb_egress = {r["name"] for r in sc_resources(EGRESS_RULE) if r["name"].startswith("alb-to-")}
    assert alb_egress == {"alb-to-products", "alb-to-prices"}


def test_the_dev_stack_on_service_connect_is_refused_line_by_line_with_nothing_registered(tmp_path):
    """GIVEN the dev stack with dataplane: serviceConnect (90/10 split, header route, retry policy,
    DROP_ALL, TLS to payments; `tracing` unsaid, so off, Service Connect's default) WHEN the program runs
    THEN it fails with one line per unsupported feature at its field path, and registers nothing"""

    def switch(mesh: dict) -> None:
        mesh["dataplane"] = "serviceConnect"

    path, _ = write_stack(tmp_path, switch)
    recording, proc = run_recording("dev", path)
    assert proc.returncode == 1
    assert recording["resources"] == []
    lines = [line for line in recording["error"].splitlines() if line.startswith("  - ")]
    fields = [line.split(":")[0].strip(" -") for line in lines]
    assert fields == [
        "egressFilter",
        "external.payments.tls",
        "services.products.retryPolicy",
        "services.products.routes[0].match",
        "services.products.routes[1].targets",
    ]
    assert all("Amazon ECS Service Connect" in line for line in lines)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_app_mesh_stacks_have_no_service_connect(stack: str):
    """GIVEN an App Mesh stack recorded WHEN its ECS services are read
    THEN none has a Service Connect configuration or a deployment strategy (their inputs are unchanged)"""
    for service in (r for r in recorded_stack(stack)["resources"] if r["type"] == ECS_SERVICE):
        assert "serviceConnectConfiguration" not in service["inputs"]
        assert "deploymentConfiguration" not in service["inputs"]
