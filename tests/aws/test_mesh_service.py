"""MeshService used alone, under recording mocks: App Mesh routing, tasks, roles, wiring."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pulumi
import pytest

from fargate_mesh.components import EnvoyOptions, MeshService, MeshServiceArgs, TaskPlacement, Telemetry
from fargate_mesh.model import CompiledService
from tests.aws.recorded import Recording
from tests.helpers.meshes import SHOP, compiled
from tests.helpers.pulumi import deploy

NODE = "aws:appmesh/virtualNode:VirtualNode"
ROUTE = "aws:appmesh/route:Route"
ROUTER = "aws:appmesh/virtualRouter:VirtualRouter"
VSERVICE = "aws:appmesh/virtualService:VirtualService"
TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
CLOUD_MAP = "aws:servicediscovery/service:Service"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"

ECR_REPO = "arn:aws:ecr:us-east-1:123456789012:repository/shop/products"


def products(**fields: Any) -> CompiledService:
    """products of mesh `shop` (shop.local), calling prices (a mesh service) and payments (an
    external host on 443, TLS); `fields` replace keys of its spec."""
    spec: dict[str, Any] = {
        "port": 8080,
        "backends": ["prices", "payments"],
        "versions": {"v1": {"weight": 90}, "v2": {"weight": 10, "env": {"FEATURE": "on"}}},
        "routes": [
            {
                "name": "canary-header",
                "priority": 1,
                "match": {"headers": [{"name": "x-canary", "exact": "true"}]},
                "targets": {"v2": 100},
            },
            {"name": "default", "priority": 10, "targets": {"v1": 90, "v2": 10}},
        ],
        "size": {"cpu": 1024, "memory": 2048},
        "desiredCount": 2,
    }
    spec.update(fields)
    mesh = {
        **SHOP,
        "gateway": {"routes": [{"match": {"prefix": "/"}, "service": "products"}]},
        "external": {"payments": {"host": "api.payments.example"}},
        "services": {"products": spec, "prices": {"versions": {"v1": {"weight": 100}}}},
    }
    return compiled(mesh).services["products"]


def args(service: CompiledService | None = None, **overrides: Any) -> MeshServiceArgs:
    service = service or products()
    values: dict[str, Any] = {
        "service": service,
        "mesh_name": "shop",
        "namespace": "shop.local",
        "namespace_id": "ns-123",
        "placement": TaskPlacement(
            cluster_arn="arn:aws:ecs:us-east-1:123456789012:cluster/shop",
            cluster_name="shop",
            subnet_ids=["subnet-private-a", "subnet-private-b"],
            security_group_ids=["sg-products"],
        ),
        "images": {v: f"registry.example/products:{v}" for v in service.versions},
        "repository_arns": [ECR_REPO],
        "telemetry": Telemetry(log_retention_days=14),
        "tags": {"mesh": "shop", "managed-by": "pulumi"},
    }
    values.update(overrides)
    return MeshServiceArgs(**values)


def build(mocks, service_args: MeshServiceArgs | None = None) -> Recording:
    return deploy(mocks, lambda: MeshService("products", service_args or args()).urn)


def containers(rec: Recording, family: str) -> dict[str, dict[str, Any]]:
    task = rec.one(TASK_DEF, family=family)
    return {c["name"]: c for c in json.loads(task["inputs"]["containerDefinitions"])}


def env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container["environment"]}


def policy(rec: Recording, name: str) -> dict[str, Any]:
    return json.loads(rec.named(ROLE_POLICY, name)["inputs"]["policy"])


def test_one_node_and_task_family_per_version_filtered_in_one_cloud_map_service(mocks):
    """GIVEN products with versions v1 and v2
    WHEN MeshService is deployed
    THEN there is a node per version named products-<v>, both discovered through the one Cloud Map
    service 'products' and each filtered on its own task family, which the task definitions use."""
    rec = build(mocks)
    nodes = {r["inputs"]["name"]: r["inputs"] for r in rec.of_type(NODE)}
    assert set(nodes) == {"products-v1", "products-v2"}
    for version in ("v1", "v2"):
        cloud_map = nodes[f"products-{version}"]["spec"]["serviceDiscovery"]["awsCloudMap"]
        assert cloud_map == {
            "namespaceName": "shop.local",
            "serviceName": "products",
            "attributes": {"ECS_TASK_DEFINITION_FAMILY": f"shop-products-{version}"},
        }
        assert nodes[f"products-{version}"]["meshName"] == "shop"
        rec.one(TASK_DEF, family=f"shop-products-{version}")
    (discovery,) = rec.of_type(CLOUD_MAP)
    assert discovery["inputs"]["name"] == "products"
    assert discovery["inputs"]["dnsConfig"] == {
        "namespaceId": "ns-123",
        "dnsRecords": [{"type": "A", "ttl": 10}],
        "routingPolicy": "MULTIVALUE",
    }
    assert discovery["inputs"]["healthCheckCustomConfig"] == {"failureThreshold": 1}


def test_node_backends_are_fqdn_strings_with_tls_only_for_external(mocks):
    """GIVEN backends prices (mesh) and payments (external, TLS)
    WHEN deployed
    THEN every node lists both by FQDN string and originates TLS only to payments."""
    rec = build(mocks)
    for node in rec.of_type(NODE):
        backends = node["inputs"]["spec"]["backends"]
        assert [b["virtualService"]["virtualServiceName"] for b in backends] == [
            "prices.shop.local",
            "api.payments.example",
        ]
        assert "clientPolicy" not in backends[0]["virtualService"]
        tls = backends[1]["virtualService"]["clientPolicy"]["tls"]
        assert tls["enforce"] is True
        assert tls["ports"] == [443]


def test_router_routes_and_virtual_service(mocks):
    """GIVEN two spec routes
    WHEN deployed
    THEN the router listens on the service port, each route is named as in the spec and targets
    the version nodes by name and weight, and the FQDN virtual service is provided by the router."""
    rec = build(mocks)
    (router,) = rec.of_type(ROUTER)
    assert router["inputs"]["name"] == "products-router"
    assert router["inputs"]["spec"] == {"listeners": [{"portMapping": {"port": 8080, "protocol": "http"}}]}
    routes = {r["inputs"]["name"]: r["inputs"] for r in rec.of_type(ROUTE)}
    assert set(routes) == {"canary-header", "default"}
    assert routes["default"]["virtualRouterName"] == "products-router"
    assert routes["default"]["spec"]["httpRoute"]["action"]["weightedTargets"] == [
        {"virtualNode": "products-v1", "weight": 90},
        {"virtualNode": "products-v2", "weight": 10},
    ]
    assert routes["canary-header"]["spec"]["priority"] == 1
    assert routes["canary-header"]["spec"]["httpRoute"]["match"]["headers"] == [
        {"name": "x-canary", "invert": False, "match": {"exact": "true"}}
    ]
    (vs,) = rec.of_type(VSERVICE)
    assert vs["inputs"]["name"] == "products.shop.local"
    assert vs["inputs"]["spec"] == {"provider": {"virtualRouter": {"virtualRouterName": "products-router"}}}


def test_mesh_resources_are_replaced_by_deleting_first(mocks):
    """GIVEN fixed App Mesh and Cloud Map names
    WHEN deployed
    THEN every such resource is delete-before-replace, or a replacement would collide on its name."""
    rec = build(mocks)
    for type_ in (NODE, ROUTE, ROUTER, VSERVICE, CLOUD_MAP, ECS_SERVICE):
        for r in rec.of_type(type_):
            assert r["options"]["deleteBeforeReplace"], (type_, r["name"])


def test_envoy_gets_its_own_node_arn(mocks):
    """GIVEN two versions
    WHEN deployed
    THEN each task's Envoy has APPMESH_RESOURCE_ARN = the ARN output of that version's own node."""
    rec = build(mocks)
    for version in ("v1", "v2"):
        node_arn = rec.one(NODE, name=f"products-{version}")["outputs"]["arn"]
        assert node_arn == f"arn:aws:appmesh:us-east-1:123456789012:mesh/shop/virtualNode/products-{version}"
        envoy = containers(rec, f"shop-products-{version}")["envoy"]
        assert env(envoy)["APPMESH_RESOURCE_ARN"] == node_arn


def test_task_role_streams_only_its_own_node(mocks):
    """GIVEN two versions
    WHEN deployed
    THEN each version's task role (the role its task definition names) may call
    appmesh:StreamAggregatedResources on exactly its node's ARN, plus X-Ray writes."""
    rec = build(mocks)
    for version in ("v1", "v2"):
        task = rec.one(TASK_DEF, family=f"shop-products-{version}")
        role = rec.by_output(ROLE, "arn", task["inputs"]["taskRoleArn"])
        doc = policy(rec, role["name"])
        node_arn = rec.one(NODE, name=f"products-{version}")["outputs"]["arn"]
        mesh_statements = [s for s in doc["Statement"] if any(a.startswith("appmesh:") for a in s["Action"])]
        assert mesh_statements == [
            {
                "Sid": "AppMeshEnvoyConfiguration",
                "Effect": "Allow",
                "Action": ["appmesh:StreamAggregatedResources"],
                "Resource": [node_arn],
            }
        ]
        xray = [s for s in doc["Statement"] if s["Sid"] == "XRayWrite"]
        assert xray and xray[0]["Action"] == [
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
        ]
        assume = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"][0]
        assert assume["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert assume["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_execution_role_writes_own_logs_and_pulls_own_repository(mocks):
    """GIVEN one ECR repository for the app
    WHEN deployed
    THEN the execution role may write only to the service's log group streams, log in to ECR
    (resource * is all AWS allows) and pull only from that repository."""
    rec = build(mocks)
    task = rec.one(TASK_DEF, family="shop-products-v1")
    role = rec.by_output(ROLE, "arn", task["inputs"]["executionRoleArn"])
    statements = {s["Sid"]: s for s in policy(rec, role["name"])["Statement"]}
    (log_group,) = rec.of_type(LOG_GROUP)
    assert statements["WriteOwnLogs"]["Resource"] == [f"{log_group['outputs']['arn']}:log-stream:*"]
    assert statements["WriteOwnLogs"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statements["EcrLogin"] == {
        "Sid": "EcrLogin",
        "Effect": "Allow",
        "Action": ["ecr:GetAuthorizationToken"],
        "Resource": "*",
    }
    assert statements["EcrPull"]["Resource"] == [ECR_REPO]
    assert log_group["inputs"]["retentionInDays"] == 14


def test_public_images_need_no_ecr_permission(mocks):
    """GIVEN images from a public registry and no repository
    WHEN deployed
    THEN the execution role has no ECR statement at all."""
    rec = build(mocks, args(repository_arns=[]))
    task = rec.one(TASK_DEF, family="shop-products-v1")
    role = rec.by_output(ROLE, "arn", task["inputs"]["executionRoleArn"])
    assert [s["Sid"] for s in policy(rec, role["name"])["Statement"]] == ["WriteOwnLogs"]


def test_task_definition_is_an_app_mesh_sidecar_task(mocks):
    """GIVEN version v2
    WHEN deployed
    THEN the task is awsvpc/FARGATE sized from the spec with the APPMESH proxy configuration; the
    app waits for Envoy HEALTHY, has a read-only root, its port, version and backend URLs; Envoy
    runs as 1337 with the LIVE health check and nofile 15000; X-Ray runs as 1337 on 2000/udp."""
    rec = build(mocks)
    task = rec.one(TASK_DEF, family="shop-products-v2")["inputs"]
    assert task["networkMode"] == "awsvpc"
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert (task["cpu"], task["memory"]) == ("1024", "2048")
    assert task["proxyConfiguration"] == {
        "type": "APPMESH",
        "containerName": "envoy",
        "properties": {
            "AppPorts": "8080",
            "ProxyIngressPort": "15000",
            "ProxyEgressPort": "15001",
            "IgnoredUID": "1337",
            "EgressIgnoredIPs": "169.254.170.2,169.254.169.254",
        },
    }
    by_name = containers(rec, "shop-products-v2")
    assert list(by_name) == ["app", "envoy", "xray-daemon"]
    app, envoy, xray = by_name["app"], by_name["envoy"], by_name["xray-daemon"]
    assert app["image"] == "registry.example/products:v2"
    assert app["dependsOn"] == [{"containerName": "envoy", "condition": "HEALTHY"}]
    assert app["readonlyRootFilesystem"] is True
    assert app["portMappings"] == [{"containerPort": 8080, "protocol": "tcp"}]
    assert env(app) == {
        "APP_VERSION": "v2",
        "PORT": "8080",
        "PRICES_BASE_URL": "http://prices.shop.local:8080",
        "PAYMENTS_BASE_URL": "http://api.payments.example:443",
        "FEATURE": "on",
    }
    assert envoy["user"] == "1337"
    assert envoy["essential"] is True
    assert envoy["ulimits"] == [{"name": "nofile", "softLimit": 15000, "hardLimit": 15000}]
    assert envoy["healthCheck"] == {
        "command": ["CMD-SHELL", "curl -s http://localhost:9901/server_info | grep state | grep -q LIVE"],
        "interval": 5,
        "timeout": 2,
        "retries": 3,
        "startPeriod": 10,
    }
    assert env(envoy)["ENABLE_ENVOY_XRAY_TRACING"] == "1"
    assert env(envoy)["ENABLE_ENVOY_STATS_TAGS"] == "1"
    assert xray["user"] == "1337"
    assert xray["portMappings"] == [{"containerPort": 2000, "protocol": "udp"}]
    for container in by_name.values():
        assert container["logConfiguration"]["logDriver"] == "awslogs"
        assert container["logConfiguration"]["options"]["awslogs-group"] == "/ecs/shop/products"


def test_ecs_service_private_registered_and_safe_to_deploy(mocks):
    """GIVEN desiredCount 2 and no autoscaling
    WHEN deployed
    THEN each version's ECS service runs on Fargate 1.4.0 in the private subnets without a public
    IP, registers in the Cloud Map service, rolls back failed deployments, keeps 100 % healthy,
    runs 2 tasks and is not told to ignore desired count."""
    rec = build(mocks)
    discovery_arn = rec.of_type(CLOUD_MAP)[0]["outputs"]["arn"]
    services = rec.of_type(ECS_SERVICE)
    assert sorted(s["inputs"]["name"] for s in services) == ["products-v1", "products-v2"]
    for s in services:
        inputs = s["inputs"]
        assert inputs["launchType"] == "FARGATE"
        assert inputs["platformVersion"] == "1.4.0"
        assert inputs["networkConfiguration"] == {
            "subnets": ["subnet-private-a", "subnet-private-b"],
            "securityGroups": ["sg-products"],
            "assignPublicIp": False,
        }
        assert inputs["serviceRegistries"] == {"registryArn": discovery_arn}
        assert inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert inputs["deploymentMinimumHealthyPercent"] == 100
        assert inputs["deploymentMaximumPercent"] == 200
        assert inputs["desiredCount"] == 2
        assert inputs["propagateTags"] == "SERVICE"
        assert s["options"]["ignoreChanges"] == []
    assert not rec.of_type(SCALING_TARGET)


def test_ecs_service_waits_for_its_roles_policies(mocks):
    """GIVEN a version's ECS service
    WHEN deployed
    THEN it depends on its task role's and the execution role's inline policies, so no task
    starts before Envoy may read its configuration."""
    rec = build(mocks)
    service = rec.one(ECS_SERVICE, name="products-v1")
    deps = set(service["dependencies"])
    for policy_name in ("products-v1-task", "products-execution"):
        assert rec.named(ROLE_POLICY, policy_name)["urn"] in deps


def test_autoscaling_targets_each_version_and_owns_the_count(mocks):
    """GIVEN autoscaling 2..10 at 60 % CPU and desiredCount 1
    WHEN deployed
    THEN each version has a scalable target on its ECS service and a CPU target-tracking policy,
    starts at the minimum, and its ECS service ignores desired count changes."""
    service = products(desiredCount=1, autoscaling={"minTasks": 2, "maxTasks": 10, "targetCpuPercent": 60})
    rec = build(mocks, args(service))
    targets = {t["inputs"]["resourceId"]: t["inputs"] for t in rec.of_type(SCALING_TARGET)}
    assert set(targets) == {"service/shop/products-v1", "service/shop/products-v2"}
    for target in targets.values():
        assert (target["minCapacity"], target["maxCapacity"]) == (2, 10)
        assert target["scalableDimension"] == "ecs:service:DesiredCount"
    for p in rec.of_type(SCALING_POLICY):
        assert p["inputs"]["policyType"] == "TargetTrackingScaling"
        config = p["inputs"]["targetTrackingScalingPolicyConfiguration"]
        assert config["targetValue"] == 60
        assert config["predefinedMetricSpecification"] == {
            "predefinedMetricType": "ECSServiceAverageCPUUtilization"
        }
    for s in rec.of_type(ECS_SERVICE):
        assert s["options"]["ignoreChanges"] == ["desiredCount"]
        assert s["inputs"]["desiredCount"] == 2


def test_without_tracing_there_is_no_xray(mocks):
    """GIVEN tracing off
    WHEN deployed
    THEN no X-Ray container, no X-Ray env on Envoy and no X-Ray permission."""
    rec = build(mocks, args(telemetry=Telemetry(tracing=False)))
    by_name = containers(rec, "shop-products-v1")
    assert list(by_name) == ["app", "envoy"]
    assert "ENABLE_ENVOY_XRAY_TRACING" not in env(by_name["envoy"])
    assert [s["Sid"] for s in policy(rec, "products-v1-task")["Statement"]] == ["AppMeshEnvoyConfiguration"]


@pulumi.runtime.test
def test_component_outputs_name_the_service_and_nodes(mocks):
    """GIVEN a deployed MeshService
    WHEN its outputs resolve
    THEN it reports the FQDN virtual service and each node's ARN (assertions run in the apply)."""
    component = MeshService("products", args())

    def check(values: list[Any]) -> None:
        vs_name, v1, v2 = values
        assert vs_name == "products.shop.local"
        assert v1.endswith("/virtualNode/products-v1")
        assert v2.endswith("/virtualNode/products-v2")

    return pulumi.Output.all(
        component.virtual_service_name, component.node_arns["v1"], component.node_arns["v2"]
    ).apply(check)


def test_a_version_without_an_image_is_refused_before_any_resource(mocks):
    """GIVEN images for v1 only
    WHEN MeshService is built
    THEN it raises a ValueError naming the version without an image."""
    with pytest.raises(ValueError, match=r"no image for versions \['v2'\]"):
        MeshService("p", args(images={"v1": "x"}))


def test_app_root_filesystem_is_read_only_by_default(mocks):
    """GIVEN the default args
    WHEN deployed
    THEN every version's app container has a read-only root filesystem."""
    rec = build(mocks)
    for version in ("v1", "v2"):
        assert containers(rec, f"shop-products-{version}")["app"]["readonlyRootFilesystem"] is True


def test_app_root_filesystem_can_be_made_writable(mocks):
    """GIVEN read_only_root_filesystem=False (an app, e.g. a prebuilt image, that writes to its root)
    WHEN deployed
    THEN the app container's root is writable, and Envoy and the X-Ray daemon are as before."""
    rec = build(mocks, args(read_only_root_filesystem=False))
    by_name = containers(rec, "shop-products-v1")
    assert by_name["app"]["readonlyRootFilesystem"] is False
    assert "readonlyRootFilesystem" not in by_name["envoy"]
    assert by_name["envoy"]["user"] == "1337"
    assert "readonlyRootFilesystem" not in by_name["xray-daemon"]


def test_envoy_health_check_command_and_trust_bundle_are_arguments(mocks):
    """GIVEN an Envoy health check command and a CA bundle path other than the defaults
    WHEN deployed
    THEN every version's Envoy checks itself with that command (same timings) and the TLS backend
    validates against that bundle."""
    command = ("CMD", "/usr/bin/agent", "healthcheck")
    rec = build(mocks, args(envoy=EnvoyOptions(health_check_command=command), trust_bundle="/etc/pki/ca.pem"))
    for version in ("v1", "v2"):
        check = containers(rec, f"shop-products-{version}")["envoy"]["healthCheck"]
        assert check == {
            "command": list(command),
            "interval": 5,
            "timeout": 2,
            "retries": 3,
            "startPeriod": 10,
        }
    for node in rec.of_type(NODE):
        (_, payments) = node["inputs"]["spec"]["backends"]
        trust = payments["virtualService"]["clientPolicy"]["tls"]["validation"]["trust"]
        assert trust == {"file": {"certificateChain": "/etc/pki/ca.pem"}}


def test_cloud_map_custom_health_check_keeps_a_value(mocks):
    """GIVEN a MeshService
    WHEN deployed
    THEN its Cloud Map service's custom health check block carries failureThreshold 1, not {}:
    pulumi-aws 7.51 deprecates the field (AWS always uses 1), but its provider sends
    HealthCheckCustomConfig only for a block with a value, so {} would create the service
    without ECS health reporting and replace it on every `pulumi up`."""
    (discovery,) = build(mocks).of_type(CLOUD_MAP)
    assert discovery["inputs"]["healthCheckCustomConfig"] == {"failureThreshold": 1}


def test_every_name_is_the_compiled_services(mocks):
    """GIVEN a compiled service whose names are unlike anything the component could derive from
    'products'
    WHEN deployed
    THEN each resource carries exactly the compiled name: the component computes none."""
    service = products(versions={"v1": {"weight": 100}}, routes=[{"name": "default", "targets": {"v1": 100}}])
    blue = replace(
        service.versions["v1"], node="catalog-blue", ecs_service="svc-blue", task_family="fam-blue"
    )
    given = replace(
        service,
        dns_name="catalog.example.internal",
        router="catalog-rt",
        cloud_map_service="catalog",
        log_group="/teams/catalog",
        versions={"v1": blue},
    )
    rec = build(mocks, args(given))
    assert rec.one(VSERVICE)["inputs"]["name"] == "catalog.example.internal"
    assert rec.one(ROUTER)["inputs"]["name"] == "catalog-rt"
    assert rec.one(CLOUD_MAP)["inputs"]["name"] == "catalog"
    assert rec.one(LOG_GROUP)["inputs"]["name"] == "/teams/catalog"
    node = rec.one(NODE)["inputs"]
    assert node["name"] == "catalog-blue"
    assert node["spec"]["serviceDiscovery"]["awsCloudMap"]["serviceName"] == "catalog"
    assert node["spec"]["serviceDiscovery"]["awsCloudMap"]["attributes"] == {
        "ECS_TASK_DEFINITION_FAMILY": "fam-blue"
    }
    (route,) = rec.of_type(ROUTE)
    assert route["inputs"]["spec"]["httpRoute"]["action"]["weightedTargets"] == [
        {"virtualNode": "catalog-blue", "weight": 100}
    ]
    assert rec.one(TASK_DEF)["inputs"]["family"] == "fam-blue"
    assert rec.one(ECS_SERVICE)["inputs"]["name"] == "svc-blue"
    for container in json.loads(rec.one(TASK_DEF)["inputs"]["containerDefinitions"]):
        assert container["logConfiguration"]["options"]["awslogs-stream-prefix"] == "v1"


def test_each_route_carries_its_compiled_effective_policy(mocks):
    """GIVEN a service retry policy and a route with its own timeout
    WHEN deployed
    THEN each route carries the compiled mesh's effective policy: its own timeout, else the
    service's (App Mesh's 15 s default); the service's retry policy on both."""
    service = products(
        retryPolicy={"maxRetries": 2, "perRetryTimeout": "1s", "httpRetryEvents": ["server-error"]},
        routes=[
            {"name": "rest", "priority": 10, "targets": {"v1": 100}},
            {
                "name": "slow",
                "priority": 1,
                "match": {"prefix": "/slow"},
                "targets": {"v2": 100},
                "timeout": {"perRequest": "30s"},
            },
        ],
    )
    routes = {
        r["inputs"]["name"]: r["inputs"]["spec"]["httpRoute"]
        for r in build(mocks, args(service)).of_type(ROUTE)
    }
    slow, rest = routes["slow"], routes["rest"]
    assert slow["timeout"]["perRequest"] == {"unit": "s", "value": 30}
    assert rest["timeout"]["perRequest"] == {"unit": "s", "value": 15}
    for route in (slow, rest):
        assert route["retryPolicy"] == {
            "maxRetries": 2,
            "perRetryTimeout": {"unit": "s", "value": 1},
            "httpRetryEvents": ["server-error"],
        }
