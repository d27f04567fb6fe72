"""Golden Envoy bootstraps of the shipped stacks: what the renderer emits is reviewed as a diff.

For every stack in stacks/ and two address plans (loopback with fixed ports, as `localmesh render`
writes them; Fargate, as tasks would run them), every proxy's bootstrap is compared byte for byte
with tests/golden/envoy/<stack>-<plan>/<proxy>.json, and each golden file passes `envoy --mode validate`.

    UPDATE_GOLDEN=1 python -m pytest tests/golden      # rewrite the files after a deliberate change
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest

from fargate_mesh.facts import TASK_TLS_DIRECTORY
from fargate_mesh.localmesh.certificates import issue
from fargate_mesh.localmesh.trust import default_ca_file
from fargate_mesh.model import CompiledMesh, compile_mesh
from fargate_mesh.render.envoy import render_all
from fargate_mesh.render.envoy.plan import MeshPlan, fargate_plan, loopback_plan
from fargate_mesh.spec import Mesh, load_stack_file, parse_mesh
from tests.helpers.envoy import validate_files
from tests.helpers.meshes import EVERYTHING as EVERYTHING_SPEC
from tests.helpers.meshes import TLS_DEV

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "envoy"
STACKS = {"dev": ROOT / "stacks" / "Pulumi.dev.yaml", "prod": ROOT / "stacks" / "Pulumi.prod.yaml"}
# Not a shipped stack: every construct the renderer emits, so a refactor cannot change one unseen.
EVERYTHING = "everything"
# Not shipped either: dev with STRICT mutual TLS, prices PERMISSIVE, the load balancer hop encrypted.
TLS = "tls"
# The loopback plan's folder of mesh TLS files; replaced by freshly issued ones before validation.
GOLDEN_TLS_DIRECTORY = "/run/localmesh/tls"
# Written into the bootstraps as is; replaced by this machine's bundle before Envoy validates them.
GOLDEN_CA_FILE = "/etc/ssl/certs/ca-certificates.crt"
FIRST_PORT = 20000
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def loopback(mesh: CompiledMesh) -> MeshPlan:
    ports = itertools.count(FIRST_PORT)
    return loopback_plan(mesh, lambda: next(ports), mesh.gateway.port, certificates=GOLDEN_TLS_DIRECTORY)


PLANS = {"loopback": loopback, "fargate": fargate_plan}
CASES = [(stack, plan) for stack in [*STACKS, EVERYTHING, TLS] for plan in PLANS]


def stack_mesh(stack: str) -> Mesh:
    if stack == EVERYTHING:
        return parse_mesh(EVERYTHING_SPEC)
    if stack == TLS:
        return parse_mesh(TLS_DEV)
    return load_stack_file(STACKS[stack])


def rendered(stack: str, plan: str) -> dict[str, str]:
    """File name → the text a golden file holds."""
    mesh = compile_mesh(stack_mesh(stack))
    configs = render_all(mesh, PLANS[plan](mesh), ca_file=GOLDEN_CA_FILE)
    return {f"{name}.json": json.dumps(config, indent=2) + "\n" for name, config in configs.items()}


def folder(stack: str, plan: str) -> Path:
    return GOLDEN / f"{stack}-{plan}"


@pytest.mark.parametrize(("stack", "plan"), CASES, ids=[f"{s}-{p}" for s, p in CASES])
def test_bootstraps_match_the_golden_files(stack: str, plan: str):
    """GIVEN a shipped stack and an address plan
    WHEN every proxy's bootstrap is rendered
    THEN the files are exactly the golden ones, no file more or less (UPDATE_GOLDEN=1 rewrites them)"""
    files = rendered(stack, plan)
    where = folder(stack, plan)
    if UPDATE:
        where.mkdir(parents=True, exist_ok=True)
        for stale in where.glob("*.json"):
            stale.unlink()
        for name, text in files.items():
            (where / name).write_text(text, encoding="utf-8")
    golden = {p.name: p.read_text(encoding="utf-8") for p in where.glob("*.json")}
    assert sorted(files) == sorted(golden)
    for name, text in files.items():
        assert text == golden[name], f"{where / name} differs; review, then UPDATE_GOLDEN=1"


def test_the_golden_files_are_all_there():
    """GIVEN the golden folder
    WHEN its files are listed per stack and plan
    THEN each case has the gateway and one sidecar per version (validation below cannot pass on nothing)"""
    for stack, plan in CASES:
        mesh = stack_mesh(stack)
        names = {p.stem for p in folder(stack, plan).glob("*.json")}
        versions = sum(len(s.versions) for s in mesh.services.values())
        assert "gateway" in names and len(names) == 1 + versions


@pytest.mark.parametrize(("stack", "plan"), CASES, ids=[f"{s}-{p}" for s, p in CASES])
def test_every_golden_bootstrap_passes_envoy_validation(
    stack: str, plan: str, tmp_path: Path, envoy_path: str
):
    """GIVEN the golden bootstraps of a stack and plan, with this machine's CA bundle for external TLS
    and freshly issued mesh certificates where the plan puts them
    WHEN each is given to `envoy --mode validate`
    THEN Envoy accepts every one"""
    ca_file = default_ca_file()
    assert ca_file is not None, "no CA bundle on this machine (localmesh.trust); set SSL_CERT_FILE"
    mesh_tls = issue(tmp_path / "tls", compile_mesh(stack_mesh(stack)).tls.identities).directory
    files = []
    for golden in sorted(folder(stack, plan).glob("*.json")):
        path = tmp_path / golden.name
        text = golden.read_text(encoding="utf-8").replace(GOLDEN_CA_FILE, ca_file)
        for directory in (GOLDEN_TLS_DIRECTORY, TASK_TLS_DIRECTORY):
            text = text.replace(directory + "/", mesh_tls + "/")
        path.write_text(text, encoding="utf-8")
        files.append(path)
    assert files
    failures = validate_files(files)
    assert not failures, failures


def test_an_invalid_bootstrap_is_rejected(tmp_path: Path, envoy_path: str):
    """GIVEN the dev gateway's golden bootstrap with a route to a cluster that does not exist
    WHEN validated
    THEN Envoy rejects it, naming the cluster (the validation above can fail)"""
    config = json.loads((folder("dev", "loopback") / "gateway.json").read_text(encoding="utf-8"))
    public = config["static_resources"]["listeners"][0]
    public["filter_chains"][0]["filters"][0]["typed_config"]["route_config"]["virtual_hosts"][0]["routes"][0][
        "route"
    ]["cluster"] = "no-such-cluster"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    failures = validate_files([path])
    assert "no-such-cluster" in failures["broken.json"]
