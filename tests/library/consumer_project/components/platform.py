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


def shop_platform(spec: dict[str, Any], name: str | None = None) -> MeshPlatform:
    """The platform, named after the mesh unless a name is given (two platforms need two)."""
    mesh = parse_mesh(spec, source="consumer spec")
    return MeshPlatform(name or mesh.name, MeshPlatformArgs(mesh=mesh))
