"""Deployment alarms: the gateway's ECS service rolls back on its target group's 5xx and unhealthy
hosts; mesh services (no native per-service metric) keep the circuit breaker alone."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from fargate_mesh.components import FargateService, GatewayAlarmArgs, IngressGateway
from tests.aws.recorded import Recording
from tests.aws.test_gateway import ALB_SUFFIX, TARGET_GROUP_SUFFIX, args
from tests.aws.test_workload import args as workload_args
from tests.helpers.pulumi import deploy

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ECS_SERVICE = "aws:ecs/service:Service"
ALB = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
TOPIC = "arn:aws:sns:us-east-1:123456789012:shop-alarms"


def build(mocks, **overrides: Any) -> Recording:
    return deploy(mocks, lambda: IngressGateway("ingress", args(**overrides)).urn)


def alarms(rec: Recording) -> dict[str, dict[str, Any]]:
    return {a["inputs"]["name"]: a["inputs"] for a in rec.of_type(ALARM)}


def test_gateway_service_rolls_back_on_exactly_its_two_alarms(mocks):
    """GIVEN an IngressGateway with default alarm settings
    WHEN deployed
    THEN its ECS service's deployment alarms name exactly <gateway>-5xx and
    <gateway>-unhealthy-hosts, enabled with rollback, beside the circuit breaker; the alarms are
    the gateway's children and the service depends on them."""
    rec = build(mocks)
    (service,) = rec.of_type(ECS_SERVICE)
    assert service["inputs"]["alarms"] == {
        "alarmNames": ["shop-gateway-5xx", "shop-gateway-unhealthy-hosts"],
        "enable": True,
        "rollback": True,
    }
    assert service["inputs"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert set(alarms(rec)) == {"shop-gateway-5xx", "shop-gateway-unhealthy-hosts"}
    gateway_urn = rec.of_type("fargatemesh:appmesh:IngressGateway")[0]["urn"]
    for alarm in rec.of_type(ALARM):
        assert alarm["parent"] == gateway_urn
        assert alarm["urn"] in service["dependencies"]


def test_alarms_watch_the_target_group_on_its_load_balancer(mocks):
    """GIVEN the ALB's and the target group's ARN suffixes
    WHEN deployed
    THEN both alarms read AWS/ApplicationELB with exactly those two dimensions, one-minute periods,
    missing data not breaching, and the standard tags."""
    for alarm in alarms(build(mocks)).values():
        assert alarm["namespace"] == "AWS/ApplicationELB"
        assert alarm["dimensions"] == {"LoadBalancer": ALB_SUFFIX, "TargetGroup": TARGET_GROUP_SUFFIX}
        assert alarm["period"] == 60
        assert alarm["treatMissingData"] == "notBreaching"
        assert alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["tags"] == {}  # the test args give no tags; the stacks' are checked below


def test_default_thresholds(mocks):
    """GIVEN no alarm settings
    WHEN deployed
    THEN 5xx alarms at a sum >= 10 in 2 of 3 minutes and unhealthy hosts at a maximum >= 1 for 3
    minutes in a row."""
    found = alarms(build(mocks))
    errors, unhealthy = found["shop-gateway-5xx"], found["shop-gateway-unhealthy-hosts"]
    assert (errors["metricName"], errors["statistic"]) == ("HTTPCode_Target_5XX_Count", "Sum")
    assert (errors["threshold"], errors["datapointsToAlarm"], errors["evaluationPeriods"]) == (10, 2, 3)
    assert (unhealthy["metricName"], unhealthy["statistic"]) == ("UnHealthyHostCount", "Maximum")
    assert (unhealthy["threshold"], unhealthy["datapointsToAlarm"], unhealthy["evaluationPeriods"]) == (
        1,
        3,
        3,
    )


def test_thresholds_come_from_the_arguments(mocks):
    """GIVEN alarm settings other than the defaults
    WHEN deployed
    THEN the alarms use them."""
    settings = GatewayAlarmArgs(
        target_5xx_threshold=25,
        target_5xx_datapoints=3,
        target_5xx_periods=5,
        unhealthy_hosts_threshold=2,
        unhealthy_hosts_minutes=4,
    )
    found = alarms(build(mocks, alarms=settings))
    errors, unhealthy = found["shop-gateway-5xx"], found["shop-gateway-unhealthy-hosts"]
    assert (errors["threshold"], errors["datapointsToAlarm"], errors["evaluationPeriods"]) == (25, 3, 5)
    assert (unhealthy["threshold"], unhealthy["datapointsToAlarm"], unhealthy["evaluationPeriods"]) == (
        2,
        4,
        4,
    )


def test_no_alarm_actions_without_a_topic(mocks):
    """GIVEN no alarm topic
    WHEN deployed
    THEN neither alarm has ALARM or OK actions (no SNS, nothing to pay for)."""
    for alarm in alarms(build(mocks)).values():
        assert not alarm.get("alarmActions")
        assert not alarm.get("okActions")
    assert not [r for r in mocks.resources if r["type"].startswith("aws:sns/")]


def test_a_topic_is_told_on_alarm_and_ok(mocks):
    """GIVEN an alarm topic ARN
    WHEN deployed
    THEN both alarms notify it on ALARM and on OK."""
    for alarm in alarms(build(mocks, alarms=GatewayAlarmArgs(alarm_topic_arn=TOPIC))).values():
        assert alarm["alarmActions"] == [TOPIC]
        assert alarm["okActions"] == [TOPIC]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target_5xx_datapoints": 4, "target_5xx_periods": 3}, "cannot exceed"),
        ({"unhealthy_hosts_minutes": 0}, "unhealthy_hosts_minutes"),
    ],
)
def test_impossible_settings_are_refused(fields, message):
    """GIVEN more datapoints than periods, or a zero duration
    WHEN the settings are made
    THEN they raise naming the field."""
    with pytest.raises(ValueError, match=message):
        GatewayAlarmArgs(**fields)


@pulumi.runtime.test
def test_gateway_outputs_name_its_alarms(mocks):
    """GIVEN an IngressGateway
    WHEN its outputs resolve
    THEN alarm_names gives the two alarm names (asserted in the apply)."""
    gateway = IngressGateway("ingress", args())

    def check(names: list[str]) -> None:
        assert names == ["shop-gateway-5xx", "shop-gateway-unhealthy-hosts"]

    return pulumi.Output.all(*gateway.alarm_names).apply(check)


def test_fargate_service_without_alarm_names_sends_no_alarms(mocks):
    """GIVEN a FargateService with no deployment alarm names (a mesh service's case)
    WHEN deployed
    THEN its ECS service has no alarms block, only the circuit breaker with rollback."""
    rec = deploy(mocks, lambda: FargateService("web", workload_args()).urn)
    (service,) = rec.of_type(ECS_SERVICE)
    assert "alarms" not in service["inputs"]
    assert service["inputs"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}


def test_fargate_service_with_alarm_names_rolls_back_on_them(mocks):
    """GIVEN a FargateService with deployment alarm names
    WHEN deployed
    THEN its ECS service enables those alarms with rollback."""
    rec = deploy(mocks, lambda: FargateService("web", workload_args(deployment_alarm_names=["a", "b"])).urn)
    assert rec.of_type(ECS_SERVICE)[0]["inputs"]["alarms"] == {
        "alarmNames": ["a", "b"],
        "enable": True,
        "rollback": True,
    }


def test_shipped_stacks_alarm_the_gateway_and_only_the_gateway(shipped):
    """GIVEN a shipped stack
    WHEN recorded
    THEN there are exactly two alarms, <mesh>-gateway-5xx and <mesh>-gateway-unhealthy-hosts, on the
    recorded ALB's and target group's arnSuffix, tagged like the rest; the gateway's ECS service
    rolls back on them; every mesh service has no deployment alarms but keeps the circuit breaker
    with rollback; no alarm has actions (the stacks give no topic)."""
    (alb,) = shipped.of_type(ALB)
    (target_group,) = shipped.of_type(TARGET_GROUP)
    mesh_name = alb["inputs"]["tags"]["mesh"]
    gateway_name = f"{mesh_name}-gateway"
    found = {a["inputs"]["name"]: a["inputs"] for a in shipped.of_type(ALARM)}
    assert set(found) == {f"{gateway_name}-5xx", f"{gateway_name}-unhealthy-hosts"}
    for alarm in found.values():
        assert alarm["dimensions"] == {
            "LoadBalancer": alb["outputs"]["arnSuffix"],
            "TargetGroup": target_group["outputs"]["arnSuffix"],
        }
        assert (alarm["tags"]["mesh"], alarm["tags"]["managed-by"]) == (mesh_name, "pulumi")
        assert not alarm.get("alarmActions") and not alarm.get("okActions")
    for service in shipped.of_type(ECS_SERVICE):
        assert service["inputs"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        if service["inputs"]["name"] == gateway_name:
            assert service["inputs"]["alarms"] == {
                "alarmNames": [f"{gateway_name}-5xx", f"{gateway_name}-unhealthy-hosts"],
                "enable": True,
                "rollback": True,
            }
        else:
            assert "alarms" not in service["inputs"], service["name"]
