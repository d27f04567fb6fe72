"""The Envoys of a compiled mesh's tasks on the `envoy` data plane: each task's bootstrap rendered for
the Fargate address plan, and how it reaches its container.

EnvoyDataPlane builds them for a whole mesh. A program adding one service, or the gateway, to an
envoy mesh another stack made builds the same ones from a spec holding what that task routes to,
compiled for envoy (`fargate_mesh.model.compile_checked(mesh, "envoy")`): `envoy_sidecars` gives
EnvoyMeshServiceArgs.proxies, `envoy_gateway_proxy` gives EnvoyGatewayArgs.proxy. Those two deliver
inline only and run without mesh TLS: the S3 store and the mesh's certificate authority are the
platform's, made once per mesh.
"""

from __future__ import annotations

from typing import Any

from fargate_mesh.components.args import raise_problems
from fargate_mesh.components.envoy.proxy import EnvoyImages, EnvoyProxy
from fargate_mesh.facts import DEFAULT_ENVOY_IMAGE
from fargate_mesh.model import CompiledMesh
from fargate_mesh.render.envoy import GATEWAY as GATEWAY_BOOTSTRAP
from fargate_mesh.render.envoy import render_all
from fargate_mesh.render.envoy.delivery import RESERVED_BYTES, Delivery, choose_delivery
from fargate_mesh.render.envoy.lifecycle import Lifecycle
from fargate_mesh.render.envoy.plan import MeshPlan, fargate_plan
from fargate_mesh.spec import Problem

# The CA bundle of the upstream Envoy image (Ubuntu's ca-certificates), for external TLS backends.
ENVOY_IMAGE_CA_FILE = "/etc/ssl/certs/ca-certificates.crt"
OWNER = "envoy proxies"


def fargate_bootstraps(compiled: CompiledMesh, plan: MeshPlan | None = None) -> dict[str, dict[str, Any]]:
    """Every task's bootstrap, keyed "gateway" and "<service>-<version>": what the tasks run (plan:
    fargate_plan(compiled), when the caller has it already)."""
    return render_all(compiled, plan or fargate_plan(compiled), ca_file=ENVOY_IMAGE_CA_FILE)


def envoy_images(compiled: CompiledMesh, envoy_image: str | None = None) -> EnvoyImages:
    """The envoy data plane's images: `envoy_image`, else the spec's envoyImage unless it is the
    spec's default (App Mesh's image, whose entrypoint runs App Mesh's agent), else the pinned
    upstream release the bootstraps are validated with."""
    image = envoy_image or (compiled.envoy_image if compiled.envoy_image != DEFAULT_ENVOY_IMAGE else None)
    return EnvoyImages(envoy=image) if image else EnvoyImages()


def sidecar_bootstraps(
    compiled: CompiledMesh, plan: MeshPlan, service: str
) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Version → (its bootstrap's key, the sidecar's ingress ports in front of the app's extraPorts)."""
    return {
        version.name: (
            version.node,
            tuple(p.ingress.port for p in plan.sidecars[service, version.name].extra),
        )
        for version in compiled.services[service].versions.values()
    }


def envoy_sidecars(
    mesh: CompiledMesh,
    service: str,
    images: EnvoyImages | None = None,
    lifecycle: Lifecycle | None = None,
    reserved_bytes: int = RESERVED_BYTES,
) -> dict[str, EnvoyProxy]:
    """Version → the sidecar EnvoyMeshServiceArgs.proxies takes for `service` of `mesh` (compiled for
    envoy), its bootstrap inline in the task definition.

    Args:
        mesh: The compiled mesh: the service and everything it calls. Required.
        service: The service's name in it. Required.
        images: Envoy's image. Default: envoy_images(mesh), the spec's envoyImage when it names
            one, else the pinned upstream release.
        lifecycle: How Envoy starts, drains and is health checked. Default Lifecycle().
        reserved_bytes: What each task definition keeps for all but the bootstrap. Default 16 KiB.

    Raises SpecError, with every problem, for a service the mesh does not have, a mesh with TLS, or
    a bootstrap too big for its task definition (the platform's S3 delivery is then needed).
    """
    if service not in mesh.services:
        raise_problems(
            OWNER,
            [
                Problem(
                    "service",
                    f"{service!r} is not in the mesh's services; it has: {', '.join(mesh.services)}",
                )
            ],
        )
    plan = fargate_plan(mesh)
    bootstraps = fargate_bootstraps(mesh, plan)
    keys = sidecar_bootstraps(mesh, plan, service)
    deliveries = {v: choose_delivery(bootstraps[key], reserved_bytes) for v, (key, _) in keys.items()}
    _refuse(mesh, deliveries)
    return {
        v: EnvoyProxy(
            deliveries[v], images or envoy_images(mesh), lifecycle or Lifecycle(), extra_ingress_ports=ports
        )
        for v, (_, ports) in keys.items()
    }


def envoy_gateway_proxy(
    mesh: CompiledMesh,
    images: EnvoyImages | None = None,
    lifecycle: Lifecycle | None = None,
    reserved_bytes: int = RESERVED_BYTES,
) -> EnvoyProxy:
    """The gateway's Envoy EnvoyGatewayArgs.proxy takes, its bootstrap (every gateway route, then
    each routed service's router, to the versions by their Cloud Map names) rendered from `mesh`
    (compiled for envoy), inline. Args and refusals as envoy_sidecars'."""
    delivery = choose_delivery(fargate_bootstraps(mesh)[GATEWAY_BOOTSTRAP], reserved_bytes)
    _refuse(mesh, {GATEWAY_BOOTSTRAP: delivery})
    return EnvoyProxy(
        delivery, images or envoy_images(mesh), lifecycle or Lifecycle(), gateway_port=mesh.gateway.port
    )


def _refuse(mesh: CompiledMesh, deliveries: dict[str, Delivery]) -> None:
    problems = [
        Problem(
            f"bootstrap.{task}",
            f"{d.escaped_bytes} bytes, more than the {d.limit_bytes} that fit in its task definition: "
            "MeshPlatform stores such bootstraps in S3",
        )
        for task, d in deliveries.items()
        if d.mode != "inline"
    ]
    if mesh.tls.enabled:
        problems.append(
            Problem(
                "tls",
                "mesh TLS needs the mesh's certificate authority, which MeshPlatform makes once for the "
                "whole mesh; alone, this task would run in plaintext. Use MeshPlatform, or tls.mode: DISABLED",
            )
        )
    raise_problems(OWNER, problems)
