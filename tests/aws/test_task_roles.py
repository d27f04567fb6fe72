"""Task roles: made one per task and allowed exactly what its proxy needs, or brought one per
workload (ExistingTaskResources.task_role_arn), with the policy each task needs published so the
user can grant it; and the app's own managed policies on the roles that are made."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from fargate_mesh.components import (
    DATA_PLANES,
    GATEWAY,
    ExistingTaskResources,
    IngressGatewayArgs,
    MeshPlatform,
    MeshPlatformArgs,
    MeshService,
    MeshServiceArgs,
    TaskPlacement,
    WorkloadResources,
)
from fargate_mesh.components.envoy import EnvoyDataPlane
from fargate_mesh.components.envoy.gateway import EnvoyGatewayArgs
from fargate_mesh.components.envoy.proxy import EnvoyProxy
from fargate_mesh.components.envoy.service import EnvoyMeshServiceArgs
from fargate_mesh.components.serviceconnect.service import ConnectServiceArgs
from fargate_mesh.model import compile_checked
from fargate_mesh.render.envoy.delivery import TASK_DEFINITION_LIMIT_BYTES, choose_delivery
from fargate_mesh.spec import Mesh, SpecError, parse_mesh
from tests.aws.harness import set_recording_mocks
from tests.helpers.ecs_tasks import TASK_DEFINITION
from tests.helpers.meshes import TLS_DEV, prebuilt
from tests.helpers.pulumi import deploy
from tests.helpers.task_roles import (
    ATTACHMENT,
    ROLE,
    bringing_every_task_role,
    brought_role_arn,
    made_task_policies,
    required_policies,
    task_role_urns,
    task_roles,
    workload_of,
)

ECS_SERVICE = "aws:ecs/service:Service"
TABLE_POLICY = "arn:aws:iam::123456789012:policy/orders-table-read"
SSM_READ = "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess"


def tls_dev() -> Mesh:
    """The dev stack with mesh TLS (certificate statements in every task role), images given."""
    mesh = prebuilt("dev").model_dump(by_alias=True, exclude_none=True)
    mesh["tls"] = TLS_DEV["tls"]
    mesh["services"]["prices"]["tls"] = TLS_DEV["services"]["prices"]["tls"]
    return parse_mesh(mesh)


def platform(mesh: Mesh, **args: Any) -> dict[str, Any]:
    """A MeshPlatform of `mesh`, exporting what each task role must allow."""
    made = MeshPlatform("shop", MeshPlatformArgs(mesh=mesh, **args))
    return {"policies": made.task_role_policies}


@pytest.fixture
def s3_bootstraps(monkeypatch: pytest.MonkeyPatch) -> None:
    """The envoy data plane stores every bootstrap in S3 (the task role reads its own object)."""
    monkeypatch.setitem(
        DATA_PLANES, "envoy", lambda args: EnvoyDataPlane(reserved_bytes=TASK_DEFINITION_LIMIT_BYTES - 1)
    )


CASES = {
    "appmesh": lambda: prebuilt("dev"),
    "appmesh-tls": tls_dev,
    "envoy": lambda: prebuilt("envoy"),
    "serviceConnect": lambda: prebuilt("sc"),
}


@pytest.mark.parametrize("case", [*CASES, "envoy-s3"])
def test_a_brought_task_role_replaces_the_made_ones_and_publishes_what_they_allowed(
    mocks, case: str, request: pytest.FixtureRequest
):
    """GIVEN a stack on each data plane (App Mesh with and without mesh TLS, Envoy with bootstraps
    inline and in S3, Service Connect), deployed once as shipped and once with every workload
    bringing its own task role
    WHEN both are recorded
    THEN with the roles brought the task roles and their inline policies are all that is no longer
    made (the execution roles, a rollout's traffic role stay), every task
    definition runs as its workload's role, and the platform's task_role_policies are, task by
    task, exactly the inline policies the made roles had (None where a made role had none)."""
    if case == "envoy-s3":
        request.getfixturevalue("s3_bootstraps")
    mesh = CASES[case.removesuffix("-s3")]()
    compiled = compile_checked(mesh)
    made = deploy(mocks, lambda: platform(mesh))
    brought = deploy(
        set_recording_mocks(stack="unit"),
        lambda: platform(mesh, workload_resources=bringing_every_task_role(compiled)),
    )
    assert brought.urns() == made.urns() - task_role_urns(made)
    for task in brought.of_type(TASK_DEFINITION):
        workload = workload_of(compiled, task["inputs"]["family"])
        assert task["inputs"]["taskRoleArn"] == brought_role_arn(workload), workload
    required = required_policies(compiled, brought.outputs["policies"])
    assert required == made_task_policies(made)
    if case == "envoy-s3":
        sids = {s["Sid"] for p in required.values() if p for s in json.loads(p)["Statement"]}
        assert "ReadOwnEnvoyBootstrap" in sids


def test_a_task_role_given_as_an_output_reaches_the_task_definition_unchanged(mocks):
    """GIVEN one service whose task role is made elsewhere in the program (its ARN an Output)
    WHEN it is deployed
    THEN both versions' task definitions run as that role, no task role or inline policy is made
    for them, and their execution role and log group are still made."""

    def program() -> Any:
        role = aws.iam.Role("platform-orders", assume_role_policy="{}")
        existing = ExistingTaskResources(task_role_arn=role.arn)
        MeshPlatform(
            "shop",
            MeshPlatformArgs(
                mesh=prebuilt("dev"), workload_resources={"products": WorkloadResources(existing)}
            ),
        )
        return {"role": role.arn}

    rec = deploy(mocks, program)
    products = [t for t in rec.of_type(TASK_DEFINITION) if "-products-" in t["inputs"]["family"]]
    assert len(products) == 2
    assert {t["inputs"]["taskRoleArn"] for t in products} == {rec.outputs["role"]}
    made = [r["name"] for r in task_roles(rec)]
    assert made and not [name for name in made if "products" in name]
    assert rec.named(ROLE, "shop-products-execution")
    assert any(
        g["inputs"]["name"].endswith("/products") for g in rec.of_type("aws:cloudwatch/logGroup:LogGroup")
    )


def test_a_mesh_service_alone_brings_its_task_role_and_reads_what_it_must_allow(mocks):
    """GIVEN a MeshService alone, bringing its task role
    WHEN it is deployed
    THEN it makes no role at all but its execution role, runs as the role given, and its
    task_role_policies name each version's own virtual node, and X-Ray."""
    mesh = compile_checked(prebuilt("dev"))

    def program() -> Any:
        service = MeshService(
            "reviews",
            MeshServiceArgs(
                service=mesh.services["products"],
                mesh_name="shop",
                namespace=mesh.namespace,
                namespace_id="ns-1",
                placement=TaskPlacement(
                    "arn:aws:ecs:us-east-1:123456789012:cluster/c", "c", ["s-1"], ["sg-1"]
                ),
                images={"v1": "img:1", "v2": "img:2"},
                existing=ExistingTaskResources(task_role_arn=brought_role_arn("products")),
            ),
        )
        return {"policies": service.task_role_policies, "nodes": service.node_arns}

    rec = deploy(mocks, program)
    assert [r["name"] for r in rec.of_type(ROLE)] == ["reviews-execution"]
    assert {t["inputs"]["taskRoleArn"] for t in rec.of_type(TASK_DEFINITION)} == {
        brought_role_arn("products")
    }
    for version, policy in rec.outputs["policies"].items():
        statements = {s["Sid"]: s for s in json.loads(policy)["Statement"]}
        assert statements["AppMeshEnvoyConfiguration"]["Resource"] == [rec.outputs["nodes"][version]]
        assert set(statements) == {"AppMeshEnvoyConfiguration", "XRayWrite"}


@pytest.mark.parametrize("case", list(CASES))
def test_managed_policies_attach_to_each_made_task_role_of_their_workload(mocks, case: str):
    """GIVEN products needing two managed policies (one an Output) on each data plane
    WHEN the stack is deployed
    THEN each of products' task roles gets both, each attachment named after its role and label,
    and products' ECS services wait for them; no other role gets any."""

    def program() -> Any:
        table = aws.iam.Policy("orders-table-read", policy="{}")
        arns = {"orders-table": table.arn, "ssm": SSM_READ}
        platform(CASES[case](), workload_resources={"products": WorkloadResources(task_policy_arns=arns)})
        return {"table": table.arn}

    rec = deploy(mocks, program)
    roles = {r["name"]: r for r in task_roles(rec) if "products" in r["name"]}
    arns = {"orders-table": rec.outputs["table"], "ssm": SSM_READ}
    expected = {f"{role}-{label}": (role, arn) for role in roles for label, arn in arns.items()}
    assert len(expected) == 2 * len(roles) >= 2
    attachments = rec.of_type(ATTACHMENT)
    assert sorted(a["name"] for a in attachments) == sorted(expected)
    for attachment in attachments:
        role, arn = expected[attachment["name"]]
        assert attachment["inputs"]["role"] == roles[role]["outputs"]["name"]
        assert attachment["inputs"]["policyArn"] == arn
    waiting = [s for s in rec.of_type(ECS_SERVICE) if "products" in s["name"]]
    assert waiting
    for service in waiting:
        assert len({a["urn"] for a in attachments} & set(service["dependencies"])) == 2


def _refused(mesh: Mesh, resources: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as refused:
        MeshPlatformArgs(mesh=mesh, workload_resources=resources)
    return [(p.path, p.message) for p in refused.value.problems]


def test_workloads_the_spec_does_not_have_are_refused_with_what_is_allowed():
    """GIVEN workload_resources naming a service the spec does not have, and the gateway by name
    WHEN the platform's args are made
    THEN one problem at workload_resources names both and lists what is allowed."""
    (problem,) = _refused(prebuilt("dev"), {"orderz": WorkloadResources(), "gateway": WorkloadResources()})
    assert problem[0] == "workload_resources"
    assert "'orderz', 'gateway'" in problem[1]
    assert "allowed: 'products', 'prices', ':gateway'" in problem[1]


def test_service_connect_has_no_gateway_to_bring_roles_for():
    """GIVEN the Service Connect stack and resources for the gateway
    WHEN the platform's args are made
    THEN they are refused: that data plane runs no gateway task."""
    ((path, message),) = _refused(prebuilt("sc"), {GATEWAY: WorkloadResources()})
    assert path == "workload_resources" and "runs no gateway task" in message


def test_managed_policies_for_a_brought_role_and_bad_labels_are_refused_together():
    """GIVEN products bringing its task role and asking for managed policies, and prices with a
    label that cannot name an attachment, and the gateway given a bare ExistingTaskResources
    WHEN the platform's args are made
    THEN one SpecError names each at its field path."""
    problems = _refused(
        prebuilt("dev"),
        {
            "products": WorkloadResources(
                ExistingTaskResources(task_role_arn=brought_role_arn("products")), {"ssm": SSM_READ}
            ),
            "prices": WorkloadResources(task_policy_arns={"orders table": TABLE_POLICY}),
            GATEWAY: ExistingTaskResources(),  # type: ignore[dict-item]
        },
    )
    paths = [path for path, _ in problems]
    assert sorted(paths) == [
        f"workload_resources.{GATEWAY}",
        "workload_resources.prices.task_policy_arns",
        "workload_resources.products.task_policy_arns",
    ]
    messages = dict(problems)
    assert (
        "library changes no role it did not make" in messages["workload_resources.products.task_policy_arns"]
    )
    assert "'orders table'" in messages["workload_resources.prices.task_policy_arns"]


def _workload_args(kind: str, **roles: Any) -> Any:
    """Each component's args that take a workload's task roles, for the dev stack's products (or
    its gateway), with `roles` (existing, task_policy_arns) added."""
    mesh = compile_checked(prebuilt("dev"))
    products, gateway = mesh.services["products"], mesh.gateway
    placement = TaskPlacement("arn:aws:ecs:us-east-1:123456789012:cluster/c", "c", ["s-1"], ["sg-1"])
    edge = {
        "target_group_arn": "arn:tg",
        "load_balancer_arn_suffix": "app/x",
        "target_group_arn_suffix": "tg/x",
    }
    proxy = EnvoyProxy(choose_delivery({"admin": {}}))
    images = {v: f"img:{v}" for v in products.versions}
    build: dict[str, Any] = {
        "MeshServiceArgs": lambda: MeshServiceArgs(
            service=products,
            mesh_name="shop",
            namespace=mesh.namespace,
            namespace_id="ns-1",
            placement=placement,
            images=images,
            **roles,
        ),
        "IngressGatewayArgs": lambda: IngressGatewayArgs(
            gateway=gateway, mesh_name="shop", placement=placement, **edge, **roles
        ),
        "EnvoyMeshServiceArgs": lambda: EnvoyMeshServiceArgs(
            service=products,
            namespace_id="ns-1",
            placement=placement,
            images=images,
            proxies={v: proxy for v in products.versions},
            **roles,
        ),
        "EnvoyGatewayArgs": lambda: EnvoyGatewayArgs(
            gateway=gateway,
            placement=placement,
            proxy=replace(proxy, gateway_port=gateway.port),
            **edge,
            **roles,
        ),
        "ConnectServiceArgs": lambda: ConnectServiceArgs(
            service=products,
            mesh_name="shop",
            namespace="shop.local",
            placement=placement,
            image="img:v1",
            kit_health_check=False,
            **roles,
        ),
    }
    return build[kind]()


WORKLOAD_ARGS = [
    "MeshServiceArgs",
    "IngressGatewayArgs",
    "EnvoyMeshServiceArgs",
    "EnvoyGatewayArgs",
    "ConnectServiceArgs",
]


@pytest.mark.parametrize("kind", WORKLOAD_ARGS)
def test_every_workload_args_refuse_managed_policies_for_a_brought_role(kind: str):
    """GIVEN each component's args bringing a task role (an Output) and asking for a managed
    policy on it, under a label that cannot name an attachment
    WHEN they are made
    THEN one SpecError names task_policy_arns twice, before any resource exists; without the
    policies the same args are accepted."""
    existing = ExistingTaskResources(task_role_arn=pulumi.Output.from_input(brought_role_arn("products")))
    with pytest.raises(SpecError) as refused:
        _workload_args(kind, existing=existing, task_policy_arns={"ssm read": SSM_READ})
    problems = refused.value.problems
    assert [p.path for p in problems] == ["task_policy_arns", "task_policy_arns"]
    assert kind in str(refused.value)
    assert _workload_args(kind, existing=existing).existing is existing


def test_more_managed_policies_than_iam_attaches_to_a_role_are_refused():
    """GIVEN prices asking for 21 managed policies on its task roles
    WHEN the platform's args are made
    THEN one problem at its task_policy_arns says IAM attaches at most 20 to a role (10 by default)."""
    policies = {f"p{n}": f"arn:aws:iam::123456789012:policy/p{n}" for n in range(21)}
    ((path, message),) = _refused(prebuilt("dev"), {"prices": WorkloadResources(task_policy_arns=policies)})
    assert path == "workload_resources.prices.task_policy_arns"
    assert "21 managed policies" in message and "at most 20" in message and "10 by default" in message
    twenty = dict(list(policies.items())[:20])
    MeshPlatformArgs(
        mesh=prebuilt("dev"), workload_resources={"prices": WorkloadResources(task_policy_arns=twenty)}
    )


def test_a_managed_policy_given_by_name_or_twice_is_refused_at_its_label():
    """GIVEN products asking for a managed policy by its name rather than its ARN, another under a
    role's ARN, and the same policy ARN under two labels
    WHEN the platform's args are made
    THEN each is a problem at products' task_policy_arns.<label>, before any role is made: IAM's
    AttachRolePolicy takes a policy ARN only, and keeps one attachment per role and policy, so
    removing either label later would detach the policy the other still asks for."""
    policies = {
        "ssm": "AmazonSSMReadOnlyAccess",
        "role": "arn:aws:iam::123456789012:role/orders",
        "table": TABLE_POLICY,
        "table-again": TABLE_POLICY,
    }
    problems = dict(_refused(prebuilt("dev"), {"products": WorkloadResources(task_policy_arns=policies)}))
    at = "workload_resources.products.task_policy_arns"
    assert sorted(problems) == [f"{at}.role", f"{at}.ssm", f"{at}.table-again"]
    assert "'AmazonSSMReadOnlyAccess' is not a managed policy ARN" in problems[f"{at}.ssm"]
    assert "arn:aws:iam::aws:policy/" in problems[f"{at}.ssm"]
    assert "also given as 'table'" in problems[f"{at}.table-again"]


def test_managed_policy_arns_of_every_partition_and_outputs_are_accepted():
    """GIVEN managed policies of AWS, of an account, with a path, in GovCloud, and an Output
    WHEN the platform's args are made
    THEN they are accepted: an Output is checked by IAM when it is known."""
    policies = {
        "aws": SSM_READ,
        "own": TABLE_POLICY,
        "path": "arn:aws:iam::123456789012:policy/team/orders/read+write",
        "gov": "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess",
        "later": pulumi.Output.from_input("not-known-yet"),
    }
    MeshPlatformArgs(
        mesh=prebuilt("dev"), workload_resources={"products": WorkloadResources(task_policy_arns=policies)}
    )


def test_managed_policies_given_as_a_list_are_refused_as_not_a_mapping():
    """GIVEN products' task_policy_arns written as a list of ARNs (no labels)
    WHEN the platform's args are made
    THEN one problem at its task_policy_arns says it must map labels to ARNs, not a traceback."""
    wrong = WorkloadResources(task_policy_arns=[SSM_READ])  # type: ignore[arg-type]
    ((path, message),) = _refused(prebuilt("dev"), {"products": wrong})
    assert path == "workload_resources.products.task_policy_arns"
    assert message == "must be a mapping of label → policy ARN, got a list"
