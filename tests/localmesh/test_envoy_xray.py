"""Real Envoy sends X-Ray segments: the gateway, rendered with a tracer, reports a request as a
segment to a UDP socket standing in for the X-Ray daemon, in the daemon's wire format (a JSON
header line, then the segment)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from fargate_mesh.localmesh.loopback import random_block
from fargate_mesh.render.envoy import render_gateway
from fargate_mesh.render.envoy.plan import Endpoint, loopback_plan
from tests.helpers.meshes import compiled, stack_data
from tests.localmesh.envoy_harness import running, wait_live

pytestmark = pytest.mark.e2e


def received_segments(daemon: socket.socket, within: float) -> list[dict[str, Any]]:
    """Every segment the daemon socket receives until `within` seconds pass without one."""
    daemon.settimeout(within)
    segments = []
    try:
        while True:
            datagram = daemon.recv(65_536).decode("utf-8")
            header, _, body = datagram.partition("\n")
            assert json.loads(header) == {"format": "json", "version": 1}
            segments.append(json.loads(body))
    except TimeoutError:
        return segments


def test_the_gateway_reports_each_request_to_the_xray_daemon(envoy_path: str, tmp_path: Path):
    """GIVEN the dev mesh's gateway rendered with a tracer at a UDP socket (the X-Ray daemon's place)
    WHEN a request reaches it (its upstream is down, so it answers 503)
    THEN the socket gets one segment named <mesh>/<gateway>, origin AWS::ECS::Container, with the
    request's method, path and status, and a trace id in X-Ray's form."""
    mesh = compiled(stack_data("dev"))
    block = random_block()
    ports = itertools.count(20_000)
    plan = loopback_plan(mesh, lambda: next(ports), host=block.host(1))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as daemon:
        daemon.bind((block.host(2), 2000))
        traced = dataclasses.replace(plan, tracer=Endpoint(block.host(2), 2000))
        config = tmp_path / "gateway.json"
        config.write_text(json.dumps(render_gateway(mesh, traced)), encoding="utf-8")
        argv = [envoy_path, "-c", str(config), "--disable-hot-restart", "--concurrency", "1"]
        with running("gateway", argv, tmp_path) as envoy:
            wait_live(plan.gateway_admin, envoy)
            answer = httpx.get(f"http://{plan.gateway}/v1/products", trust_env=False, timeout=10)
            segments = received_segments(daemon, within=3)
    assert answer.status_code == 503
    assert len(segments) == 1, segments
    segment = segments[0]
    assert segment["name"] == f"{mesh.name}/{mesh.gateway.name}"
    assert segment["origin"] == "AWS::ECS::Container"
    assert segment["trace_id"].startswith("1-")
    http = segment["http"]
    assert http["request"]["method"] == "GET"
    assert http["request"]["url"].endswith("/v1/products")
    assert http["response"]["status"] == 503
