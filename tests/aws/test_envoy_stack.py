"""The shipped stack on `dataplane: envoy` (stacks/Pulumi.envoy.yaml), as the real program registers
it (__main__.py under the recording mocks, tests/aws/record_stack.py): no App Mesh anywhere, and every
Envoy container runs exactly the bootstrap the renderer makes for its task on the Fargate plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fargate_mesh.components.envoy.egress import INSTANCE_METADATA_IP, TASK_METADATA_IP
from fargate_mesh.facts import ENVOY_EGRESS_PORT, ENVOY_INGRESS_PORT
from fargate_mesh.localmesh.trust import default_ca_file
from fargate_mesh.model import compile_checked
from fargate_mesh.render.envoy import render_all
from fargate_mesh.render.envoy.lifecycle import Lifecycle
from fargate_mesh.render.envoy.plan import fargate_plan
from tests.aws.recorded import Recording
from tests.helpers.ecs_tasks import TASK_DEFINITION, containers, inline_bootstrap, version_of, workload_of
from tests.helpers.envoy import validate_all
from tests.helpers.meshes import stack_mesh

ECS_SERVICE = "aws:ecs/service:Service"
CLOUD_MAP_SERVICE = "aws:servicediscovery/service:Service"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
IMAGE_CA_FILE = "/etc/ssl/certs/ca-certificates.crt"


@pytest.fixture(scope="module")
def compiled():
    return compile_checked(stack_mesh("envoy"), deploying=True)


def envoy_tasks(rec: Recording) -> list[dict]:
    return [t for t in rec.of_type(TASK_DEFINITION) if "envoy" in containers(t)]


def test_the_stack_has_no_app_mesh_resource(envoy: Recording):
    """GIVEN the envoy stack WHEN recorded THEN not one aws:appmesh/* resource or App Mesh component
    exists, and there is a gateway and a task per version to look at."""
    assert [r["type"] for r in envoy if r["type"].startswith(("aws:appmesh/", "fargatemesh:appmesh:"))] == []
    assert len(envoy_tasks(envoy)) == 4  # the gateway, products v1 and v2, prices v1
    assert envoy.data["error"] is None and "meshArn" not in envoy.outputs


def test_no_policy_grants_an_app_mesh_action(envoy: Recording):
    """GIVEN the envoy stack WHEN every input of every resource is searched (IAM policies included)
    THEN no `appmesh:` action appears anywhere."""
    policies = [json.loads(p["inputs"]["policy"]) for p in envoy.of_type("aws:iam/rolePolicy:RolePolicy")]
    actions = [a for p in policies for s in p["Statement"] for a in s["Action"]]
    assert actions and not [a for a in actions if a.lower().startswith("appmesh:")]
    assert "appmesh:" not in json.dumps([r["inputs"] for r in envoy]).lower()


def test_every_envoy_runs_exactly_the_rendered_bootstrap(envoy: Recording, compiled):
    """GIVEN each task definition with an Envoy container WHEN the bootstrap in its command is parsed
    THEN it equals render_all(compiled, fargate_plan(compiled)) for that task, and every task's is there."""
    expected = render_all(compiled, fargate_plan(compiled), ca_file=IMAGE_CA_FILE)
    shipped = {
        workload_of(compiled, t["inputs"]["family"]): inline_bootstrap(containers(t)["envoy"])
        for t in envoy_tasks(envoy)
    }
    assert sorted(shipped) == sorted(expected)
    for workload, bootstrap in shipped.items():
        assert bootstrap == expected[workload], workload


def test_every_shipped_bootstrap_passes_envoy_validate(envoy: Recording, tmp_path: Path):
    """GIVEN the bootstraps parsed from the task definitions WHEN `envoy --mode validate` reads them
    (the image's CA bundle path swapped for this machine's) THEN Envoy accepts every one."""
    ca = default_ca_file()
    assert ca is not None
    configs = {
        t["inputs"]["family"]: json.loads(
            json.dumps(inline_bootstrap(containers(t)["envoy"])).replace(IMAGE_CA_FILE, ca)
        )
        for t in envoy_tasks(envoy)
    }
    assert validate_all(configs, tmp_path) == {}


def test_each_version_has_its_own_cloud_map_service_its_ecs_service_registers_in(envoy: Recording, compiled):
    """GIVEN the versions of the mesh WHEN their Cloud Map and ECS services are looked up
    THEN each version's Cloud Map service is named as peers dial it (products-v1 in shop.local):
    A records, MULTIVALUE, a TTL and ECS's custom health check; its ECS service registers there."""
    for service in compiled.services.values():
        for version in service.versions.values():
            discovery = envoy.one(CLOUD_MAP_SERVICE, name=version.node)
            assert version.dns_name == f"{version.node}.{compiled.namespace}"
            dns = discovery["inputs"]["dnsConfig"]
            assert dns["routingPolicy"] == "MULTIVALUE"
            assert dns["dnsRecords"] == [{"type": "A", "ttl": 10}]
            assert discovery["inputs"]["healthCheckCustomConfig"] == {"failureThreshold": 1}
            ecs = envoy.one(ECS_SERVICE, name=version.ecs_service)
            assert ecs["inputs"]["serviceRegistries"] == {"registryArn": discovery["outputs"]["arn"]}
    assert len(envoy.of_type(CLOUD_MAP_SERVICE)) == 3


def test_apps_call_through_their_sidecar_by_http_proxy(envoy: Recording, compiled):
    """GIVEN each version's app container WHEN its environment is read
    THEN it is the compiled environment plus HTTP_PROXY/http_proxy at the sidecar's egress listener
    and NO_PROXY/no_proxy exempting the task and instance metadata addresses; never HTTPS_PROXY."""
    for task in envoy_tasks(envoy):
        app = containers(task).get("app")
        if app is None:  # the gateway: Envoy alone
            continue
        env = {e["name"]: e["value"] for e in app["environment"]}
        version = version_of(compiled, task["inputs"]["family"])
        assert version is not None
        assert {k: env[k] for k in version.env} == dict(version.env)
        assert env["HTTP_PROXY"] == env["http_proxy"] == f"http://127.0.0.1:{ENVOY_EGRESS_PORT}"
        no_proxy = env["NO_PROXY"].split(",")
        assert env["no_proxy"] == env["NO_PROXY"]
        assert {TASK_METADATA_IP, INSTANCE_METADATA_IP, "localhost"} <= set(no_proxy)
        assert not {k for k in env if k.upper() in ("HTTPS_PROXY", "ALL_PROXY")}
        assert "proxyConfiguration" not in task["inputs"]


def test_envoy_starts_first_drains_on_stop_and_runs_unprivileged(envoy: Recording):
    """GIVEN each Envoy container WHEN its lifecycle settings are read
    THEN it runs as uid 1337 on a read-only root, health-checks in exec form through bash, stops within
    a stopTimeout that leaves its drain room, and the app waits for it to be HEALTHY."""
    lifecycle = Lifecycle()
    for task in envoy_tasks(envoy):
        found = containers(task)
        proxy = found["envoy"]
        assert proxy["user"] == "1337" and proxy["readonlyRootFilesystem"] is True
        assert proxy["healthCheck"]["command"][:2] == ["CMD", "bash"]
        assert proxy["stopTimeout"] == lifecycle.stop_timeout_seconds
        assert proxy["command"][:2] == ["bash", "-c"]
        assert "--drain-time-s" in proxy["command"]
        if "app" in found:
            assert found["app"]["dependsOn"] == [{"containerName": "envoy", "condition": "HEALTHY"}]


def test_every_ecs_service_rolls_back_a_failed_deployment(envoy: Recording):
    """GIVEN the envoy stack's ECS services WHEN their deployment settings are read
    THEN the circuit breaker is on with rollback, tasks get no public IP, and the gateway also rolls
    back on its alarms."""
    services = envoy.of_type(ECS_SERVICE)
    assert len(services) == 4
    for service in services:
        assert service["inputs"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert service["inputs"]["networkConfiguration"]["assignPublicIp"] is False
    gateway = envoy.one(ECS_SERVICE, name="shop-envoy-gateway")
    assert gateway["inputs"]["alarms"]["rollback"] is True


def test_callers_reach_a_service_only_on_its_sidecar_port(envoy: Recording):
    """GIVEN the envoy stack's ingress rules WHEN read THEN the ALB reaches the gateway on its port,
    and the gateway and declared callers reach a service's tasks only on the sidecar's 15000."""
    ports = sorted(
        (r["name"].split("-sg-", 1)[1], r["inputs"]["fromPort"], r["inputs"]["toPort"])
        for r in envoy.of_type(INGRESS_RULE)
        if "-from-" in r["name"]
    )
    assert ports == [
        (":gateway-from-:alb", 8080, 8080),
        ("prices-from-:gateway", ENVOY_INGRESS_PORT, ENVOY_INGRESS_PORT),
        ("prices-from-products", ENVOY_INGRESS_PORT, ENVOY_INGRESS_PORT),
        ("products-from-:gateway", ENVOY_INGRESS_PORT, ENVOY_INGRESS_PORT),
    ]


def test_small_bootstraps_need_no_bucket(envoy: Recording):
    """GIVEN the envoy stack, whose bootstraps all fit inline WHEN recorded
    THEN there is no S3 bucket or object, and no task role may read S3."""
    assert not [r for r in envoy if r["type"].startswith("aws:s3/")]
    assert "s3:" not in json.dumps([r["inputs"] for r in envoy.of_type("aws:iam/rolePolicy:RolePolicy")])
