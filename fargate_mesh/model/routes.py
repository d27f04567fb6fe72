"""A service's router routes: as written, or one catch-all over its versions' weights.

A service without `routes` gets one route named "default" that matches every request and splits it
by the versions' `weight`s; versions of weight 0 are left out of it. A target of weight 0 in a written
route gets no traffic: data planes that take weights as written (App Mesh) keep it, the others prune
it (CompiledRoute.targets).
"""

from __future__ import annotations

from fargate_mesh import naming
from fargate_mesh.spec import Route, Service


def router_routes(service: Service) -> list[Route]:
    """The routes as written, or the default catch-all; in spec order (model/ordering.py orders them)."""
    if service.routes is not None:
        return list(service.routes)
    return [
        Route(
            name=naming.DEFAULT_ROUTE_NAME,
            targets={name: v.weight for name, v in service.versions.items() if v.weight > 0},
        )
    ]


def route_path(service_path: str, service: Service, index: int) -> str:
    """Where a route is written: its place in `routes`, or the versions' weights for the default one."""
    return f"{service_path}.routes[{index}]" if service.routes is not None else f"{service_path}.versions"
