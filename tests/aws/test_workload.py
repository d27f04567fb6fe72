"""FargateService used alone: ECS task definition and service, no mesh involved."""

from __future__ import annotations

import json

import pulumi

from fargate_mesh.components import FargateService, FargateServiceArgs, LoadBalancerTarget, TaskPlacement
from fargate_mesh.spec import Autoscaling
from tests.helpers.pulumi import deploy


def args(**overrides) -> FargateServiceArgs:
    values = {
        "service_name": "web",
        "family": "web",
        "placement": TaskPlacement(
            cluster_arn="arn:aws:ecs:us-east-1:123456789012:cluster/c",
            cluster_name="c",
            subnet_ids=["subnet-a"],
            security_group_ids=["sg-a"],
        ),
        "containers": [{"name": "web", "image": "nginx:1.27", "essential": True}],
        "cpu": 256,
        "memory": 512,
        "task_role_arn": "arn:aws:iam::123456789012:role/task",
        "execution_role_arn": "arn:aws:iam::123456789012:role/exec",
    }
    values.update(overrides)
    return FargateServiceArgs(**values)


def test_plain_service_behind_a_load_balancer(mocks):
    """GIVEN containers, a load balancer target and no proxy configuration
    WHEN deployed
    THEN the task definition has the containers as JSON and no proxy configuration, and the
    service registers the named container and port in the target group, with no Cloud Map."""
    lb = LoadBalancerTarget("arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/1", "web", 80)
    rec = deploy(mocks, lambda: FargateService("web", args(load_balancer=lb)).urn)
    (task,) = rec.of_type("aws:ecs/taskDefinition:TaskDefinition")
    assert json.loads(task["inputs"]["containerDefinitions"]) == [
        {"name": "web", "image": "nginx:1.27", "essential": True}
    ]
    assert "proxyConfiguration" not in task["inputs"]
    assert (task["inputs"]["cpu"], task["inputs"]["memory"]) == ("256", "512")
    (service,) = rec.of_type("aws:ecs/service:Service")
    assert service["inputs"]["loadBalancers"] == [
        {"targetGroupArn": lb.target_group_arn, "containerName": "web", "containerPort": 80}
    ]
    assert "serviceRegistries" not in service["inputs"]
    assert service["inputs"]["taskDefinition"] == task["outputs"]["arn"]


def test_desired_count_starts_inside_the_scaling_bounds(mocks):
    """GIVEN desired count 9 and autoscaling 1..4
    WHEN deployed
    THEN the service starts at 4 tasks."""
    scaling = Autoscaling(minTasks=1, maxTasks=4)
    rec = deploy(mocks, lambda: FargateService("web", args(desired_count=9, autoscaling=scaling)).urn)
    assert rec.of_type("aws:ecs/service:Service")[0]["inputs"]["desiredCount"] == 4


@pulumi.runtime.test
def test_outputs_name_the_service(mocks):
    """GIVEN a FargateService
    WHEN its outputs resolve
    THEN they give the service's name and its task definition's ARN (asserted in the apply)."""
    service = FargateService("web", args())

    def check(values: list[str]) -> None:
        name, task_arn = values
        assert name == "web"
        assert task_arn.endswith(":task-definition/web:1")

    return pulumi.Output.all(service.service_name, service.task_definition_arn).apply(check)
