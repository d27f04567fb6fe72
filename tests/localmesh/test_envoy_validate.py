"""Every config rendered for the shipped stacks is accepted by the real Envoy (`--mode validate`)."""

from __future__ import annotations

import itertools
import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from fargate_mesh.localmesh.launch import envoy_validate
from fargate_mesh.localmesh.trust import default_ca_file
from fargate_mesh.render.envoy import render_all, render_gateway
from fargate_mesh.render.envoy.plan import Endpoint, MeshPlan, SidecarPlan, plan_mesh
from fargate_mesh.spec import Mesh, load_stack_file, parse_mesh

STACKS = Path(__file__).resolve().parents[2] / "stacks"
STACK_FILES = sorted(STACKS.glob("Pulumi.*.yaml"))


@pytest.fixture(scope="module")
def ca_file(envoy_path: str) -> str:
    """This machine's CA bundle: Envoy loads the trust file of external TLS clusters when validating."""
    found = default_ca_file()
    if found is None:
        pytest.fail("no CA bundle on this machine (localmesh.trust); set SSL_CERT_FILE to one")
    return found


def validate(config: Path) -> subprocess.CompletedProcess[str]:
    return envoy_validate(config)


def validate_all(configs: dict[str, dict[str, Any]], folder: Path) -> dict[str, str]:
    """Validate every config in parallel threads; Envoy's output for each one it rejects."""
    files = []
    for name, config in configs.items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        files.append(path)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(zip(files, pool.map(validate, files), strict=True))
    return {p.name: r.stdout + r.stderr for p, r in results.items() if r.returncode != 0}


def test_both_shipped_stacks_are_found():
    """GIVEN the repository's stacks folder
    WHEN its stack files are listed
    THEN dev and prod are both there (so the validation below cannot pass on an empty list)"""
    assert {p.name for p in STACK_FILES} >= {"Pulumi.dev.yaml", "Pulumi.prod.yaml"}


@pytest.mark.parametrize("stack_file", STACK_FILES, ids=lambda p: p.stem.removeprefix("Pulumi."))
@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3"])
def test_every_rendered_config_passes_envoy_validation(
    stack_file: Path, host: str, tmp_path: Path, ca_file: str
):
    """GIVEN a shipped stack, planned on loopback or on another host
    WHEN the gateway and every sidecar are rendered and given to `envoy --mode validate`
    THEN Envoy accepts each one"""
    mesh = load_stack_file(stack_file)
    ports = itertools.count(20000)
    plan = plan_mesh(mesh, lambda: next(ports), host=host)
    configs = render_all(mesh, plan, access_log_dir=str(tmp_path), ca_file=ca_file)
    assert "gateway" in configs and len(configs) > 1
    failures = validate_all(configs, tmp_path)
    assert not failures, failures


# Every construct the renderer can emit, so Envoy checks each (regexes compile in RE2, rewrites, TLS, ...).
EVERYTHING = {
    "name": "all",
    "namespace": "all.local",
    "domain": "api.all.com",
    "hostedZone": "all.com",
    "egressFilter": "ALLOW_ALL",
    "gateway": {
        "healthCheckPath": "/strip/health",
        "routes": [
            {"match": {"prefix": "/strip"}, "service": "orders", "rewrite": {"stripPrefix": True}},
            {"match": {"prefix": "/slash/"}, "service": "orders", "rewrite": {"stripPrefix": True}},
            {"match": {"prefix": "/old/"}, "service": "orders", "rewrite": {"prefix": "/new/"}},
            {"priority": 1, "match": {"hostname": {"exact": "api.all.com"}}, "service": "orders"},
            {
                "priority": 2,
                "match": {"prefix": "/x", "hostname": {"suffix": ".all.com"}},
                "service": "stock",
            },
            {
                "priority": 3,
                "match": {
                    "path": {"regex": "/items/[0-9]+"},
                    "headers": [{"name": "x-a", "regex": "^v[0-9]$"}],
                    "queryParameters": [{"name": "q", "exact": "1"}],
                },
                "service": "stock",
                "rewrite": {"hostname": False},
            },
        ],
    },
    "external": {
        "bank": {"host": "api.bank.example"},
        "ftp": {"host": "files.corp.example", "port": 8021},
    },
    "services": {
        "orders": {
            "protocol": "http2",
            "backends": ["stock", "bank", "ftp"],
            "healthCheck": {"path": "/ping", "interval": "6s", "timeout": "2500ms"},
            "outlierDetection": {
                "maxServerErrors": 2,
                "maxEjectionPercent": 10,
                "interval": "1s",
                "baseEjectionDuration": "5s",
            },
            "timeout": {"perRequest": "0s", "idle": "1m"},
            "versions": {"v1": {"weight": 60}, "v2": {"weight": 40}},
        },
        "stock": {
            "backends": ["orders"],
            "retryPolicy": {
                "maxRetries": 3,
                "perRetryTimeout": "500ms",
                "httpRetryEvents": ["server-error", "gateway-error", "client-error", "stream-error"],
                "tcpRetryEvents": ["connection-error"],
            },
            "versions": {"v1": {"weight": 100}, "v2": {"weight": 0}},
            "routes": [
                {
                    "name": "headers",
                    "priority": 1,
                    "match": {
                        "method": "PUT",
                        "headers": [
                            {"name": "x-e", "exact": "1"},
                            {"name": "x-p", "prefix": "a"},
                            {"name": "x-s", "suffix": "z"},
                            {"name": "x-r", "regex": "[a-f0-9]{8}"},
                            {"name": "x-n", "range": {"start": -5, "end": 5}},
                            {"name": "x-i", "exact": "no", "invert": True},
                        ],
                    },
                    "targets": {"v2": 100},
                },
                {"name": "exact", "match": {"path": {"exact": "/exact"}}, "targets": {"v1": 1, "v2": 1}},
                {
                    "name": "regex",
                    "priority": 2,
                    "match": {"path": {"regex": "/r/.*"}},
                    "targets": {"v1": 100},
                    "timeout": {"perRequest": "3s"},
                },
                {
                    "name": "rest",
                    "match": {"queryParameters": [{"name": "v", "exact": "2"}]},
                    "targets": {"v1": 100},
                },
            ],
        },
    },
}


def test_every_construct_passes_envoy_validation(tmp_path: Path, ca_file: str):
    """GIVEN a spec using every match, rewrite, policy, protocol and backend kind the renderer supports
    WHEN all its proxies are rendered and validated
    THEN Envoy accepts each one"""
    mesh = parse_mesh(EVERYTHING)
    ports = itertools.count(20000)
    configs = render_all(mesh, plan_mesh(mesh, lambda: next(ports)), ca_file=ca_file)
    failures = validate_all(configs, tmp_path)
    assert not failures, failures


def fargate_plan(mesh: Mesh) -> MeshPlan:
    """Addresses as in Fargate tasks: every sidecar listens on 0.0.0.0:15000 (ingress) and
    127.0.0.1:15001 (egress) in its own task, its app is on 127.0.0.1 at the service's port, and peers
    reach it by a Cloud Map name; the gateway listens on 0.0.0.0 at the spec's port."""
    sidecars = {
        (name, version): SidecarPlan(
            service=name,
            version=version,
            app=Endpoint("127.0.0.1", service.port),
            ingress=Endpoint("0.0.0.0", 15000),
            egress=Endpoint("127.0.0.1", 15001),
            admin=Endpoint("0.0.0.0", 9901),
            peer=Endpoint(f"{mesh.virtual_node_name(name, version)}.{mesh.namespace}", 15000),
        )
        for name, service in mesh.services.items()
        for version in service.versions
    }
    externals = {name: Endpoint(ext.host, ext.port) for name, ext in mesh.external.items()}
    return MeshPlan(Endpoint("0.0.0.0", mesh.gateway.port), Endpoint("0.0.0.0", 9901), sidecars, externals)


@pytest.mark.parametrize("stack_file", STACK_FILES, ids=lambda p: p.stem.removeprefix("Pulumi."))
def test_a_fargate_style_plan_passes_envoy_validation(stack_file: Path, tmp_path: Path, ca_file: str):
    """GIVEN a shipped stack and a plan where sidecars listen on 0.0.0.0:15000 and peers reach them as
    products-v1.shop.local:15000 (Cloud Map names)
    WHEN the gateway and every sidecar are rendered and validated
    THEN Envoy accepts each one: listeners bind IPs, only clusters dial the names"""
    mesh = load_stack_file(stack_file)
    configs = render_all(mesh, fargate_plan(mesh), ca_file=ca_file)
    assert len(configs) == 1 + sum(len(s.versions) for s in mesh.services.values())
    assert f"products-v1.{mesh.namespace}" in json.dumps(configs["gateway"])
    failures = validate_all(configs, tmp_path)
    assert not failures, failures


def test_an_invalid_config_is_rejected(tmp_path: Path):
    """GIVEN a rendered config with a route to a cluster that does not exist
    WHEN validated
    THEN Envoy rejects it (the check above can fail)"""
    mesh = load_stack_file(STACKS / "Pulumi.dev.yaml")
    ports = itertools.count(20000)
    config = render_gateway(mesh, plan_mesh(mesh, lambda: next(ports)))
    public = config["static_resources"]["listeners"][0]
    manager = public["filter_chains"][0]["filters"][0]["typed_config"]
    manager["route_config"]["virtual_hosts"][0]["routes"][0]["route"]["cluster"] = "no-such-cluster"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    result = validate(path)
    assert result.returncode != 0
    assert "no-such-cluster" in result.stdout + result.stderr
