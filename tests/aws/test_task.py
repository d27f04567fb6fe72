"""The one ECS task builder (ecs/task.py) with the proxy as a parameter: no proxy at all (as ECS
Service Connect will run), and a proxy that is not App Mesh's (as our own Envoy will be)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from fargate_mesh.components import (
    App,
    Capacity,
    ExistingTaskResources,
    TaskArgs,
    TaskGroup,
    TaskNames,
    TaskPlacement,
    Telemetry,
)
from fargate_mesh.spec import TaskSize
from tests.aws.recorded import Recording
from tests.helpers.pulumi import deploy

TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


@dataclass(frozen=True)
class Workload:
    """What a component's args give the task builder."""

    log_group: str = "/ecs/web"
    placement: TaskPlacement = field(
        default_factory=lambda: TaskPlacement("arn:cluster/c", "c", ["subnet-a"], ["sg-a"])
    )
    telemetry: Telemetry = field(default_factory=Telemetry)
    execution_role_description: str = "ECS pulls images and writes logs for web"
    repository_arns: Sequence[str] = ()
    tags: Mapping[str, str] = field(default_factory=lambda: {"mesh": "m"})
    existing: ExistingTaskResources = field(default_factory=ExistingTaskResources)
    task_policy_arns: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BootstrapEnvoy:
    """A stand-in for a data plane's own proxy: one container, iptables redirection, no AWS API."""

    def containers(self, log_configuration: Mapping[str, Any], tracing: bool) -> list[dict[str, Any]]:
        return [
            {"name": "proxy", "image": "envoy:1", "essential": True, "logConfiguration": log_configuration}
        ]

    @property
    def app_depends_on(self) -> list[dict[str, str]]:
        return [{"containerName": "proxy", "condition": "START"}]

    @property
    def proxy_configuration(self) -> dict[str, Any]:
        return {"type": "APPMESH", "container_name": "proxy", "properties": {"AppPorts": "80"}}

    @property
    def task_statements(self) -> list[dict[str, Any]]:
        return []

    @property
    def task_role_purpose(self) -> str:
        return "the proxy needs nothing"

    @property
    def bypass_user(self) -> str:
        return "101"

    @property
    def app_environment(self) -> dict[str, str]:
        return {}

    @property
    def volumes(self) -> list[dict[str, Any]]:
        return []


def web(proxy: Any, workload: Workload | None = None) -> pulumi.Output[str]:
    group = TaskGroup("web", pulumi.ComponentResource("test:index:Web", "web"), workload or Workload())
    return group.service(
        "web-v1",
        TaskArgs(
            app=App(image="web:1", port=80, env={"MODE": "x"}),
            proxy=proxy,
            names=TaskNames(ecs_service="web-v1", family="web-v1", log_stream_prefix="v1"),
            task_role="web-v1-task",
            label="web v1",
            capacity=Capacity(TaskSize(cpu=256, memory=512)),
        ),
    ).service_name


def containers(rec: Recording) -> dict[str, dict[str, Any]]:
    (task,) = rec.of_type(TASK_DEF)
    return {c["name"]: c for c in json.loads(task["inputs"]["containerDefinitions"])}


def test_without_a_proxy_the_task_is_the_app_and_xray(mocks):
    """GIVEN a task with no proxy (a data plane that brings none, such as ECS Service Connect)
    WHEN built
    THEN it runs the app (waiting for nothing) and the X-Ray daemon as itself, with no proxy
    configuration, a task role that may only write to X-Ray, in private subnets without a public
    IP and with the circuit breaker's rollback."""
    rec = deploy(mocks, lambda: web(None))
    by_name = containers(rec)
    assert list(by_name) == ["app", "xray-daemon"]
    assert "dependsOn" not in by_name["app"] and "user" not in by_name["xray-daemon"]
    (task,) = rec.of_type(TASK_DEF)
    assert "proxyConfiguration" not in task["inputs"]
    doc = json.loads(rec.named(ROLE_POLICY, "web-v1-task")["inputs"]["policy"])
    assert [s["Sid"] for s in doc["Statement"]] == ["XRayWrite"]
    assert rec.named(ROLE, "web-v1-task")["inputs"]["description"] == "web v1: no proxy; the app's own role"
    (service,) = rec.of_type(ECS_SERVICE)
    assert service["inputs"]["networkConfiguration"]["assignPublicIp"] is False
    assert service["inputs"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}


def test_a_role_with_nothing_to_allow_gets_no_policy(mocks):
    """GIVEN no proxy and no tracing
    WHEN built
    THEN the task role has no inline policy (IAM refuses an empty one) and the service waits only
    for the execution role's."""
    rec = deploy(mocks, lambda: web(None, Workload(telemetry=Telemetry(tracing=False))))
    assert [p["name"] for p in rec.of_type(ROLE_POLICY)] == ["web-execution"]
    (service,) = rec.of_type(ECS_SERVICE)
    assert rec.named(ROLE_POLICY, "web-execution")["urn"] in service["dependencies"]
    assert list(containers(rec)) == ["app"]


def test_another_proxy_plugs_in_where_app_mesh_envoy_does(mocks):
    """GIVEN a proxy of another data plane
    WHEN built
    THEN its containers sit between the app and the X-Ray daemon, the app waits as it says, the
    task takes its proxy configuration, X-Ray runs as its bypass uid, and the role says its purpose."""
    rec = deploy(mocks, lambda: web(BootstrapEnvoy()))
    by_name = containers(rec)
    assert list(by_name) == ["app", "proxy", "xray-daemon"]
    assert by_name["app"]["dependsOn"] == [{"containerName": "proxy", "condition": "START"}]
    assert by_name["proxy"]["logConfiguration"]["options"]["awslogs-stream-prefix"] == "v1"
    assert by_name["xray-daemon"]["user"] == "101"
    (task,) = rec.of_type(TASK_DEF)
    assert task["inputs"]["proxyConfiguration"]["containerName"] == "proxy"
    assert rec.named(ROLE, "web-v1-task")["inputs"]["description"] == "web v1: the proxy needs nothing"


def test_a_workload_brings_its_own_log_group_and_execution_role(mocks):
    """GIVEN a workload with a log group and an execution role of its own (the role an Output)
    WHEN its task is built
    THEN neither is made: the task definition runs with that role and its containers log there."""
    role = "arn:aws:iam::123456789012:role/platform-execution"
    existing = ExistingTaskResources(
        log_group_name="/shared/web", execution_role_arn=pulumi.Output.from_input(role)
    )
    rec = deploy(mocks, lambda: web(None, Workload(existing=existing)))
    assert not rec.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert [r["name"] for r in rec.of_type(ROLE)] == ["web-v1-task"]
    (task,) = rec.of_type(TASK_DEF)
    assert task["inputs"]["executionRoleArn"] == role
    assert {c["logConfiguration"]["options"]["awslogs-group"] for c in containers(rec).values()} == {
        "/shared/web"
    }


def test_a_workload_with_its_own_log_group_gets_a_made_role_scoped_to_that_group(mocks):
    """GIVEN a workload that brings only its log group
    WHEN its task is built
    THEN the execution role made for it may write to that group's streams, by ARN, and nothing else."""
    rec = deploy(
        mocks, lambda: web(None, Workload(existing=ExistingTaskResources(log_group_name="/shared/web")))
    )
    doc = json.loads(rec.named(ROLE_POLICY, "web-execution")["inputs"]["policy"])
    (logs,) = [s for s in doc["Statement"] if s["Sid"] == "WriteOwnLogs"]
    assert logs["Resource"] == ["arn:aws:logs:us-east-1:123456789012:log-group:/shared/web:log-stream:*"]
