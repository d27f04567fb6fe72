"""What mutual TLS costs inside the mesh: the same chain, plaintext and mutual TLS, in the same run.

    python bench/mtls_latency.py [--rounds 10] [--requests 200]

Starts the dev stack twice on this machine: as shipped (every hop plaintext) and with STRICT mutual
TLS inside the mesh. The load balancer → gateway hop stays plaintext in both (gateway.tls DISABLED),
so the client's side is identical and only the mesh's hops differ. Each request,
`GET /v1/products/p-001`, crosses gateway → products sidecar → products app → products sidecar
egress → prices sidecar → prices app and back: three TLS hops in the mutual mesh.

Rounds alternate (plaintext, mutual, plaintext, ...), each `--requests` requests one after another on
one keep-alive connection, so drift in the machine's load falls on both alike. Envoy keeps its
upstream connections open, as it does in a task, so handshakes are amortised as they are in
production; the first round of each is a warm-up and is not counted. Prints p50 and p90 of each, and
mutual TLS over plaintext as a ratio. Asserts nothing. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import math
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from localmesh_latency import Connection  # noqa: E402

from fargate_mesh import spec as meshspec  # noqa: E402
from fargate_mesh.localmesh.ports import PortAllocator  # noqa: E402
from fargate_mesh.localmesh.runner import LocalMesh  # noqa: E402

PATH = "/v1/products/p-001"


def meshes() -> dict[str, meshspec.Mesh]:
    shipped = meshspec.load_stack_file(ROOT / "stacks" / "Pulumi.dev.yaml")
    plain = shipped.model_dump(by_alias=True, exclude_unset=True)
    mutual = copy.deepcopy(plain)
    mutual["tls"] = {"mode": "STRICT", "mutual": True}
    mutual["gateway"]["tls"] = {"mode": "DISABLED"}
    return {"plaintext": meshspec.parse_mesh(plain), "mutual TLS": meshspec.parse_mesh(mutual)}


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
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f} before start")
    with tempfile.TemporaryDirectory(prefix="mtls-bench-") as root:
        running = {
            name: LocalMesh(
                mesh,
                gateway_port=PortAllocator()(),
                run_dir=Path(root) / name.replace(" ", "-"),
                apps_dir=ROOT / "apps",
                ready_timeout=40,
            )
            for name, mesh in meshes().items()
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
    plain = samples["plaintext"]
    for name, data in samples.items():
        p50, p90 = pct(data, 50), pct(data, 90)
        ratio = (
            f"   {p50 / pct(plain, 50):.2f}x p50, {p90 / pct(plain, 90):.2f}x p90"
            if data is not plain
            else ""
        )
        print(f"  {name:<11} n={len(data):<5} p50 {p50:6.2f} ms   p90 {p90:6.2f} ms{ratio}")
    print(
        f"  mutual TLS adds {pct(samples['mutual TLS'], 50) - pct(plain, 50):+.2f} ms at p50, "
        f"{pct(samples['mutual TLS'], 90) - pct(plain, 90):+.2f} ms at p90 over three hops"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
