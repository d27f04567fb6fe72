"""__main__.py: a bad spec fails with the spec's own message, before any resource exists."""

from __future__ import annotations

from pathlib import Path

import yaml

from fargate_mesh.spec import SpecError, parse_mesh
from tests.aws.recorded import REPO_ROOT, run_recording
from tests.spec.test_regex_re2 import REPORTED, add_reported_regex_routes


def write_stack(tmp_path: Path, edit) -> tuple[Path, dict]:
    document = yaml.safe_load((REPO_ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    edit(document["config"]["myshop:mesh"])
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(yaml.safe_dump(document))
    return path, document["config"]["myshop:mesh"]


def test_invalid_spec_fails_with_every_problem_and_registers_nothing(tmp_path):
    """GIVEN the dev stack with a weight of 190 and a gateway route to an unknown service
    WHEN the program runs
    THEN it fails with a RunError whose message is the SpecError's (one line per problem, by field
    path), prints no traceback, and registers no resource at all."""

    def break_it(mesh: dict) -> None:
        mesh["services"]["products"]["versions"]["v1"]["weight"] = 190
        mesh["gateway"]["routes"][1]["service"] = "pricez"

    path, mesh = write_stack(tmp_path, break_it)
    recording, proc = run_recording("dev", path)
    assert proc.returncode == 1
    assert recording["errorType"] == "RunError"
    try:
        parse_mesh(mesh, source="myshop:mesh")
    except SpecError as err:
        expected = str(err)
    assert recording["error"] == expected
    assert "gateway.routes[1].service" in expected
    assert "services.products.versions.v1.weight" in expected
    assert recording["resources"] == []
    assert "Traceback" not in proc.stderr


def test_missing_app_folder_fails_before_any_resource(tmp_path):
    """GIVEN a service whose image must be built from an app folder that does not exist
    WHEN the program runs
    THEN it fails naming the service and the folder, with no resource registered."""

    def break_it(mesh: dict) -> None:
        mesh["services"]["prices"]["app"] = "no-such-app"

    path, _ = write_stack(tmp_path, break_it)
    recording, proc = run_recording("dev", path)
    assert proc.returncode == 1
    assert recording["errorType"] == "RunError"
    assert "services.prices" in recording["error"] and "apps/no-such-app" in recording["error"]
    assert recording["resources"] == []


def test_a_feature_the_stacks_data_plane_lacks_fails_before_any_resource(tmp_path):
    """GIVEN the dev stack (dataplane appmesh by default) with a gateway route that matches on method,
    which Envoy can route but pulumi-aws's App Mesh schema cannot express
    WHEN the program runs
    THEN it fails with one problem, at gateway.routes[2].match.method, naming App Mesh and what to do
    instead, and registers no resource at all."""

    def add_method_route(mesh: dict) -> None:
        mesh["gateway"]["routes"].append(
            {"match": {"prefix": "/v1/products/orders", "method": "POST"}, "service": "products"}
        )

    path, _ = write_stack(tmp_path, add_method_route)
    recording, proc = run_recording("dev", path)
    assert proc.returncode == 1
    assert recording["errorType"] == "RunError"
    assert recording["error"].startswith("myshop:mesh is invalid (1 problem):")
    assert (
        "gateway.routes[2].match.method: AWS App Mesh (dataplane: appmesh) does not support"
        in recording["error"]
    )
    assert "put the method match on a route of the service" in recording["error"]
    assert recording["resources"] == []
    assert "Traceback" not in proc.stderr


def test_regexes_envoy_refuses_fail_the_program_before_any_resource(tmp_path):
    """GIVEN the dev stack with routes whose regexes Python accepts and Envoy's RE2 refuses
    (a possessive quantifier, a conditional, \\Z)
    WHEN the program runs
    THEN it fails with one problem per regex, at its field, saying what RE2 lacks; nothing is registered"""
    paths: list[str] = []
    path, _ = write_stack(tmp_path, lambda mesh: paths.extend(add_reported_regex_routes(mesh)))
    recording, proc = run_recording("dev", path)
    assert proc.returncode == 1
    assert recording["errorType"] == "RunError"
    lines = recording["error"].splitlines()
    for field, (pattern, said) in zip(paths, REPORTED, strict=True):
        [line] = [line for line in lines if line.strip().startswith(f"- {field}:")]
        assert repr(pattern) in line and said in line
    assert recording["resources"] == []
    assert "Traceback" not in proc.stderr
