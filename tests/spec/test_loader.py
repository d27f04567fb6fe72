"""Loading stack files, reporting every problem at once, re-validating Python-built meshes, round trips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from fargate_mesh.spec import Mesh, SpecError, load_stack_file, parse_mesh, stack_file, validate_mesh
from fargate_mesh.spec.loader import StackNotFoundError
from tests.helpers.spec import accepted, minimal, problems_of, with_mesh

STACKS = Path(__file__).resolve().parents[2] / "stacks"
SHIPPED = sorted(STACKS.glob("Pulumi.*.yaml"))


def write_stack(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "Pulumi.test.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as caught:
        load_stack_file(path)
    return caught.value


def test_the_shipped_stacks_are_found() -> None:
    """GIVEN the repository's stacks folder
    WHEN stack files are looked for
    THEN dev and prod are there (so the parametrised load test below is not vacuous)
    """
    assert {p.name for p in SHIPPED} >= {"Pulumi.dev.yaml", "Pulumi.prod.yaml"}
    assert stack_file("dev", STACKS) == STACKS / "Pulumi.dev.yaml"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_stacks_load(path: Path) -> None:
    """GIVEN a stack file shipped with the project
    WHEN it is loaded
    THEN it is a valid mesh that survives re-validation unchanged
    """
    mesh = load_stack_file(path)
    assert mesh.services
    assert validate_mesh(mesh) == mesh


def test_missing_file_lists_the_stacks_that_exist(tmp_path: Path) -> None:
    """GIVEN a stacks folder holding dev and prod, and a stack name that has no file there
    WHEN it is loaded
    THEN the error names the missing file and lists dev and prod, and does not call anything invalid
    """
    for name in ("dev", "prod"):
        (tmp_path / f"Pulumi.{name}.yaml").write_text("config: {}\n", encoding="utf-8")
    with pytest.raises(StackNotFoundError) as caught:
        load_stack_file(tmp_path / "Pulumi.nope.yaml")
    assert (
        str(caught.value)
        == f"no stack file {tmp_path / 'Pulumi.nope.yaml'}; the stacks in {tmp_path}/ are: dev, prod"
    )
    assert caught.value.available == ["dev", "prod"]
    assert "invalid" not in str(caught.value)


def test_missing_file_in_an_empty_folder_says_none_exist(tmp_path: Path) -> None:
    """GIVEN a folder with no stack files
    WHEN a stack is loaded from it
    THEN the error says the folder has none"""
    err = load_error(tmp_path / "Pulumi.nope.yaml")
    assert isinstance(err, StackNotFoundError)
    assert str(err).endswith(f"{tmp_path}/ has no Pulumi.<stack>.yaml files")


def test_bad_yaml_names_line_and_column(tmp_path: Path) -> None:
    """GIVEN a stack file with an unclosed flow sequence on line 3
    WHEN it is loaded
    THEN one problem says it is not valid YAML and where, on one line
    """
    err = load_error(write_stack(tmp_path, "config:\n  myshop:mesh:\n    name: [shop\n"))
    (problem,) = err.problems
    assert problem.message.startswith("not valid YAML at line 4, column 1:")
    assert "\n" not in problem.message


def test_no_mesh_key_outside_a_project(tmp_path: Path) -> None:
    """GIVEN a stack file with no Pulumi.yaml near it, whose config has no '...:mesh' key
    WHEN it is loaded
    THEN one problem at config says which key is expected and where its first part comes from
    """
    err = load_error(write_stack(tmp_path, "config:\n  aws:region: us-east-1\n"))
    assert [(p.path, p.message) for p in err.problems] == [
        (
            "config",
            "expected exactly one 'PROJECT:mesh' key, PROJECT being the name in Pulumi.yaml (found: none)",
        )
    ]


def in_project(tmp_path: Path, config: dict[str, Any]) -> Path:
    """A project 'shopx' (Pulumi.yaml) with the stack file in stacks/, as this repository lays them out."""
    (tmp_path / "Pulumi.yaml").write_text("name: shopx\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    return write_stack(tmp_path / "stacks", yaml.safe_dump({"config": config}))


def test_no_mesh_key_names_the_projects_key(tmp_path: Path) -> None:
    """GIVEN a project named shopx whose stack file has no mesh key
    WHEN it is loaded
    THEN the problem names 'shopx:mesh', the key Pulumi would read, with no placeholder
    """
    (problem,) = load_error(in_project(tmp_path, {"aws:region": "us-east-1"})).problems
    assert (problem.path, problem.message) == (
        "config",
        "no 'shopx:mesh' key (the project in Pulumi.yaml is 'shopx')",
    )


def test_a_mesh_key_of_another_project_is_pointed_out(tmp_path: Path) -> None:
    """GIVEN a project named shopx whose stack file has 'myshop:mesh'
    WHEN it is loaded
    THEN the problem says the key's first part must be the project's name
    """
    (problem,) = load_error(in_project(tmp_path, {"myshop:mesh": minimal()})).problems
    assert "no 'shopx:mesh' key" in problem.message and "found 'myshop:mesh'" in problem.message


def test_the_projects_mesh_key_is_read_beside_others(tmp_path: Path) -> None:
    """GIVEN a project named shopx whose stack file has 'shopx:mesh' and another project's 'x:mesh'
    WHEN it is loaded
    THEN shopx's mesh is read, as Pulumi would"""
    other = with_mesh(name="other")
    assert load_stack_file(in_project(tmp_path, {"shopx:mesh": minimal(), "x:mesh": other})).name == "shop"


def test_two_mesh_keys(tmp_path: Path) -> None:
    """GIVEN a stack file with two '<project>:mesh' keys
    WHEN it is loaded
    THEN one problem names both keys
    """
    text = yaml.safe_dump({"config": {"a:mesh": minimal(), "b:mesh": minimal()}})
    (problem,) = load_error(write_stack(tmp_path, text)).problems
    assert problem.path == "config"
    assert "found: a:mesh, b:mesh" in problem.message


@pytest.mark.parametrize("text", ["", "just a string\n", "config: [1, 2]\n"])
def test_no_config_mapping(tmp_path: Path, text: str) -> None:
    """GIVEN an empty file, a scalar, or a config that is not a mapping
    WHEN it is loaded
    THEN one problem says the config mapping is missing
    """
    (problem,) = load_error(write_stack(tmp_path, text)).problems
    assert problem.message == "the stack file has no 'config' mapping"


def test_empty_mesh_value(tmp_path: Path) -> None:
    """GIVEN 'myshop:mesh:' with nothing under it
    WHEN it is loaded
    THEN one problem says a mapping is needed and that nothing was given
    """
    (problem,) = load_error(write_stack(tmp_path, "config:\n  myshop:mesh:\n")).problems
    assert problem.message == "the mesh spec must be a mapping of keys (got nothing)"


def test_invalid_stack_file_names_the_file_and_each_problem(tmp_path: Path) -> None:
    """GIVEN a stack file whose mesh has two problems
    WHEN it is loaded
    THEN the error text is a header naming the file and count, then one '  - path: message' line each
    """
    data = with_mesh(**{"gateway.port": 80, "services.products.port": 0})
    path = write_stack(tmp_path, yaml.safe_dump({"config": {"myshop:mesh": data}}))
    lines = str(load_error(path)).splitlines()
    assert lines[0] == f"{path} is invalid (2 problems):"
    assert lines[1].startswith("  - gateway.port: gateway port must be 1025..65535")
    assert lines[2].startswith("  - services.products.port: must be greater than or equal to 1")
    assert len(lines) == 3


def test_many_problems_are_reported_at_once() -> None:
    """GIVEN one spec with structural mistakes and broken references in many places
    WHEN it is parsed
    THEN every one is reported in a single SpecError, each at its path
    """
    data = minimal()
    data["gateway"]["port"] = 80  # range
    data["gateway"]["routes"].append({"service": "orders", "match": {"prefix": "/v1/products"}})  # ref + dup
    data["services"]["products"]["backends"] = ["inventory"]  # reference
    data["services"]["products"]["healthCheck"] = {"interval": "1s", "pathh": "/x"}  # range + typo
    data["services"]["products"]["versions"]["v2"] = {"weight": 0}  # unreachable
    data["services"]["prices"] = {
        "versions": {"v1": {"weight": 100}},
        "routes": [{"name": "r", "priority": 1, "match": {"prefix": "nope"}, "targets": {"v9": 100}}],
    }
    data["network"] = {"vpcId": "vpc-1", "natGateways": 1}  # exclusive
    data["logRetentionDays"] = 10
    data["domain"] = "api.elsewhere.com"
    paths = {p.path for p in problems_of(data)}
    assert paths >= {
        "gateway.port",
        "gateway.routes[1].service",
        "gateway.routes[1].match",
        "services.products.backends[0]",
        "services.products.healthCheck.interval",
        "services.products.healthCheck.pathh",
        "services.products.versions.v2",
        "services.prices.routes[0].match.prefix",
        "services.prices.routes[0].targets.v9",
        "services.prices.versions.v1",
        "network",
        "logRetentionDays",
        "domain",
    }


def test_problems_are_sorted_and_not_repeated() -> None:
    """GIVEN a SpecError built from problems in any order, one of them twice
    WHEN it is read
    THEN problems are sorted by path and each appears once
    """
    from fargate_mesh.spec import Problem

    err = SpecError([Problem("b", "x"), Problem("a", "y"), Problem("b", "x")])
    assert [p.path for p in err.problems] == ["a", "b"]
    assert str(err).startswith("mesh spec is invalid (2 problems):")


@pytest.mark.parametrize(
    "changes",
    [
        {"services": ["products"]},
        {"services.products": "v1"},
        {"services.products.versions": [1, 2]},
        {"services.products.routes": {"a": 1}},
        {"services.products.routes": [None, 3]},
        {"gateway.routes": [{"service": ["x"], "match": {"prefix": 1}, "priority": "high"}]},
        {"gateway": None},
        {"services.products.backends": [1, None]},
        {"services.products.retryPolicy": {"maxRetries": "x", "perRetryTimeout": 2}},
        {"gateway.routes[0].match": {"prefix": __import__("datetime").date(2024, 1, 1)}},
        {"services.products.versions": {1: {"weight": 100}}},
    ],
)
def test_malformed_shapes_are_problems_not_tracebacks(changes: dict[str, Any]) -> None:
    """GIVEN values of the wrong shape anywhere (lists for mappings, numbers for names, YAML dates)
    WHEN the spec is parsed
    THEN a SpecError lists problems; nothing else escapes
    """
    assert problems_of(with_mesh(**changes))


def test_non_mapping_spec() -> None:
    """GIVEN a list where the mesh mapping belongs
    WHEN it is parsed
    THEN one problem says a mapping is needed and shows what was given
    """
    (problem,) = problems_of(["a"])
    assert problem.message == "the mesh spec must be a mapping of keys (got a list: ['a'])"


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"gateway": "front"}, "gateway", "must be a mapping of keys (got 'front')"),
        ({"gateway.routes": "all"}, "gateway.routes", "must be a list (got 'all')"),
        ({"gateway.desiredCount": "two"}, "gateway.desiredCount", "must be a whole number (got 'two')"),
        (
            {"services.products.protocol": 2},
            "services.products.protocol",
            "must be 'http', 'http2' or 'grpc' (got 2)",
        ),
        ({"tracing": "maybe"}, "tracing", "must be true or false (got 'maybe')"),
    ],
)
def test_generic_type_messages_say_what_was_given(change: dict[str, Any], path: str, message: str) -> None:
    """GIVEN a value of the wrong type
    WHEN the spec is parsed
    THEN the message says what is expected in plain words and shows the value
    """
    assert any(p.path == path and p.message == message for p in problems_of(with_mesh(**change)))


def test_validate_mesh_rechecks_references_of_a_python_built_mesh() -> None:
    """GIVEN a Mesh built in Python (pydantic checks each object) whose gateway routes to a missing service
    WHEN validate_mesh is called
    THEN the cross-object rule is enforced like for YAML
    """
    valid = accepted(minimal())
    route = valid.gateway.routes[0].model_copy(update={"service": "orders"})
    built = Mesh(
        name="shop",
        namespace="shop.local",
        domain="api.myshop.com",
        hosted_zone="myshop.com",
        gateway=valid.gateway.model_copy(update={"routes": [route]}),
        services=valid.services,
    )
    with pytest.raises(SpecError) as caught:
        validate_mesh(built)
    assert [p.path for p in caught.value.problems] == ["gateway.routes[0].service"]


def test_validate_mesh_returns_an_equal_mesh() -> None:
    """GIVEN a valid Python-built Mesh
    WHEN validate_mesh is called
    THEN it returns a mesh equal to it
    """
    mesh = accepted(minimal())
    assert validate_mesh(mesh) == mesh


RICH: dict[str, Any] = {
    "name": "shop",
    "namespace": "shop.local",
    "domain": "api.myshop.com",
    "hostedZone": "myshop.com",
    "network": {"cidr": "10.2.0.0/16", "azCount": 3, "natGateways": 1},
    "gateway": {
        "port": 9080,
        "healthCheckPath": "/v1/products",
        "desiredCount": 2,
        "autoscaling": {"minTasks": 2, "maxTasks": 4},
        "routes": [
            {"match": {"prefix": "/v1/products"}, "service": "products"},
            {
                "name": "shop-prices",
                "priority": 5,
                "service": "prices",
                "match": {"prefix": "/shop/prices/", "hostname": {"suffix": ".myshop.com"}},
                "rewrite": {"prefix": "/v1/prices/", "hostname": False},
            },
        ],
    },
    "external": {"payments": {"host": "api.payments.example", "port": 443}},
    "services": {
        "products": {
            "backends": ["prices", "payments"],
            "retryPolicy": {
                "maxRetries": 2,
                "perRetryTimeout": "250ms",
                "httpRetryEvents": ["gateway-error"],
            },
            "timeout": {"perRequest": "10s", "idle": "1m"},
            "healthCheck": {"path": "/health", "interval": "10s", "timeout": "3s", "unhealthyThreshold": 3},
            "outlierDetection": {
                "maxServerErrors": 5,
                "maxEjectionPercent": 50,
                "interval": "10s",
                "baseEjectionDuration": "30s",
            },
            "size": {"cpu": 1024, "memory": 2048},
            "env": {"LOG_LEVEL": "info"},
            "versions": {
                "v1": {"weight": 90, "image": "shop/products:1"},
                "v2": {"weight": 10, "desiredCount": 1, "env": {"FEATURE": "on"}},
                "v3": {"weight": 0, "unrouted": "dark launch"},
            },
            "routes": [
                {
                    "name": "canary",
                    "priority": 1,
                    "match": {
                        "headers": [
                            {"name": "x-canary", "exact": "true"},
                            {"name": "x-tier", "range": {"start": 1, "end": 3}, "invert": True},
                        ],
                        "queryParameters": [{"name": "beta", "exact": "1"}],
                    },
                    "targets": {"v2": 100},
                },
                {"name": "writes", "priority": 2, "match": {"method": "POST"}, "targets": {"v1": 100}},
                {
                    "name": "slow",
                    "priority": 3,
                    "match": {"path": {"regex": "/v1/products/[0-9]+/report"}},
                    "targets": {"v1": 100},
                    "timeout": {"perRequest": "30s"},
                    "retryPolicy": {
                        "maxRetries": 1,
                        "perRetryTimeout": "20s",
                        "tcpRetryEvents": ["connection-error"],
                    },
                },
                {
                    "name": "default",
                    "priority": 10,
                    "match": {"prefix": "/"},
                    "targets": {"v1": 90, "v2": 10},
                },
            ],
        },
        "prices": {"protocol": "http2", "port": 9000, "versions": {"v1": {"weight": 100}}},
    },
    "egressFilter": "DROP_ALL",
    "tracing": False,
    "logRetentionDays": 90,
    "tags": {"team": "shop"},
}


@pytest.mark.parametrize("source", ["rich", *(p.name for p in SHIPPED)])
def test_round_trip_through_a_dump(source: str) -> None:
    """GIVEN a mesh using (nearly) every key, and each shipped stack
    WHEN it is dumped with camelCase keys and parsed again
    THEN the result equals the original, so dumps can be stored and re-read
    """
    mesh = accepted(RICH) if source == "rich" else load_stack_file(STACKS / source)
    assert parse_mesh(mesh.model_dump(by_alias=True, exclude_none=True)) == mesh


def test_dump_writes_durations_as_the_spec_does() -> None:
    """GIVEN the rich mesh with durations in ms, s and m
    WHEN it is dumped
    THEN durations are strings again, not raw milliseconds
    """
    dumped = accepted(RICH).model_dump(by_alias=True, exclude_none=True)
    products = dumped["services"]["products"]
    assert products["retryPolicy"]["perRetryTimeout"] == "250ms"
    assert products["timeout"] == {"perRequest": "10s", "idle": "60s"}
