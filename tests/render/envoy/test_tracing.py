"""X-Ray tracing from Envoy: with the mesh's tracing on, each proxy's public connection managers
report to the X-Ray daemon in its task, named as App Mesh names its proxies' segments."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from fargate_mesh.facts import XRAY_DAEMON_PORT
from fargate_mesh.render.envoy import render_all
from fargate_mesh.render.envoy.plan import fargate_plan, loopback_plan
from tests.helpers.envoy import hcm, listeners
from tests.helpers.meshes import compiled, stack_data

# Rendering never opens the trust store external TLS backends are validated with.
CA = "/etc/test/ca.pem"


def tracing_of(config: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    """Listener name → its connection manager's tracing block (None when it does not trace)."""
    return {
        name: hcm(listener).get("tracing")
        for name, listener in listeners(config).items()
        if "internal_listener" not in listener
    }


def test_every_proxy_reports_to_its_tasks_daemon_under_its_own_segment_name():
    """GIVEN the dev mesh (tracing: true by default)
    WHEN every proxy is rendered with the Fargate plan
    THEN every listener of every proxy (sidecar ingress and egress, the gateway's public listener)
    sends X-Ray segments over UDP to 127.0.0.1:2000, named <mesh>/<node> or <mesh>/<gateway>."""
    mesh = compiled(stack_data("dev"))
    assert mesh.tracing
    configs = render_all(mesh, fargate_plan(mesh), ca_file=CA)
    expected_names = {
        "gateway": f"{mesh.name}/{mesh.gateway.name}",
        **{v.node: f"{mesh.name}/{v.node}" for s in mesh.services.values() for v in s.versions.values()},
    }
    assert set(configs) == set(expected_names)
    for proxy, config in configs.items():
        blocks = tracing_of(config)
        assert blocks and all(blocks.values()), (proxy, blocks)
        for block in blocks.values():
            assert block is not None
            provider = block["provider"]
            assert provider["name"] == "envoy.tracers.xray"
            xray = provider["typed_config"]
            assert xray["daemon_endpoint"] == {
                "protocol": "UDP",
                "address": "127.0.0.1",
                "port_value": XRAY_DAEMON_PORT,
            }
            assert xray["segment_name"] == expected_names[proxy]


def test_no_proxy_traces_when_the_mesh_does_not():
    """GIVEN the dev mesh with tracing: false
    WHEN every proxy is rendered with the Fargate plan
    THEN no connection manager has a tracing block and the plan has no tracer."""
    mesh = compiled({**stack_data("dev"), "tracing": False})
    plan = fargate_plan(mesh)
    assert plan.tracer is None
    for proxy, config in render_all(mesh, plan, ca_file=CA).items():
        assert not any(tracing_of(config).values()), proxy


def test_the_tracer_is_the_plans_only_place_for_a_daemon():
    """GIVEN the dev mesh and a loopback plan (the renderer's tests: no daemon) and the same plan
    given a tracer
    WHEN rendered
    THEN the first traces nothing, the second sends to exactly the tracer given."""
    mesh = compiled(stack_data("dev"))
    ports = itertools.count(20_000)
    plan = loopback_plan(mesh, lambda: next(ports))
    assert not any(tracing_of(render_all(mesh, plan, ca_file=CA)["gateway"]).values())
    traced = dataclasses.replace(plan, tracer=dataclasses.replace(plan.gateway, port=24_000))
    blocks = tracing_of(render_all(mesh, traced, ca_file=CA)["gateway"])
    endpoints = {b["provider"]["typed_config"]["daemon_endpoint"]["port_value"] for b in blocks.values() if b}
    assert endpoints == {24_000}
