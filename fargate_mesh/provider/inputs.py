"""Input types more than one hosted component takes, each the mirror of a Python args class,
field for field (the names are the same, so `PythonClass(**given)` builds it; a test holds the
two together). Their docstrings are the schema's descriptions."""

from typing import NotRequired, TypedDict

import pulumi

from fargate_mesh.components import alarms
from fargate_mesh.components.appmesh.sidecar import EnvoyOptions
from fargate_mesh.components.ecs.task import ExistingTaskResources, WorkloadResources
from fargate_mesh.components.ecs.workload import TaskPlacement
from fargate_mesh.model import CompiledMesh


class TaskPlacementArgs(TypedDict):
    """Where a workload's tasks run (TaskPlacement)."""

    cluster_arn: pulumi.Input[str]
    """The ECS cluster's ARN."""
    cluster_name: pulumi.Input[str]
    """The ECS cluster's name."""
    subnet_ids: pulumi.Input[list[pulumi.Input[str]]]
    """Private subnets; tasks get no public IP."""
    security_group_ids: pulumi.Input[list[pulumi.Input[str]]]
    """The workload's security groups (MeshFirewall's groupIds, say)."""
    platform_version: NotRequired[str]
    """Fargate's platform version; App Mesh needs 1.3.0 or later. Default "1.4.0"."""


class ExistingTaskResourcesArgs(TypedDict):
    """A workload's log group and execution role made elsewhere (ExistingTaskResources); what is
    not given is made."""

    log_group_name: NotRequired[pulumi.Input[str]]
    """A CloudWatch log group the tasks log to. Default: one is made, named as the workload's,
    keeping logs as long as the spec's logRetentionDays."""
    execution_role_arn: NotRequired[pulumi.Input[str]]
    """The role ECS starts the tasks with; it must let ECS pull the images and write to the log
    group. Default: one is made, allowed exactly that."""
    task_role_arn: NotRequired[pulumi.Input[str]]
    """The role every task of the workload runs as. Default: one role per task is made, allowed
    exactly what its proxy needs. Given, none is made: the role must trust ecs-tasks.amazonaws.com
    and allow what the component's taskRolePolicies (or taskRolePolicy) documents say."""


class WorkloadResourcesArgs(TypedDict):
    """What one workload of a MeshStack brings of its own (WorkloadResources)."""

    existing: NotRequired[ExistingTaskResourcesArgs]
    """Its log group, execution role and task role made elsewhere. Default: all are made."""
    task_policy_arns: NotRequired[dict[str, pulumi.Input[str]]]
    """Managed policies its app needs (label → policy ARN), attached to each task role made for it.
    Default none."""


class EnvoyOptionsArgs(TypedDict):
    """The App Mesh Envoy image and how it runs (EnvoyOptions)."""

    image: NotRequired[str]
    """The Envoy image. Default: the spec's envoyImage."""
    log_level: NotRequired[str]
    """Envoy's log level. Default "info"."""
    health_check_command: NotRequired[list[str]]
    """The Envoy container's health check command. Default: the App Mesh user guide's (curl the
    admin port's /server_info for LIVE); confirm it on the first deploy."""


class GatewayAlarmArgs(TypedDict):
    """Thresholds of the gateway's rollback alarms, in one-minute periods (GatewayAlarmArgs)."""

    target_5xx_threshold: NotRequired[int]
    """Target 5xx responses a minute that count as bad. Default 10."""
    target_5xx_datapoints: NotRequired[int]
    """Bad minutes, of target5xxPeriods, that raise the alarm. Default 2."""
    target_5xx_periods: NotRequired[int]
    """The window of the 5xx alarm, in minutes. Default 3."""
    unhealthy_hosts_threshold: NotRequired[int]
    """Unhealthy targets that count as bad. Default 1."""
    unhealthy_hosts_minutes: NotRequired[int]
    """Minutes in a row the unhealthy hosts alarm waits. Default 3."""
    alarm_topic_arn: NotRequired[pulumi.Input[str]]
    """An SNS topic told on ALARM and OK. Default none: no notification."""


def placement(given: TaskPlacementArgs) -> TaskPlacement:
    return TaskPlacement(**given)


def existing_task_resources(given: ExistingTaskResourcesArgs | None) -> ExistingTaskResources:
    return ExistingTaskResources(**(given or {}))


def workload_resources(given: dict[str, WorkloadResourcesArgs] | None) -> dict[str, WorkloadResources]:
    """Workload → what it brings, as MeshPlatformArgs.workload_resources takes it."""
    return {
        workload: WorkloadResources(
            existing=existing_task_resources(own.get("existing")),
            task_policy_arns=own.get("task_policy_arns", {}),
        )
        for workload, own in (given or {}).items()
    }


def envoy_options(given: EnvoyOptionsArgs | None, mesh: CompiledMesh) -> EnvoyOptions:
    """The options given, the image defaulting to the spec's, as the platform's."""
    return EnvoyOptions(**{"image": mesh.envoy_image, **(given or {})})  # type: ignore[arg-type]


def gateway_alarms(given: GatewayAlarmArgs | None) -> alarms.GatewayAlarmArgs:
    return alarms.GatewayAlarmArgs(**(given or {}))
