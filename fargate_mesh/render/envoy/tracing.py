"""X-Ray tracing from Envoy: each traced connection manager reports a segment per request to the
X-Ray daemon in its task (UDP), propagating `x-amzn-trace-id` so the app's own segments join the
same trace. Sampling is the X-Ray tracer's default rule (the first request each second, then 5 %).
"""

from __future__ import annotations

from typing import Any

from fargate_mesh import naming
from fargate_mesh.render.envoy.plan import Endpoint, MeshPlan

# What X-Ray shows as the segment's origin: a proxy in an ECS task.
ECS_CONTAINER_ORIGIN = "AWS::ECS::Container"


def xray_tracing(daemon: Endpoint, segment_name: str) -> dict[str, Any]:
    """A connection manager's `tracing` block that sends segments named `segment_name` to `daemon`."""
    return {
        "provider": {
            "name": "envoy.tracers.xray",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.config.trace.v3.XRayConfig",
                "daemon_endpoint": {
                    "protocol": "UDP",
                    "address": daemon.host,
                    "port_value": daemon.port,
                },
                "segment_name": segment_name,
                "segment_fields": {"origin": ECS_CONTAINER_ORIGIN},
            },
        }
    }


def proxy_tracing(mesh: str, plan: MeshPlan, proxy: str) -> dict[str, Any] | None:
    """The tracing block of proxy `proxy` (a node, or the gateway) of mesh `mesh`; None when the
    plan has no tracer (tracing off)."""
    if plan.tracer is None:
        return None
    return xray_tracing(plan.tracer, naming.xray_segment(mesh, proxy))
