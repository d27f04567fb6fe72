"""`localmesh` says what went wrong as it is: privileges vs a busy port, nothing stopped when nothing
started, hints in the words of the command the user ran, the stacks that exist, the project's key."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from fargate_mesh.localmesh.cli import MAKE_TARGET_ENV, main
from tests.helpers.meshes import ROOT, STACKS
from tests.spec.test_regex_re2 import REPORTED, add_reported_regex_routes

DEV = ["--stack", "dev", "--stacks-dir", str(STACKS)]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        yield busy.getsockname()[1]


def _unprivileged(argv: list[str]) -> list[str] | None:
    """argv run without the right to bind ports below 1024, or None when this machine cannot."""
    if os.geteuid() != 0:
        start = Path("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        low_ports_open = start.exists() and int(start.read_text()) <= 80
        return None if low_ports_open else argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    # root without CAP_NET_BIND_SERVICE: bind() of port 80 fails with EACCES, as for a normal user.
    return [setpriv, "--bounding-set", "-net_bind_service", "--inh-caps", "-net_bind_service", *argv]


def test_a_port_that_needs_privileges_says_so(tmp_path: Path) -> None:
    """GIVEN a user without the right to bind ports below 1024
    WHEN `localmesh up --port 80` runs
    THEN it exits 1 saying port 80 needs privileges and to pick a port above 1023 (not "in use"),
    suggests --port with a free port, and says nothing stopped, since nothing started"""
    argv = [sys.executable, "-m", "fargate_mesh.localmesh", "up", *DEV, "--port", "80"]
    argv += ["--run-dir", str(tmp_path / "run")]
    command = _unprivileged(argv)
    if command is None:
        pytest.skip("this machine lets this user bind port 80")
    env = {k: v for k, v in os.environ.items() if k != MAKE_TARGET_ENV}
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1, result.stderr
    assert (
        "gateway port 80 on 127.0.0.1 needs privileges: pick a port above 1023, e.g. --port " in result.stderr
    )
    assert "in use" not in result.stderr
    assert "stopped" not in result.stdout + result.stderr
    assert not (tmp_path / "run").exists()


def test_a_busy_port_reports_no_stop_and_suggests_a_free_port(
    busy_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN the gateway port is taken, and localmesh run directly
    WHEN `localmesh up` runs
    THEN it says the port is in use, suggests `--port N` with a free N, and prints no "stopped"
    (nothing had started)"""
    monkeypatch.delenv(MAKE_TARGET_ENV, raising=False)
    assert main(["up", *DEV, "--port", str(busy_port), "--run-dir", str(tmp_path / "run")]) == 1
    out, err = capsys.readouterr()
    assert f"gateway port {busy_port} on 127.0.0.1 is already in use; pick another, e.g. --port " in err
    suggested = int(err.rsplit("--port ", 1)[1].split()[0])
    assert suggested != busy_port
    assert "stopped" not in out + err


def test_hints_under_make_name_the_make_variable(
    busy_port: int, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN localmesh run by `make demo` (the Makefile sets LOCALMESH_MAKE_TARGET=demo)
    WHEN the port is taken, or the stack does not exist
    THEN the hints say `make demo PORT=N` and `make demo STACK=dev`, not --port or --stack"""
    monkeypatch.setenv(MAKE_TARGET_ENV, "demo")
    assert main(["up", *DEV, "--port", str(busy_port), "--run-dir", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "pick another, e.g. make demo PORT=" in err and "--port" not in err
    assert main(["up", "--stack", "nope", "--stacks-dir", str(STACKS)]) == 2
    err = capsys.readouterr().err
    assert err.rstrip().endswith("pick one, e.g. make demo STACK=dev") and "--stack" not in err


def test_the_makefile_tells_localmesh_its_target() -> None:
    """GIVEN the Makefile
    WHEN `make -n demo` and `make -n validate` show what they would run
    THEN localmesh runs with LOCALMESH_MAKE_TARGET set to that target"""
    for target in ("demo", "validate"):
        shown = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True)
        runs = [line for line in shown.stdout.splitlines() if "bin/localmesh " in line]
        lines = [line for line in runs if not line.startswith("echo ")]
        assert lines and all(f"{MAKE_TARGET_ENV}={target} " in line for line in lines), shown.stdout


def test_a_missing_stack_lists_the_stacks_that_exist(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN no stack file for 'nope'
    WHEN `localmesh validate --stack nope` runs
    THEN it exits 2 naming the missing file and the stacks there, does not call it invalid, and
    suggests --stack with one of them"""
    assert main(["validate", "--stack", "nope", "--stacks-dir", str(STACKS)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"localmesh: no stack file {STACKS / 'Pulumi.nope.yaml'}; the stacks in {STACKS}/ are: dev, envoy, prod, sc; "
        "pick one, e.g. --stack dev"
    )


def test_a_stack_without_the_mesh_key_names_the_projects_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN this project's Pulumi.yaml and a stack file in stacks/ with no mesh key
    WHEN `localmesh validate` runs on it
    THEN the problem names 'myshop:mesh', the project's real key, with no '<project>' placeholder"""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.bare.yaml").write_text("config:\n  aws:region: us-east-1\n")
    assert main(["validate", "--stack", "bare", "--stacks-dir", str(tmp_path / "stacks")]) == 2
    err = capsys.readouterr().err
    assert "config: no 'myshop:mesh' key (the project in Pulumi.yaml is 'myshop')" in err
    assert "<project>" not in err


def test_validate_refuses_the_reported_regexes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the dev stack with routes whose regexes Python accepts and Envoy's RE2 refuses
    WHEN `localmesh validate` runs
    THEN it exits 2 with one line per regex, at its field, saying what RE2 lacks"""
    document = yaml.safe_load((STACKS / "Pulumi.dev.yaml").read_text())
    fields = add_reported_regex_routes(document["config"]["myshop:mesh"])
    path = tmp_path / "Pulumi.regex.yaml"
    path.write_text(yaml.safe_dump(document))
    assert main(["validate", "--stack", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    for field, (pattern, said) in zip(fields, REPORTED, strict=True):
        [line] = [line for line in lines if line.strip().startswith(f"- {field}:")]
        assert repr(pattern) in line and said in line


def test_validate_refuses_an_app_port_at_the_sidecars_extra_ingress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN an App Mesh stack (which carries it) whose products lists extraPorts [9090, 15101]: the
    sidecar localmesh runs listens at 15101 and 15102 in front of them
    WHEN `localmesh validate` runs
    THEN it exits 2 with the one problem at services.products.extraPorts[1]"""
    document = yaml.safe_load((STACKS / "Pulumi.dev.yaml").read_text())
    products = document["config"]["myshop:mesh"]["services"]["products"]
    products["extraPorts"] = [9090, 15101]
    for route in products["routes"]:
        route["port"] = products.get("port", 8080)
    path = tmp_path / "Pulumi.ports.yaml"
    path.write_text(yaml.safe_dump(document))
    assert main(["validate", "--stack", str(path)]) == 2
    problems = [
        line.strip() for line in capsys.readouterr().err.splitlines() if line.strip().startswith("- ")
    ]
    assert len(problems) == 1
    assert problems[0].startswith("- services.products.extraPorts[1]: ")
    assert "at 15100 + i + 1" in problems[0] and "the sidecar's ingress for an extra port" in problems[0]
