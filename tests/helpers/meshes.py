"""Meshes the tests share: the shipped stacks, a spec using every construct, compiled and planned."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import yaml

from fargate_mesh.model import CompiledMesh, compile_mesh
from fargate_mesh.render.envoy.plan import Endpoint, MeshPlan, loopback_plan
from fargate_mesh.spec import Mesh, load_stack_file, parse_mesh

ROOT = Path(__file__).resolve().parents[2]
STACKS = ROOT / "stacks"
APPS = ROOT / "apps"
SHIPPED = ("dev", "prod")
# The identity of the small meshes renderer tests build: a mesh `shop` in namespace shop.local.
SHOP: dict[str, str] = {
    "name": "shop",
    "namespace": "shop.local",
    "domain": "api.shop.com",
    "hostedZone": "shop.com",
}


def stack_file(stack: str) -> Path:
    return STACKS / f"Pulumi.{stack}.yaml"


def stack_mesh(stack: str) -> Mesh:
    return load_stack_file(stack_file(stack))


def stack_data(stack: str, **tls: Any) -> dict[str, Any]:
    """A shipped stack's mesh as the stack file writes it; with `tls` keys, its mesh tls replaced."""
    config = yaml.safe_load(stack_file(stack).read_text())["config"]
    data = next(value for key, value in config.items() if key.endswith(":mesh"))
    if tls:
        data["tls"] = tls
    return data


# The dev stack with STRICT mutual TLS everywhere but prices, which is PERMISSIVE (still mutual for
# TLS callers); the load balancer → gateway hop encrypted.
TLS_DEV: dict[str, Any] = stack_data("dev", mode="STRICT", mutual=True)
TLS_DEV["services"]["prices"]["tls"] = {"mode": "PERMISSIVE"}


def prebuilt(stack: str) -> Mesh:
    """A shipped stack's mesh with every image given (private ECR; products v2 from public ECR), so
    nothing is built."""
    mesh = stack_mesh(stack).model_dump(by_alias=True, exclude_none=True)
    for name, service in mesh["services"].items():
        service["image"] = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/{name}:1.0"
        service["app"] = "no-such-app"
    mesh["services"]["products"]["versions"]["v2"]["image"] = "public.ecr.aws/acme/products:2.0"
    return parse_mesh(mesh)


def compiled(spec: Mesh | dict[str, Any]) -> CompiledMesh:
    """A spec (a Mesh, or a mapping as the stack file writes it) compiled; parse errors fail loudly."""
    return compile_mesh(spec if isinstance(spec, Mesh) else parse_mesh(spec))


def fixed_plan(
    mesh: CompiledMesh,
    host: str = "127.0.0.1",
    external: dict[str, Endpoint] | None = None,
    certificates: str | None = None,
) -> MeshPlan:
    """A loopback plan with ports counted from 20000: the same addresses on every run."""
    ports = itertools.count(20000)
    return loopback_plan(mesh, lambda: next(ports), host=host, external=external, certificates=certificates)


# Every construct the renderers can emit, so Envoy checks each (regexes compile in RE2, rewrites, TLS, ...).
EVERYTHING: dict[str, Any] = {
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
