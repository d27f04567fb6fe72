"""API contract of what the Service Connect stack (sc) adds: listener rules (ELBv2 CreateRule, with
conditions and transforms) and ECS services with serviceConnectConfiguration and a deployment
strategy (CreateService). moto accepts these requests and silently drops those fields, so each
request is checked against botocore's model instead (enums, max and patterns included)."""

from __future__ import annotations

import copy

import pytest

from tests.contract.botocore_validate import validate
from tests.contract.elbv2_rules import default_actions
from tests.contract.moto_account import ECS_SERVICE
from tests.contract.stacks import STACKS, cases, resource, resources
from tests.contract.translate import translate

LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
LISTENER = "aws:lb/listener:Listener"


@pytest.mark.parametrize(("stack", "type_", "name"), cases(LISTENER_RULE))
def test_listener_rule_conforms_to_the_elbv2_model(stack: str, type_: str, name: str) -> None:
    """GIVEN a recorded listener rule WHEN translated to CreateRule
    THEN botocore's elbv2 model reports nothing"""
    request = translate(resource(stack, type_, name))
    assert validate(request.service, request.operation, request.params) == []


@pytest.mark.parametrize("stack", STACKS)
def test_the_https_listeners_default_action_conforms_to_the_elbv2_model(stack: str) -> None:
    """GIVEN each stack's HTTPS listener: forwarding to the gateway's target group, or on sc (no
    gateway) answering 404 WHEN its default actions are put in a CreateListener request
    THEN botocore's elbv2 model reports nothing, and sc's is the fixed 404"""
    (https,) = [r for r in resources(stack, LISTENER) if r["inputs"]["port"] == 443]
    actions = default_actions(https)
    params = {"LoadBalancerArn": https["inputs"]["loadBalancerArn"], "Protocol": "HTTPS", "Port": 443}
    assert validate("elbv2", "CreateListener", {**params, "DefaultActions": actions}) == []
    expected = "fixed-response" if stack == "sc" else "forward"
    assert [a["Type"] for a in actions] == [expected]
    broken = [{**actions[0], "FixedResponseConfig": {"StatusCode": "4040"}}]
    assert validate("elbv2", "CreateListener", {**params, "DefaultActions": broken}) != []


def test_the_sc_stack_sends_conditions_transforms_and_its_own_fields() -> None:
    """GIVEN the sc stack's recorded ECS services and listener rules WHEN translated
    THEN the fields moto would drop are in the requests: serviceConnectConfiguration with client
    aliases, a deployment strategy, advancedConfiguration for the shifting rule, and transforms"""
    services = [translate(r).params for r in resources("sc", ECS_SERVICE)]
    assert all(s["serviceConnectConfiguration"]["services"][0]["clientAliases"] for s in services)
    assert {s["deploymentConfiguration"]["strategy"] for s in services} == {"CANARY", "BLUE_GREEN"}
    assert all("advancedConfiguration" in s["loadBalancers"][0] for s in services)
    rules = [translate(r).params for r in resources("sc", LISTENER_RULE)]
    assert sum(1 for r in rules if r.get("Transforms")) == 2


def test_the_model_catches_a_broken_service_connect_request() -> None:
    """GIVEN the sc stack's prices service WHEN its access log format is not one ECS knows
    THEN validation reports it (the check can fail)"""
    params = copy.deepcopy(translate(resource("sc", ECS_SERVICE, "prices-service")).params)
    params["serviceConnectConfiguration"]["accessLogConfiguration"]["format"] = "XML"
    assert any("format" in e for e in validate("ecs", "CreateService", params))
