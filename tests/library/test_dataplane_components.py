"""The envoy and Service Connect components on their own, as a program adding one service or the
gateway to a mesh another stack runs: they run what the platform runs for the same spec, and refuse
what they cannot do, all at once, before any resource is registered."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from fargate_mesh.components import (
    ConnectService,
    ConnectServiceArgs,
    EdgeArgs,
    EnvoyGateway,
    EnvoyGatewayArgs,
    EnvoyMeshService,
    EnvoyMeshServiceArgs,
    MeshPlatform,
    MeshPlatformArgs,
    TaskPlacement,
    Telemetry,
    envoy_gateway_proxy,
    envoy_sidecars,
)
from fargate_mesh.model import compile_checked
from fargate_mesh.render.envoy.delivery import TASK_DEFINITION_LIMIT_BYTES
from fargate_mesh.spec import SpecError, parse_mesh
from fargate_mesh.testing import deploy, set_recording_mocks
from tests.helpers.ecs_tasks import TASK_DEFINITION, containers
from tests.helpers.meshes import prebuilt, stack_data

PLACEMENT = TaskPlacement("arn:aws:ecs:us-east-1:123456789012:cluster/shop", "shop", ["subnet-0a"], ["sg-0a"])
ENVOY_MESH = compile_checked(prebuilt("envoy"), "envoy")
SC_MESH = compile_checked(parse_mesh(stack_data("sc")), "serviceConnect")
ENVOY_TLS = compile_checked(parse_mesh(stack_data("envoy", mode="STRICT")), "envoy")


def envoy_containers(family: str, program: Any) -> dict[str, Any]:
    rec = deploy(program)
    return containers(rec.one(TASK_DEFINITION, family=family))["envoy"]


def test_a_standalone_envoy_service_and_gateway_run_the_envoy_the_platform_runs():
    """GIVEN the envoy stack's mesh (every image given)
    WHEN products and the gateway are made on their own from it (envoy_sidecars,
    envoy_gateway_proxy), and the whole platform is made from it
    THEN products v2's and the gateway's Envoy containers are the platform's, byte for byte: the
    same image, bootstrap, lifecycle, health check and log configuration."""
    images = {v: version.image or "" for v, version in ENVOY_MESH.services["products"].versions.items()}
    service_args = EnvoyMeshServiceArgs(
        service=ENVOY_MESH.services["products"],
        namespace_id="ns-0shop",
        placement=PLACEMENT,
        images=images,
        proxies=envoy_sidecars(ENVOY_MESH, "products"),
        telemetry=Telemetry.of(ENVOY_MESH),
    )
    gateway_args = EnvoyGatewayArgs(
        gateway=ENVOY_MESH.gateway,
        placement=PLACEMENT,
        proxy=envoy_gateway_proxy(ENVOY_MESH),
        target_group_arn="arn:tg",
        load_balancer_arn_suffix="app/shop/1",
        target_group_arn_suffix="targetgroup/gw/1",
        telemetry=Telemetry.of(ENVOY_MESH),
    )
    platform = MeshPlatformArgs(mesh=prebuilt("envoy"))
    for family, alone in [
        ("shop-envoy-products-v2", lambda: EnvoyMeshService("products", service_args).urn),
        ("shop-envoy-gateway", lambda: EnvoyGateway("ingress", gateway_args).urn),
    ]:
        on_the_platform = envoy_containers(family, lambda: MeshPlatform("shop", platform).urn)
        assert "--config-yaml" in on_the_platform["command"], family
        assert envoy_containers(family, alone) == on_the_platform, family


def test_envoy_sidecars_refuse_every_problem_at_once():
    """GIVEN a mesh with mesh TLS, and room for no bootstrap in a task definition
    WHEN products' sidecars are asked for, and a service the mesh does not have
    THEN one SpecError names the TLS and each version's bootstrap that cannot go inline; the
    unknown service is named with the services the mesh has."""
    with pytest.raises(SpecError) as caught:
        envoy_sidecars(ENVOY_TLS, "products", reserved_bytes=TASK_DEFINITION_LIMIT_BYTES - 1)
    paths = [p.path for p in caught.value.problems]
    assert paths == ["bootstrap.v1", "bootstrap.v2", "tls"]
    with pytest.raises(
        SpecError, match=r"service: 'orders' is not in the mesh's services; it has: products, prices"
    ):
        envoy_sidecars(ENVOY_MESH, "orders")
    with pytest.raises(SpecError, match=r"bootstrap\.gateway: \d+ bytes, more than the \d+ that fit"):
        envoy_gateway_proxy(ENVOY_MESH, reserved_bytes=TASK_DEFINITION_LIMIT_BYTES - 1)


def connect_args(**changes: Any) -> ConnectServiceArgs:
    values: dict[str, Any] = {
        "service": SC_MESH.services["products"],
        "mesh_name": SC_MESH.name,
        "namespace": SC_MESH.namespace,
        "placement": PLACEMENT,
        "image": "public.ecr.aws/acme/products:1.0",
        "edge": EdgeArgs.for_service(
            SC_MESH,
            "products",
            vpc_id="vpc-0a",
            listener_arn="arn:https",
            load_balancer_arn_suffix="app/shop/1",
        ),
    }
    return ConnectServiceArgs(**(values | changes))


def test_edge_args_for_a_service_hold_its_gateway_routes_only():
    """GIVEN the sc stack's mesh, whose gateway routes /v1/products and /v1/prices
    WHEN the edge of each service is made
    THEN each holds exactly the rule of its own route, at the priority of its place in order."""
    for service, prefix in (("products", "/v1/products"), ("prices", "/v1/prices")):
        edge = EdgeArgs.for_service(
            SC_MESH, service, vpc_id="v", listener_arn="l", load_balancer_arn_suffix="s"
        )
        (rule,) = edge.rules
        assert rule.service == service
        assert prefix in str(rule.conditions)
    priorities = [
        EdgeArgs.for_service(SC_MESH, s, vpc_id="v", listener_arn="l", load_balancer_arn_suffix="s")
        .rules[0]
        .priority
        for s in ("products", "prices")
    ]
    assert priorities == [1, 2]


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        (
            {"edge": EdgeArgs("vpc", "https", "lb", [])},
            ValueError,
            r"edge: needs the gateway routes to 'products'.*no rules",
        ),
        (
            {
                "edge": EdgeArgs.for_service(
                    SC_MESH, "prices", vpc_id="v", listener_arn="l", load_balancer_arn_suffix="s"
                )
            },
            ValueError,
            r"rules for other services: \['prices'\]",
        ),
        ({"mesh_name": pulumi.Output.from_input("shop")}, TypeError, r"- mesh_name: got a pulumi Output"),
        (
            {"kit_health_check": pulumi.Output.from_input(True)},
            TypeError,
            r"- kit_health_check: got a pulumi Output",
        ),
    ],
    ids=["edge-without-rules", "edge-of-another-service", "mesh-name-output", "kit-health-check-output"],
)
def test_connect_service_args_refuse_what_they_cannot_build_before_anything_is_registered(
    changes: dict[str, Any], error: type[Exception], message: str
):
    """GIVEN ConnectServiceArgs with an edge that holds no rule or another service's, or an Output
    where a name or a switch is computed with
    WHEN the service is made
    THEN the args refuse it with one error naming the arg, and nothing is registered."""
    mocks = set_recording_mocks()
    with pytest.raises(error, match=message):
        deploy(lambda: ConnectService("products", connect_args(**changes)).urn, mocks)
    assert mocks.resources == []


def test_envoy_service_args_refuse_the_gateways_envoy_as_a_sidecar():
    """GIVEN EnvoyMeshServiceArgs for prices whose v1 proxy is the gateway's Envoy
    WHEN they are made
    THEN a ValueError says so and names the function that renders sidecars."""
    with pytest.raises(ValueError, match=r"proxies: \['v1'\] hold the gateway's Envoy.*envoy_sidecars"):
        EnvoyMeshServiceArgs(
            service=ENVOY_MESH.services["prices"],
            namespace_id="ns-0shop",
            placement=PLACEMENT,
            images={"v1": "x"},
            proxies={"v1": envoy_gateway_proxy(ENVOY_MESH)},
        )


def test_envoy_args_refuse_an_output_where_a_plain_value_is_needed():
    """GIVEN EnvoyMeshServiceArgs whose read_only_root_filesystem is an Output
    WHEN they are made
    THEN a TypeError names the arg."""
    with pytest.raises(TypeError, match=r"- read_only_root_filesystem: got a pulumi Output"):
        deploy(
            lambda: EnvoyMeshServiceArgs(
                service=ENVOY_MESH.services["prices"],
                namespace_id="ns-0shop",
                placement=PLACEMENT,
                images={"v1": "x"},
                proxies=envoy_sidecars(ENVOY_MESH, "prices"),
                read_only_root_filesystem=pulumi.Output.from_input(False),  # type: ignore[arg-type]
            )
        )


def test_a_connect_service_alone_publishes_its_alias_and_forwards_its_route():
    """GIVEN products of the sc stack's mesh behind an HTTPS listener of another stack
    WHEN it is made on its own
    THEN its client alias is its Cloud Map name and port, and its target group output is the one
    its ECS service registers in."""

    def program() -> dict[str, Any]:
        made = ConnectService("products", connect_args())
        return {"alias": made.client_alias, "tg": made.target_group_arn}

    rec = deploy(program)
    service = rec.one("aws:ecs/service:Service")
    assert rec.outputs["alias"] == "products.shop.local:8080"
    assert rec.outputs["tg"] == service["inputs"]["loadBalancers"][0]["targetGroupArn"]
