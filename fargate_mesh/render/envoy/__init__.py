"""The Envoy renderer: a pure function from a compiled mesh and an address plan to Envoy v3 bootstraps.

Plain dicts, JSON-serialisable, static resources only (no xDS). The compiled mesh (fargate_mesh.model)
carries every decision (route order, policies, listener timeouts, callees); this package translates
them into Envoy's shapes, following App Mesh's Envoy where it shows one (listener and cluster names,
retry conditions, circuit breaker thresholds). Only the plan's addresses are used (listen addresses
for listeners, peer addresses for what is dialled), so the same renderer serves proxies on one
machine (plan.loopback_plan) or in Fargate tasks (plan.fargate_plan, which localmesh also runs).

    render_gateway(compiled, plan)                 the ingress gateway (gateway and router routes, gateway.py)
    render_sidecar(compiled, plan, service, ver)   one version's sidecar (ingress + egress, sidecar.py)
    render_all(compiled, plan)                     {"gateway": ..., "<service>-<version>": ...}
"""

from __future__ import annotations

import os
from typing import Any

from fargate_mesh.model import CompiledMesh
from fargate_mesh.render.envoy.gateway import render_gateway
from fargate_mesh.render.envoy.plan import MeshPlan
from fargate_mesh.render.envoy.sidecar import render_sidecar

# render_all's key for the gateway's config (the others are virtual node names).
GATEWAY = "gateway"


def render_all(
    mesh: CompiledMesh, plan: MeshPlan, access_log_dir: str | None = None, ca_file: str | None = None
) -> dict[str, dict[str, Any]]:
    """Every proxy of the mesh, keyed "gateway" and "<service>-<version>" (the virtual node name).

    access_log_dir: write each proxy's access log to `<dir>/<key>.access.log` instead of stdout.
    ca_file: the CA bundle external TLS backends are validated with, a path where Envoy runs; required
    when a service calls one (a ValueError says so).
    """

    def log(key: str) -> str:
        return "/dev/stdout" if access_log_dir is None else os.path.join(access_log_dir, f"{key}.access.log")

    configs = {GATEWAY: render_gateway(mesh, plan, log(GATEWAY))}
    for service in mesh.services.values():
        for version in service.versions.values():
            configs[version.node] = render_sidecar(
                mesh, plan, service.name, version.name, log(version.node), ca_file
            )
    return configs


__all__ = ["GATEWAY", "render_all", "render_gateway", "render_sidecar"]
