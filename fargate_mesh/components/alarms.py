"""CloudWatch alarms that mean "this revision is bad", for ECS deployment alarms (with rollback).

Only metrics AWS publishes natively are used. The ALB publishes per target group, so the
gateway's service is judged by its target group's 5xx count and unhealthy hosts. Mesh services
have no ALB of their own and App Mesh publishes no metric: their per-service HTTP signal is
Envoy's stats, which reach CloudWatch only through an agent (CloudWatch agent / StatsD) this
library does not deploy, so they rely on the ECS circuit breaker alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.base import child

ALB_NAMESPACE = "AWS/ApplicationELB"
PERIOD_SECONDS = 60


@dataclass(frozen=True)
class GatewayAlarmArgs:
    """Thresholds for the gateway's target group alarms, in one-minute periods."""

    # HTTPCode_Target_5XX_Count >= threshold in `target_5xx_datapoints` of `target_5xx_periods` minutes.
    target_5xx_threshold: int = 10
    target_5xx_datapoints: int = 2
    target_5xx_periods: int = 3
    # UnHealthyHostCount >= threshold for `unhealthy_hosts_minutes` minutes in a row.
    unhealthy_hosts_threshold: int = 1
    unhealthy_hosts_minutes: int = 3
    # An SNS topic told on ALARM and OK; none by default (no topic, no notification cost).
    alarm_topic_arn: pulumi.Input[str] | None = None

    def __post_init__(self) -> None:
        for name in (
            "target_5xx_threshold",
            "target_5xx_datapoints",
            "target_5xx_periods",
            "unhealthy_hosts_threshold",
            "unhealthy_hosts_minutes",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.target_5xx_datapoints > self.target_5xx_periods:
            raise ValueError(
                f"target_5xx_datapoints ({self.target_5xx_datapoints}) cannot exceed "
                f"target_5xx_periods ({self.target_5xx_periods})"
            )


def target_group_alarms(
    name: str,
    *,
    alarm_prefix: str,
    load_balancer_arn_suffix: pulumi.Input[str],
    target_group_arn_suffix: pulumi.Input[str],
    settings: GatewayAlarmArgs,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> list[aws.cloudwatch.MetricAlarm]:
    """The target group's 5xx and unhealthy-host alarms, named `<alarm_prefix>-5xx` and
    `<alarm_prefix>-unhealthy-hosts`, parented to `parent`."""
    dimensions = {"LoadBalancer": load_balancer_arn_suffix, "TargetGroup": target_group_arn_suffix}
    actions = [settings.alarm_topic_arn] if settings.alarm_topic_arn is not None else None
    common = {
        "namespace": ALB_NAMESPACE,
        "dimensions": dimensions,
        "period": PERIOD_SECONDS,
        "comparison_operator": "GreaterThanOrEqualToThreshold",
        # No traffic or no targets registered yet is not a bad revision.
        "treat_missing_data": "notBreaching",
        "actions_enabled": True,
        "alarm_actions": actions,
        "ok_actions": actions,
        "tags": dict(tags),
    }
    errors = aws.cloudwatch.MetricAlarm(
        f"{name}-5xx",
        name=f"{alarm_prefix}-5xx",
        alarm_description=(
            f"{alarm_prefix}: targets answered 5xx at least {settings.target_5xx_threshold} times a "
            f"minute in {settings.target_5xx_datapoints} of {settings.target_5xx_periods} minutes; "
            "rolls back an ECS deployment in progress"
        ),
        metric_name="HTTPCode_Target_5XX_Count",
        statistic="Sum",
        threshold=settings.target_5xx_threshold,
        evaluation_periods=settings.target_5xx_periods,
        datapoints_to_alarm=settings.target_5xx_datapoints,
        opts=child(parent),
        **common,
    )
    unhealthy = aws.cloudwatch.MetricAlarm(
        f"{name}-unhealthy-hosts",
        name=f"{alarm_prefix}-unhealthy-hosts",
        alarm_description=(
            f"{alarm_prefix}: at least {settings.unhealthy_hosts_threshold} target(s) failed the ALB "
            f"health check for {settings.unhealthy_hosts_minutes} minutes; rolls back an ECS "
            "deployment in progress"
        ),
        metric_name="UnHealthyHostCount",
        statistic="Maximum",
        threshold=settings.unhealthy_hosts_threshold,
        evaluation_periods=settings.unhealthy_hosts_minutes,
        datapoints_to_alarm=settings.unhealthy_hosts_minutes,
        opts=child(parent),
        **common,
    )
    return [errors, unhealthy]
