"""The `localmesh` command without running a mesh: validate, routes, render, and up's refusals."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fargate_mesh import spec as meshspec
from fargate_mesh.localmesh.cli import main
from fargate_mesh.localmesh.route_table import route_table
from fargate_mesh.model import compile_checked
from tests.helpers.meshes import ROOT, STACKS

DEV = ["--stack", "dev", "--stacks-dir", str(STACKS)]

INVALID_STACK = """\
config:
  myshop:mesh:
    name: shop-test
    namespace: shop.local
    domain: api.test.myshop.com
    hostedZone: myshop.com
    gateway:
      routes:
        - {match: {prefix: /v1/products}, service: prodcts}
    services:
      products:
        port: 70000
        versions:
          v1: {weight: 150}
"""


@pytest.fixture
def invalid_stack(tmp_path: Path) -> Path:
    path = tmp_path / "Pulumi.broken.yaml"
    path.write_text(INVALID_STACK, encoding="utf-8")
    return path


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", *DEV]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith("OK: ") and "Pulumi.dev.yaml" in out[0]


def test_validate_accepts_a_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--stack", str(STACKS / "Pulumi.prod.yaml")]) == 0
    assert capsys.readouterr().out.startswith("OK: ")


def test_validate_invalid_lists_every_problem_by_field_path(
    invalid_stack: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--stack", str(invalid_stack)]) == 2
    err = capsys.readouterr().err.splitlines()
    # One line per problem, each starting with the field to fix.
    problems = [line.strip() for line in err if line.strip().startswith("- ")]
    paths = [line[2:].split(":", 1)[0] for line in problems]
    assert "gateway.routes[0].service" in paths
    assert "services.products.port" in paths
    assert any(p.startswith("services.products.versions.v1") for p in paths)
    assert any("prodcts" in line for line in problems)
    assert "Traceback" not in "\n".join(err)


@pytest.fixture
def method_stack(tmp_path: Path) -> Path:
    """The dev stack with a gateway route that matches on method (Envoy routes it; App Mesh cannot)."""
    document = yaml.safe_load((STACKS / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    document["config"]["myshop:mesh"]["gateway"]["routes"].append(
        {"match": {"prefix": "/v1/products/orders", "method": "POST"}, "service": "products"}
    )
    path = tmp_path / "Pulumi.method.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_a_gateway_method_match_runs_locally_and_the_note_says_app_mesh_would_refuse_it(
    method_stack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a stack (data plane appmesh) with a gateway route matching POST
    WHEN it is validated and rendered by localmesh, which runs Envoy
    THEN both succeed, the gateway's Envoy route matches :method POST, and validate notes that App
    Mesh would refuse the field for `pulumi up`"""
    assert main(["validate", "--stack", str(method_stack)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: ")
    assert "note: AWS App Mesh (dataplane: appmesh, for `pulumi up`) would refuse:" in out
    assert "gateway.routes[2].match.method: AWS App Mesh" in out
    assert (
        main(["render", "--stack", str(method_stack), "--out", str(tmp_path / "out"), "--ca-file", __file__])
        == 0
    )
    gateway = json.loads((tmp_path / "out" / "gateway.json").read_text(encoding="utf-8"))
    assert '"name": ":method", "string_match": {"exact": "POST"}' in json.dumps(gateway)


def test_validate_missing_stack_is_a_spec_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--stack", "nope", "--stacks-dir", str(tmp_path)]) == 2
    assert "Pulumi.nope.yaml" in capsys.readouterr().err


def test_routes_shows_gateway_routes_weights_and_canary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", *DEV]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    products = next(i for i, line in enumerate(lines) if "gateway prefix=/v1/products" in line)
    prices = next(i for i, line in enumerate(lines) if "gateway prefix=/v1/prices" in line)
    assert "products.shop.local:8080" in lines[products]
    assert "prices.shop.local:8080" in lines[prices]
    products_routes = "\n".join(lines[products:prices])
    # The canary header route comes first (priority 1) and sends everything to v2.
    canary = next(line for line in lines[products:prices] if "canary-header" in line)
    assert "x-canary exact 'true'" in canary and canary.rstrip().endswith("→ v2 100%")
    assert "→ v1 90%, v2 10%" in products_routes
    assert products_routes.index("canary-header") < products_routes.index("default")
    assert "retries: 2 x 2s on gateway-error" in products_routes
    assert "timeout: 10s per request" in products_routes
    assert "→ v1 100%" in "\n".join(lines[prices:])


def test_routes_of_invalid_stack_exits_2(invalid_stack: Path) -> None:
    assert main(["routes", "--stack", str(invalid_stack)]) == 2


def test_render_writes_one_config_per_proxy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the dev stack
    WHEN rendered
    THEN each proxy's bootstrap is the one shipped to Fargate tasks (the gateway on 0.0.0.0 at the
    spec's port, peers dialled by Cloud Map name), and addresses.json is that plan"""
    out = tmp_path / "configs"
    assert main(["render", *DEV, "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        ["gateway.json", "products-v1.json", "products-v2.json", "prices-v1.json", "addresses.json"]
    )
    gateway = json.loads((out / "gateway.json").read_text())
    ports = [
        listener["address"]["socket_address"]["port_value"]
        for listener in gateway["static_resources"]["listeners"]
        if "address" in listener
    ]
    assert ports == [8080]
    addresses = json.loads((out / "addresses.json").read_text())
    assert addresses["gateway"] == "0.0.0.0:8080"
    sidecars = {f"{s['service']}-{s['version']}": s for s in addresses["sidecars"]}
    assert set(sidecars) == {"products-v1", "products-v2", "prices-v1"}
    assert sidecars["prices-v1"]["peer"] == "prices-v1.shop.local:15000"
    assert sidecars["prices-v1"]["ingress"] == "0.0.0.0:15000"
    assert addresses["external"] == {"payments": "api.payments.example:443"}
    assert "wrote" in capsys.readouterr().out


def test_render_writes_the_given_ca_file_into_external_tls(tmp_path: Path) -> None:
    """GIVEN the dev stack (payments is an external TLS backend of products)
    WHEN rendered with --ca-file /opt/certs/bundle.pem (a path where Envoy will run, not checked here)
    THEN products' sidecars validate payments' certificate with that file"""
    assert main(["render", *DEV, "--out", str(tmp_path), "--ca-file", "/opt/certs/bundle.pem"]) == 0
    config = json.loads((tmp_path / "products-v1.json").read_text())
    [payments] = [c for c in config["static_resources"]["clusters"] if "external-payments" in c["name"]]
    validation = payments["transport_socket"]["typed_config"]["common_tls_context"]["validation_context"]
    assert validation["trusted_ca"] == {"filename": "/opt/certs/bundle.pem"}


def test_render_without_any_ca_file_says_how_to_give_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a machine with no CA bundle anywhere localmesh looks, and the dev stack's TLS backend
    WHEN render runs without --ca-file
    THEN it exits 1 naming the backend and --ca-file, and writes nothing"""
    monkeypatch.setattr("fargate_mesh.localmesh.cli.default_ca_file", lambda: None)
    assert main(["render", *DEV, "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "'payments' uses TLS" in err and "--ca-file" in err
    assert not (tmp_path / "out").exists()


def test_render_check_has_envoy_accept_every_file(
    tmp_path: Path, envoy_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["render", *DEV, "--out", str(tmp_path), "--check"]) == 0
    assert capsys.readouterr().out.count("envoy accepts") == 4


def test_up_refuses_a_busy_gateway_port(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["up", *DEV, "--port", str(port), "--run-dir", str(tmp_path / "run")])
    assert code == 1
    err = capsys.readouterr().err
    assert f"gateway port {port} on 127.0.0.1 is already in use" in err
    assert not (tmp_path / "run").exists()  # refused before anything was written or started


def test_up_with_invalid_spec_starts_nothing(
    invalid_stack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["up", "--stack", str(invalid_stack), "--run-dir", str(tmp_path / "run")]) == 2
    assert "services.products.port" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_up_refuses_a_missing_ca_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN --ca-file naming a file that does not exist
    WHEN up runs
    THEN it exits 1 naming the file, before starting or writing anything"""
    argv = ["up", *DEV, "--ca-file", str(tmp_path / "nope.pem"), "--run-dir", str(tmp_path / "run")]
    assert main(argv) == 1
    assert f"CA file {tmp_path / 'nope.pem'} does not exist" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_up_refuses_an_unknown_external(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["up", *DEV, "--external", "paymnts=127.0.0.1:9443", "--run-dir", str(tmp_path / "run")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "paymnts" in err and "known: payments" in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("argv", [[], ["up"], ["validate"], ["frobnicate", "--stack", "dev"]])
def test_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2


def test_python_dash_m_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fargate_mesh.localmesh", "validate", *DEV],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: ")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_routes_prints_the_same_table_on_app_mesh_and_on_envoy(
    stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a shipped stack, once with `dataplane: appmesh` and once with `dataplane: envoy`
    WHEN `localmesh routes` prints each
    THEN the two tables are the same, line for line: routing is the spec's, not the data plane's"""
    document = yaml.safe_load((STACKS / f"Pulumi.{stack}.yaml").read_text())
    key = next(k for k in document["config"] if k.endswith(":mesh"))
    tables = {}
    for dataplane in ("appmesh", "envoy"):
        document["config"][key]["dataplane"] = dataplane
        path = tmp_path / f"Pulumi.{stack}-{dataplane}.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False))
        assert main(["routes", "--stack", str(path)]) == 0
        tables[dataplane] = capsys.readouterr().out
    assert "gateway prefix=/v1/products" in tables["envoy"]
    assert tables["appmesh"] == tables["envoy"]
    # And the mesh compiled for each data plane (what `pulumi up` deploys) reads the same.
    mesh = meshspec.load_stack_file(STACKS / f"Pulumi.{stack}.yaml")
    compiled = {plane: compile_checked(mesh, plane) for plane in ("appmesh", "envoy")}
    assert route_table(compiled["appmesh"]) == route_table(compiled["envoy"])
    assert "\n".join(route_table(compiled["envoy"])) + "\n" == tables["envoy"]


def test_up_takes_a_replica_count_from_1_to_the_cap(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN `localmesh up --replicas` out of 1..4
    WHEN it runs
    THEN it exits 2 naming the allowed range, and starts nothing"""
    for wrong in ("0", "5"):
        assert main(["up", *DEV, "--replicas", wrong]) == 2
        assert "--replicas must be 1..4" in capsys.readouterr().err
