"""IngressGateway used alone: virtual gateway, gateway routes, the Envoy-only ECS service."""

from __future__ import annotations

import json
from typing import Any

import pulumi

from fargate_mesh.components import EnvoyOptions, IngressGateway, IngressGatewayArgs, TaskPlacement
from fargate_mesh.model import CompiledGateway
from tests.aws.recorded import Recording
from tests.helpers.meshes import SHOP, compiled, stack_mesh
from tests.helpers.pulumi import deploy

GATEWAY = "aws:appmesh/virtualGateway:VirtualGateway"
GATEWAY_ROUTE = "aws:appmesh/gatewayRoute:GatewayRoute"
TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TARGET_GROUP = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-gw/abc"
TARGET_GROUP_SUFFIX = "targetgroup/shop-gw/abc"
ALB_SUFFIX = "app/shop-alb/def"


def gateway_spec(**fields: Any) -> CompiledGateway:
    """The compiled gateway of mesh `shop`, in front of products (port 8080) and prices (9000)."""
    gateway: dict[str, Any] = {
        "port": 8088,
        "routes": [
            {"match": {"prefix": "/v1/products"}, "service": "products"},
            {
                "name": "prices-api",
                "match": {"prefix": "/prices/"},
                "service": "prices",
                "rewrite": {"prefix": "/"},
            },
            {"match": {"path": {"exact": "/v1/health"}}, "service": "prices"},
        ],
    }
    gateway.update(fields)
    services = {
        "products": {"versions": {"v1": {"weight": 100}}},
        "prices": {"port": 9000, "versions": {"v1": {"weight": 100}}},
    }
    return compiled({**SHOP, "gateway": gateway, "services": services}).gateway


def args(gateway: CompiledGateway | None = None, **overrides: Any) -> IngressGatewayArgs:
    values: dict[str, Any] = {
        "gateway": gateway or gateway_spec(),
        "mesh_name": "shop",
        "placement": TaskPlacement(
            cluster_arn="arn:aws:ecs:us-east-1:123456789012:cluster/shop",
            cluster_name="shop",
            subnet_ids=["subnet-private-a", "subnet-private-b"],
            security_group_ids=["sg-gateway"],
        ),
        "target_group_arn": TARGET_GROUP,
        "load_balancer_arn_suffix": ALB_SUFFIX,
        "target_group_arn_suffix": TARGET_GROUP_SUFFIX,
    }
    values.update(overrides)
    return IngressGatewayArgs(**values)


def build(mocks, gateway_args: IngressGatewayArgs | None = None) -> Recording:
    return deploy(mocks, lambda: IngressGateway("ingress", gateway_args or args()).urn)


def envoy(rec: Recording) -> dict[str, Any]:
    (task,) = rec.of_type(TASK_DEF)
    return {c["name"]: c for c in json.loads(task["inputs"]["containerDefinitions"])}["envoy"]


def test_virtual_gateway_and_its_routes(mocks):
    """GIVEN three gateway routes (derived name, explicit name with a prefix rewrite, exact path)
    WHEN deployed
    THEN the virtual gateway listens on the gateway port and each route has its stable name,
    targets its virtual service by name and port, keeps the path by default, and the path route
    has no prefix rewrite."""
    rec = build(mocks)
    (gateway,) = rec.of_type(GATEWAY)
    assert gateway["inputs"]["name"] == "shop-gateway"
    (listener,) = gateway["inputs"]["spec"]["listeners"]
    assert listener["portMapping"] == {"port": 8088, "protocol": "http"}
    routes = {r["inputs"]["name"]: r["inputs"] for r in rec.of_type(GATEWAY_ROUTE)}
    assert set(routes) == {"products-v1-products", "prices-api", "prices-v1-health"}
    products = routes["products-v1-products"]
    assert products["virtualGatewayName"] == "shop-gateway"
    assert products["spec"]["httpRoute"]["action"] == {
        "target": {"virtualService": {"virtualServiceName": "products.shop.local"}, "port": 8080},
        "rewrite": {
            "prefix": {"defaultPrefix": "DISABLED"},
            "hostname": {"defaultTargetHostname": "ENABLED"},
        },
    }
    assert routes["prices-api"]["spec"]["httpRoute"]["action"]["rewrite"]["prefix"] == {"value": "/"}
    assert routes["prices-api"]["spec"]["httpRoute"]["action"]["target"]["port"] == 9000
    assert "rewrite" not in routes["prices-v1-health"]["spec"]["httpRoute"]["action"]
    for r in [*rec.of_type(GATEWAY_ROUTE), gateway]:
        assert r["options"]["deleteBeforeReplace"]


def test_envoy_is_the_gateway_not_a_sidecar(mocks):
    """GIVEN the gateway task
    WHEN deployed
    THEN Envoy has APPMESH_RESOURCE_ARN = the virtual gateway's ARN, listens on the gateway port,
    runs with no user, keeps the LIVE health check, and the task has no proxy configuration."""
    rec = build(mocks)
    gateway_arn = rec.of_type(GATEWAY)[0]["outputs"]["arn"]
    assert gateway_arn.endswith(":mesh/shop/virtualGateway/shop-gateway")
    container = envoy(rec)
    assert {e["name"]: e["value"] for e in container["environment"]}["APPMESH_RESOURCE_ARN"] == gateway_arn
    assert container["portMappings"] == [{"containerPort": 8088, "protocol": "tcp"}]
    assert "user" not in container
    assert "LIVE" in container["healthCheck"]["command"][1]
    (task,) = rec.of_type(TASK_DEF)
    assert "proxyConfiguration" not in task["inputs"]


def test_gateway_service_is_the_target_groups_target(mocks):
    """GIVEN the ALB target group
    WHEN deployed
    THEN the ECS service registers the envoy container's gateway port in it, in private subnets
    without a public IP, with a grace period for Envoy to get its configuration."""
    rec = build(mocks)
    (service,) = rec.of_type(ECS_SERVICE)
    inputs = service["inputs"]
    assert inputs["loadBalancers"] == [
        {"targetGroupArn": TARGET_GROUP, "containerName": "envoy", "containerPort": 8088}
    ]
    assert inputs["networkConfiguration"]["assignPublicIp"] is False
    assert inputs["networkConfiguration"]["securityGroups"] == ["sg-gateway"]
    assert inputs["healthCheckGracePeriodSeconds"] == 60
    assert inputs["name"] == "shop-gateway"


def test_gateway_task_role_streams_only_the_gateway(mocks):
    """GIVEN the gateway task
    WHEN deployed
    THEN its task role may stream configuration for the virtual gateway's ARN only."""
    rec = build(mocks)
    (task,) = rec.of_type(TASK_DEF)
    role = rec.by_output(ROLE, "arn", task["inputs"]["taskRoleArn"])
    statements = json.loads(rec.named(ROLE_POLICY, role["name"])["inputs"]["policy"])["Statement"]
    (mesh_statement,) = [s for s in statements if s["Sid"] == "AppMeshEnvoyConfiguration"]
    assert mesh_statement["Resource"] == [rec.of_type(GATEWAY)[0]["outputs"]["arn"]]


def test_route_and_service_dependencies_reach_the_children(mocks):
    """GIVEN resources the routes and the ECS service must wait for
    WHEN deployed
    THEN the gateway routes depend on the first and the ECS service on the second."""

    def program() -> pulumi.Output[str]:
        service = pulumi.CustomResource("test:index:Service", "products-vs")
        listener = pulumi.CustomResource("test:index:Listener", "https")
        gw = IngressGateway("ingress", args(route_dependencies=[service], service_dependencies=[listener]))
        return gw.urn

    rec = deploy(mocks, program)
    service_urn = rec.named("test:index:Service", "products-vs")["urn"]
    listener_urn = rec.named("test:index:Listener", "https")["urn"]
    for route in rec.of_type(GATEWAY_ROUTE):
        assert service_urn in route["dependencies"]
    assert listener_urn in rec.of_type(ECS_SERVICE)[0]["dependencies"]


def test_gateway_autoscaling_from_spec(mocks):
    """GIVEN the prod gateway (2 tasks, autoscaling 2..6)
    WHEN deployed
    THEN it runs 2 tasks and scales between 2 and 6."""
    rec = build(mocks, args(compiled(stack_mesh("prod")).gateway))
    (service,) = rec.of_type(ECS_SERVICE)
    assert service["inputs"]["desiredCount"] == 2
    (target,) = rec.of_type("aws:appautoscaling/target:Target")
    assert (target["inputs"]["minCapacity"], target["inputs"]["maxCapacity"]) == (2, 6)


def test_envoy_health_check_command_is_an_argument(mocks):
    """GIVEN an Envoy health check command other than the default curl | grep
    WHEN the gateway is built
    THEN its Envoy checks itself with that command, with the default timings."""
    command = ("CMD", "/usr/bin/agent", "healthcheck")
    check = envoy(build(mocks, args(envoy=EnvoyOptions(health_check_command=command))))["healthCheck"]
    assert check == {"command": list(command), "interval": 5, "timeout": 2, "retries": 3, "startPeriod": 10}
