"""The data planes a stack can choose (`dataplane:` in the spec): what carries its traffic on AWS."""

from __future__ import annotations

from dataclasses import dataclass

from fargate_mesh.spec.mesh import DataPlane


@dataclass(frozen=True)
class DataPlaneInfo:
    key: DataPlane
    title: str
    summary: str
    # The Pulumi program can deploy it today (else only checked, or run by localmesh).
    deployable: bool
    # Its Pulumi components configure mesh TLS (the spec's `tls`); until then a stack that asks for
    # TLS is refused rather than deployed in plaintext.
    builds_mesh_tls: bool = False
    # What `tracing` left unsaid means: X-Ray tracing from the proxy where the proxy can send traces.
    traces_by_default: bool = True
    # The gateway runs as tasks of its own behind the load balancer (else the load balancer's
    # listener rules forward to the services' own target groups).
    gateway_task: bool = True


INFO: dict[DataPlane, DataPlaneInfo] = {
    "appmesh": DataPlaneInfo(
        "appmesh",
        "AWS App Mesh",
        "App Mesh's control plane configures the Envoy sidecars (end of support 2026-09-30)",
        deployable=True,
        builds_mesh_tls=True,
    ),
    "envoy": DataPlaneInfo(
        "envoy",
        "self-managed Envoy",
        "Envoy sidecars run the bootstraps this product renders; what localmesh runs on this machine",
        deployable=True,
        builds_mesh_tls=True,
    ),
    "serviceConnect": DataPlaneInfo(
        "serviceConnect",
        "Amazon ECS Service Connect",
        "ECS injects and configures its own proxy; the load balancer routes north-south",
        deployable=True,
        # The Service Connect proxy sends no traces (model/capabilities.py refuses `tracing: true`).
        traces_by_default=False,
        gateway_task=False,
    ),
}
