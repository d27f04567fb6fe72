"""The whole platform from a spec written as a Python dict (no stack file, no YAML)."""

from __future__ import annotations

from typing import Any

from fargate_mesh.components import MeshPlatform, MeshPlatformArgs
from fargate_mesh.spec import parse_mesh

SPEC: dict[str, Any] = {
    "name": "shop",
    "namespace": "shop.local",
    "domain": "api.myshop.com",
    "hostedZone": "myshop.com",
    "gateway": {
        "healthCheckPath": "/v1/orders",
        "routes": [{"match": {"prefix": "/v1/orders"}, "service": "orders"}],
    },
    "services": {
        "orders": {
            "image": "public.ecr.aws/nginx/nginx:1.27",
            "healthCheck": {"path": "/"},
            "versions": {"v1": {"weight": 100}},
        },
    },
}


def shop_platform(spec: dict[str, Any]) -> MeshPlatform:
    mesh = parse_mesh(spec, source="consumer spec")
    return MeshPlatform(mesh.name, MeshPlatformArgs(mesh=mesh))
