"""What one mesh feature costs: the dev stack with and without it, side by side in the same run.

    python bench/variant_latency.py mtls     [--rounds 10] [--requests 200]
    python bench/variant_latency.py tracing  [--rounds 10] [--requests 200]

Starts the dev stack twice on this machine, the baseline and the variant:
- mtls: as shipped (every hop plaintext) against STRICT mutual TLS inside the mesh. The load
  balancer → gateway hop stays plaintext in both (gateway.tls DISABLED), so the client's side is
  identical and only the mesh's hops differ: three TLS hops per request.
- tracing: `tracing: false` against `tracing: true`, where every Envoy reports X-Ray segments (the
  tracer's default sampling: the first request each second, then 5 %) to 127.0.0.1:2000/udp, where a
  socket stands in for the X-Ray daemon and drains them.
Each request, `GET /v1/products/p-001`, crosses gateway → products sidecar → products app → products
sidecar egress → prices sidecar → prices app and back.

Rounds alternate (baseline, variant, baseline, ...), each `--requests` requests one after another on
one keep-alive connection, so drift in the machine's load falls on both alike. Envoy keeps its
upstream connections open, as it does in a task, so handshakes are amortised as they are in
production; the first round of each is a warm-up and is not counted. Prints p50 and p90 of each, and
the variant over the baseline as a ratio. Asserts nothing. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import math
import os
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from localmesh_latency import Connection  # noqa: E402

from fargate_mesh import spec as meshspec  # noqa: E402
from fargate_mesh.facts import XRAY_DAEMON_PORT  # noqa: E402
from fargate_mesh.localmesh.ports import PortAllocator  # noqa: E402
from fargate_mesh.localmesh.runner import LocalMesh  # noqa: E402

PATH = "/v1/products/p-001"


def with_mutual_tls(spec: dict[str, Any]) -> dict[str, Any]:
    spec["tls"] = {"mode": "STRICT", "mutual": True}
    spec["gateway"]["tls"] = {"mode": "DISABLED"}
    return spec


def with_tracing(on: bool) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def edit(spec: dict[str, Any]) -> dict[str, Any]:
        spec["tracing"] = on
        return spec

    return edit


def unchanged(spec: dict[str, Any]) -> dict[str, Any]:
    return spec


# comparison → ((baseline name, its edit of the dev spec), (variant name, its edit))
COMPARISONS: dict[str, tuple[tuple[str, Callable[..., dict[str, Any]]], ...]] = {
    "mtls": (("plaintext", unchanged), ("mutual TLS", with_mutual_tls)),
    "tracing": (("no tracing", with_tracing(False)), ("X-Ray tracing", with_tracing(True))),
}


def meshes(comparison: str) -> dict[str, meshspec.Mesh]:
    shipped = meshspec.load_stack_file(ROOT / "stacks" / "Pulumi.dev.yaml")
    plain = shipped.model_dump(by_alias=True, exclude_unset=True)
    return {name: meshspec.parse_mesh(edit(copy.deepcopy(plain))) for name, edit in COMPARISONS[comparison]}


@contextlib.contextmanager
def xray_daemon_stand_in() -> Iterator[list[int]]:
    """A UDP socket on the X-Ray daemon's address that takes and counts segments, as the daemon
    beside each task would (yields a one-item list: datagrams received so far)."""
    received = [0]
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", XRAY_DAEMON_PORT))
    sink.settimeout(0.2)
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                sink.recv(65_536)
                received[0] += 1

    worker = threading.Thread(target=drain, daemon=True)
    worker.start()
    try:
        yield received
    finally:
        stop.set()
        worker.join()
        sink.close()


def pct(data: list[float], q: float) -> float:
    ordered = sorted(data)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]  # nearest rank


async def one_round(at: tuple[str, int], requests: int) -> list[float]:
    loop = asyncio.get_running_loop()
    conn = Connection(*at, PATH)
    latencies = []
    try:
        for _ in range(requests):
            sent = loop.time()
            status = await asyncio.wait_for(conn.get(), timeout=5)
            if status != 200:
                raise RuntimeError(f"{PATH} answered {status}")
            latencies.append((loop.time() - sent) * 1000)
    finally:
        conn.close()
    return latencies


async def measure(gateways: dict[str, tuple[str, int]], rounds: int, requests: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in gateways}
    for index in range(rounds + 1):
        for name, at in gateways.items():  # alternating, the same order every round
            latencies = await one_round(at, requests)
            if index > 0:  # round 0 warms both up
                samples[name] += latencies
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("comparison", choices=sorted(COMPARISONS))
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f} before start")
    with tempfile.TemporaryDirectory(prefix="variant-bench-") as root, xray_daemon_stand_in() as segments:
        running = {
            name: LocalMesh(
                mesh,
                gateway_port=PortAllocator()(),
                run_dir=Path(root) / name.replace(" ", "-"),
                apps_dir=ROOT / "apps",
                ready_timeout=40,
            )
            for name, mesh in meshes(args.comparison).items()
        }
        try:
            for mesh in running.values():
                mesh.start()
            gateways = {name: (m.plan.gateway.host, m.plan.gateway.port) for name, m in running.items()}
            samples = asyncio.run(measure(gateways, args.rounds, args.requests))
        finally:
            for mesh in running.values():
                mesh.stop()
    print(
        f"GET {PATH}: {args.rounds} alternating rounds of {args.requests} requests each, after a warm-up round"
    )
    (baseline_name, _), (variant_name, _) = COMPARISONS[args.comparison]
    baseline = samples[baseline_name]
    for name, data in samples.items():
        p50, p90 = pct(data, 50), pct(data, 90)
        ratio = (
            f"   {p50 / pct(baseline, 50):.2f}x p50, {p90 / pct(baseline, 90):.2f}x p90"
            if data is not baseline
            else ""
        )
        print(f"  {name:<14} n={len(data):<5} p50 {p50:6.2f} ms   p90 {p90:6.2f} ms{ratio}")
    variant = samples[variant_name]
    print(
        f"  {variant_name} adds {pct(variant, 50) - pct(baseline, 50):+.2f} ms at p50, "
        f"{pct(variant, 90) - pct(baseline, 90):+.2f} ms at p90"
    )
    print(f"  X-Ray segments received on 127.0.0.1:{XRAY_DAEMON_PORT}: {segments[0]}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
