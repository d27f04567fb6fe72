"""`dataplane: envoy` with a service that listens on more than one port: its sidecar's Envoy container
maps each extra ingress listener (15100 + i + 1), as the registered task definition says."""

from __future__ import annotations

import pytest

from fargate_mesh.components import MeshPlatform, MeshPlatformArgs
from fargate_mesh.spec import parse_mesh
from tests.aws.recorded import Recording
from tests.contract.botocore_validate import validate
from tests.contract.translate import translate
from tests.helpers.ecs_tasks import TASK_DEFINITION, containers, version_of
from tests.helpers.meshes import compiled
from tests.helpers.pulumi import deploy
from tests.helpers.spec import edit
from tests.localmesh.test_e2e_ports import SPEC as TWO_PORTS

ON_ENVOY = edit(
    TWO_PORTS,
    dataplane="envoy",
    tracing=False,
    **{f"services.{name}.image": f"public.ecr.aws/acme/{name}:1.0" for name in TWO_PORTS["services"]},
)


@pytest.fixture
def tasks(mocks) -> dict[str, dict]:
    """The recorded task definitions, by the service and version whose tasks they define."""
    rec: Recording = deploy(mocks, lambda: MeshPlatform("ports", MeshPlatformArgs(parse_mesh(ON_ENVOY))).urn)
    mesh = compiled(ON_ENVOY)
    found = {}
    for task in rec.of_type(TASK_DEFINITION):
        version = version_of(mesh, task["inputs"]["family"])
        if version is not None:
            found[version.node] = task
    return found


def test_the_sidecar_maps_each_extra_ingress_port_by_name(tasks):
    """GIVEN web with extraPorts [9090] (one extra port) and client with none, on dataplane: envoy
    WHEN the platform is deployed
    THEN each web version's Envoy container maps 15101 (tcp, containerPort only, as awsvpc wants it,
    with a name), the app keeps its own mapping, and client's Envoy maps nothing"""
    for node in ("web-v1", "web-v2"):
        envoy = containers(tasks[node])["envoy"]
        assert envoy["portMappings"] == [
            {"containerPort": 15101, "protocol": "tcp", "name": "envoy-ingress-15101"}
        ]
        assert containers(tasks[node])["app"]["portMappings"] == [{"containerPort": 8080, "protocol": "tcp"}]
    assert "portMappings" not in containers(tasks["client-v1"])["envoy"]


def test_the_task_definitions_conform_to_the_ecs_model(tasks):
    """GIVEN the recorded task definitions of web's versions
    WHEN translated to RegisterTaskDefinition requests
    THEN botocore's ecs model reports nothing"""
    for node in ("web-v1", "web-v2"):
        request = translate(tasks[node])
        assert validate(request.service, request.operation, request.params) == []
