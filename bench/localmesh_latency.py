"""What the local mesh costs: latency, throughput, memory and startup of the dev stack on this machine.

    python bench/localmesh_latency.py [--rates 500,1000,2000] [--rate-seconds 4] [--rounds 2]
                                      [--saturation-seconds 4]
                                      [--connections 8] [--loadgen auto|wrk|python] [--apps-seconds 4]

Starts the dev stack with LocalMesh (the Fargate plan: each task on its own loopback address), and
two minimal Envoys (bench/minimal_envoys.py: listener, router, one static cluster) in front of the same
Prices app, then measures `GET /v1/prices` on four paths: straight at the app, through the prices
sidecar alone, through the gateway and the sidecar (the rendered chain, as on Fargate behind the ALB)
and through the minimal chain (the floor for two Envoy hops on this machine):
  (a) at saturation (closed loop: N connections, each sending its next request as soon as the last
      one answers) with wrk when it is installed, else with the Python client below;
  (b) at each fixed rate (open loop: requests are sent on schedule whether or not earlier ones have
      answered, so a slow server cannot slow the load down and hide its own latency); a rate above
      60 % of the slowest path's saturation is measured anyway, with a note that it measures queueing.
Prints, side by side, p50/p90/p99 per rate with the deltas over the app and the rendered chain's
latency as a ratio of the floor's; saturation throughput shares of the bare app for both chains;
CPU per request, Envoy memory and startup; then runs bench/apps_rps.py for Products detail
throughput as a share of Prices'. Ratios are against baselines of the same run; asserts nothing.

Only loopback addresses are ever contacted. The load generator runs on the same machine as the
servers, so on a small box it competes with them for CPU: the figures are for comparing, not capacity
planning.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fargate_mesh import spec as meshspec  # noqa: E402
from fargate_mesh.localmesh.ports import PortAllocator  # noqa: E402
from fargate_mesh.localmesh.runner import LocalMesh  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import apps_rps  # noqa: E402
from minimal_envoys import minimal_chain  # noqa: E402

PATH = "/v1/prices"
WARMUP_REQUESTS = 300

# The targets this product holds itself to.
TARGET_FLOOR_RATIO = 1.25  # the rendered chain's latency over the minimal chain's, at every rate
TARGET_THROUGHPUT_SHARE = 0.70
TARGET_ENVOY_RSS_MB = 40.0
TARGET_READY_S = 5.0


@dataclass
class Result:
    label: str
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    # From wrk, which reports percentiles itself rather than every sample.
    reported: dict[str, float] | None = None
    reported_rps: float | None = None

    @property
    def rps(self) -> float:
        return self.reported_rps if self.reported_rps is not None else len(self.latencies_ms) / self.seconds

    def merge(self, other: Result) -> None:
        """Add a later slice of the same open-loop run (samples only, not wrk's percentiles)."""
        self.seconds += other.seconds
        self.latencies_ms += other.latencies_ms
        self.errors += other.errors

    def pct(self, q: float) -> float:
        if self.reported is not None:
            return self.reported[f"p{q:g}"]
        data = sorted(self.latencies_ms)
        if not data:
            return float("nan")
        return data[max(0, math.ceil(q / 100 * len(data)) - 1)]  # nearest rank


# -- a tiny HTTP/1.1 keep-alive client: far cheaper per request than httpx, so it loads the servers,
# -- not the CPU they share with it.
class Connection:
    def __init__(self, host: str, port: int, path: str) -> None:
        self.host, self.port = host, port
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: localmesh-bench\r\n\r\n".encode()
        )
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        match = re.search(rb"\r\ncontent-length:\s*(\d+)", head, re.IGNORECASE)
        if match is None:
            raise RuntimeError("response without content-length; this client reads only those")
        await self.reader.readexactly(int(match.group(1)))
        if re.search(rb"\r\nconnection:\s*close", head, re.IGNORECASE):
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def open_loop(label: str, url: tuple[str, int], rate: float, seconds: float, max_conns: int) -> Result:
    """Send rate requests/s on schedule; latency runs from the scheduled send time (no coordinated omission)."""
    loop = asyncio.get_running_loop()
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    conns = [Connection(*url, PATH) for _ in range(max_conns)]
    for conn in conns:
        idle.put_nowait(conn)
    result = Result(label, seconds)
    total = int(rate * seconds)
    start = loop.time() + 0.05

    async def one(intended: float) -> None:
        conn = await idle.get()
        try:
            status = await asyncio.wait_for(conn.get(), timeout=5)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, RuntimeError):
            conn.close()
            result.errors += 1
        else:
            if status == 200:
                result.latencies_ms.append((loop.time() - intended) * 1000)
            else:
                result.errors += 1
        finally:
            idle.put_nowait(conn)

    tasks = []
    for i in range(total):
        intended = start + i / rate
        delay = intended - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(intended)))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=seconds + 30)
    result.seconds = loop.time() - start
    for conn in conns:
        conn.close()
    return result


async def closed_loop(label: str, url: tuple[str, int], connections: int, seconds: float) -> Result:
    loop = asyncio.get_running_loop()
    result = Result(label, seconds)
    end = loop.time() + seconds

    async def worker() -> None:
        conn = Connection(*url, PATH)
        while loop.time() < end:
            sent = loop.time()
            try:
                status = await asyncio.wait_for(conn.get(), timeout=5)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, RuntimeError):
                conn.close()
                result.errors += 1
                continue
            if status == 200:
                result.latencies_ms.append((loop.time() - sent) * 1000)
            else:
                result.errors += 1
        conn.close()

    started = loop.time()
    await asyncio.gather(*(worker() for _ in range(connections)))
    result.seconds = loop.time() - started
    return result


def wrk(label: str, url: tuple[str, int], connections: int, seconds: float) -> Result:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", f"http://{url[0]}:{url[1]}{PATH}"],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    reported = {
        f"p{q}": float(v) * scale[unit]
        for q, v, unit in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    }
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result = Result(label, seconds, reported=reported, reported_rps=rps)
    result.errors = int(non_2xx.group(1)) if non_2xx else 0
    result.errors += sum(map(int, errors.groups())) if errors else 0
    return result


@dataclass
class Memory:
    rss: float  # VmRSS: everything resident, including the mapped Envoy binary
    peak: float  # VmHWM: the highest VmRSS so far
    anon: float  # RssAnon: what this Envoy allocated itself (the binary's pages are file-backed)
    pss: float  # Pss: RSS with pages shared between the Envoys divided among them


def memory_mb(pid: int) -> Memory:
    def read(path: str, keys: tuple[str, ...]) -> dict[str, float]:
        found = {}
        for line in Path(path).read_text().splitlines():
            key, _, value = line.partition(":")
            if key in keys:
                found[key] = int(value.split()[0]) / 1024
        return found

    status = read(f"/proc/{pid}/status", ("VmRSS", "VmHWM", "RssAnon"))
    rollup = read(f"/proc/{pid}/smaps_rollup", ("Pss",))
    return Memory(status["VmRSS"], status["VmHWM"], status["RssAnon"], rollup.get("Pss", float("nan")))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def address(url: str) -> tuple[str, int]:
    host, _, port = url.removeprefix("http://").rpartition(":")
    return host, int(port)


def row(name: str, value: str, target: str, ok: bool | None) -> str:
    verdict = "" if ok is None else ("meets" if ok else "MISSES")
    return f"  {name:<44} {value:>22}   {target:<18} {verdict}"


def describe(r: Result) -> str:
    return (
        f"  {r.label:<34} {r.rps:>8.0f} rps   p50 {r.pct(50):6.2f} ms   p90 {r.pct(90):6.2f} ms   "
        f"p99 {r.pct(99):7.2f} ms   errors {r.errors}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", default="500,1000,2000", help="fixed rates in requests/s, comma-separated")
    parser.add_argument("--rate-seconds", type=float, default=4.0, help="per path and rate")
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="each rate's time per path is split into this many interleaved slices",
    )
    parser.add_argument("--saturation-seconds", type=float, default=4.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--apps-seconds",
        type=float,
        default=4.0,
        help="seconds per endpoint for bench/apps_rps.py (Products detail vs Prices); 0 skips it",
    )
    args = parser.parse_args()
    args.rates = [float(r) for r in args.rates.split(",")]
    use_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and shutil.which("wrk") is not None)

    mesh = meshspec.load_stack_file(ROOT / "stacks" / "Pulumi.dev.yaml")
    print(f"machine: {os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f} before start")
    print(
        "note: the load generator runs on this machine too and competes with the apps and Envoys for CPU;"
        " with 2 cores, read the figures as relative, not as capacity."
    )
    with tempfile.TemporaryDirectory(prefix="localmesh-bench-") as run_dir:
        running = LocalMesh(
            mesh,
            gateway_port=PortAllocator()(),
            run_dir=Path(run_dir) / "mesh",
            apps_dir=ROOT / "apps",
            ready_timeout=30,
        )
        with running:
            steps = ", ".join(f"{k} {v:.2f}s" for k, v in running.timings.items())
            print(f"ready in {running.startup_seconds:.2f}s ({steps})")
            # Each task has its own loopback address (the Fargate plan); these are prices-v1's first task.
            app = address(running.app_url("prices", "v1"))
            ingress = running.plan.sidecar("prices", "v1").ingress
            paths = {
                "direct": app,
                "sidecar": (ingress.host, ingress.port),
                "mesh": address(running.gateway_url),
            }
            watched = {
                name: running.process(name).pid
                for name in ("prices-v1 app", "prices-v1 envoy", "gateway envoy")
            }
            with minimal_chain(app, Path(run_dir), PATH, running.envoy_concurrency) as minimal:
                paths["minimal"] = minimal.front
                results, cpu = asyncio.run(measure(args, paths, watched, use_wrk))
            envoys = {p.name: memory_mb(p.pid) for p in running.processes if p.name.endswith("envoy")}
        report(args.rates, running, results, envoys, cpu, use_wrk)
    if args.apps_seconds > 0:
        # Products detail as a share of Prices': apps_rps measures it on its own processes, no mesh.
        print("\n--- bench/apps_rps.py: Products detail throughput as a share of Prices' ---")
        sys.stdout.flush()
        apps_rps.main(["--duration", f"{args.apps_seconds:g}", "--rounds", "2"])
    return 0


PATH_NAMES = {
    "direct": "app direct",
    "sidecar": "sidecar only",
    "mesh": "gateway + sidecar",
    "minimal": "2 minimal Envoys",
}


async def measure(
    args: argparse.Namespace,
    paths: dict[str, tuple[str, int]],
    watched: dict[str, int],
    use_wrk: bool,
) -> tuple[dict[tuple[str, str], Result], dict[str, float]]:
    """Results by (run, path): run is "sat" or a rate such as "1000"."""
    for url in paths.values():
        await closed_loop("warm-up", url, 4, 0.5)
    results: dict[tuple[str, str], Result] = {}
    cpu: dict[str, float] = {}
    # Saturation first: it tells which fixed rates are close enough to capacity to measure queueing.
    for key in ("direct", "mesh", "minimal"):
        url = paths[key]
        label = f"saturation c={args.connections}, {PATH_NAMES[key]}"
        before = {name: cpu_seconds(pid) for name, pid in watched.items()}
        if use_wrk:
            result = await asyncio.to_thread(wrk, label, url, args.connections, args.saturation_seconds)
        else:
            result = await closed_loop(label, url, args.connections, args.saturation_seconds)
        results["sat", key] = result
        print(describe(result), f"(load avg {os.getloadavg()[0]:.2f})")
        if key == "mesh":
            # CPU per request of each process on the path: what the throughput share comes down to.
            served = result.rps * result.seconds
            cpu = {name: (cpu_seconds(pid) - before[name]) / served * 1e6 for name, pid in watched.items()}
    slowest = min(results["sat", key].rps for key in ("direct", "mesh", "minimal"))
    order = ["direct", "sidecar", "mesh", "minimal"]
    for rate in args.rates:
        if rate > 0.6 * slowest:
            print(
                f"note: {rate:g} rps is above 60 % of the slowest path's saturation ({slowest:.0f} rps): "
                "that run measures queueing as well as the proxies"
            )
        # The sidecar alone (its ingress listener) splits the rendered chain's cost between its two hops.
        # Interleaved slices, each starting with the next path: on a shared box the load drifts, and
        # the paths are compared under the same drift, none always last.
        for _ in range(args.rounds):
            for key in order:
                label = f"{rate:.0f} rps, {PATH_NAMES[key]}"
                part = await open_loop(label, paths[key], rate, args.rate_seconds / args.rounds, max_conns=32)
                if (f"{rate:g}", key) in results:
                    results[f"{rate:g}", key].merge(part)
                else:
                    results[f"{rate:g}", key] = part
            order = order[1:] + order[:1]
        for key in PATH_NAMES:
            print(describe(results[f"{rate:g}", key]), f"(load avg {os.getloadavg()[0]:.2f})")
    return results, cpu


def report(
    rates: list[float],
    running: LocalMesh,
    results: dict[tuple[str, str], Result],
    envoys: dict[str, Memory],
    cpu: dict[str, float],
    use_wrk: bool,
) -> None:
    loadgen = "wrk -t1" if use_wrk else "Python closed-loop client"
    print()
    print(
        f"GET {PATH}: app direct vs the rendered chain (gateway Envoy + prices sidecar Envoy, dev stack, access "
        "logs on)\nvs the floor (2 minimal Envoys: listener → router → one static cluster), same app, same run"
    )
    print(f"  fixed rate: Python open-loop client, latency from the scheduled send; saturation: {loadgen}")
    print(
        f"  {'rate':>6} {'':>4} {'direct':>7} {'minimal':>8} {'rendered':>9}   {'Δ minimal':>9} {'Δ rendered':>10}"
        f"   {'rendered/minimal':>16}   (ms; Δ = added to direct)"
    )
    worst_ratio = 0.0
    for rate in rates:
        run = f"{rate:g}"
        d, m, r = (results[run, key] for key in ("direct", "minimal", "mesh"))
        for q in (50, 90, 99):
            ratio = r.pct(q) / m.pct(q)
            worst_ratio = max(worst_ratio, ratio)
            print(
                f"  {run if q == 50 else '':>6} p{q:<3} {d.pct(q):7.2f} {m.pct(q):8.2f} {r.pct(q):9.2f}   "
                f"{m.pct(q) - d.pct(q):+9.2f} {r.pct(q) - d.pct(q):+10.2f}   {ratio:15.2f}x"
            )
        achieved = " / ".join(f"{results[run, key].rps:.0f}" for key in ("direct", "minimal", "mesh"))
        print(f"  {'':>6} achieved rps (direct / minimal / rendered): {achieved}")
    sat_d, sat_m, sat_r = (results["sat", key] for key in ("direct", "minimal", "mesh"))
    ready = running.startup_seconds or float("nan")
    lines = [
        ("measure", "this run", "target", None),
        (
            "worst rendered/minimal latency ratio",
            f"{worst_ratio:.2f}x",
            "≤ 1.25x at every rate",
            worst_ratio <= TARGET_FLOOR_RATIO,
        ),
        (
            "saturation rps (direct / minimal / rendered)",
            f"{sat_d.rps:.0f} / {sat_m.rps:.0f} / {sat_r.rps:.0f}",
            "",
            None,
        ),
        (
            "saturation p90 (direct / minimal / rendered)",
            f"{sat_d.pct(90):.2f} / {sat_m.pct(90):.2f} / {sat_r.pct(90):.2f} ms",
            "",
            None,
        ),
        (
            "rendered share of the bare app's throughput",
            f"{sat_r.rps / sat_d.rps:.0%}",
            f"≥ {TARGET_THROUGHPUT_SHARE:.0%}",
            sat_r.rps / sat_d.rps >= TARGET_THROUGHPUT_SHARE,
        ),
        (
            "minimal share of the bare app's throughput",
            f"{sat_m.rps / sat_d.rps:.0%}",
            "(the floor's)",
            None,
        ),
        ("rendered throughput / minimal's", f"{sat_r.rps / sat_m.rps:.0%}", "", None),
    ]
    for name, micros in cpu.items():
        lines.append((f"CPU per request at saturation: {name}", f"{micros:.0f} µs", "", None))
    for name, mem in envoys.items():
        lines.append(
            (
                f"{name} VmRSS (peak)",
                f"{mem.rss:.1f} ({mem.peak:.1f}) MB",
                f"≤ {TARGET_ENVOY_RSS_MB:g} MB",
                mem.peak <= TARGET_ENVOY_RSS_MB,
            )
        )
        lines.append(("  of which its own (RssAnon) / Pss", f"{mem.anon:.1f} / {mem.pss:.1f} MB", "", None))
    lines.append(
        (
            "up → ready (apps, sidecars, gateway)",
            f"{ready:.2f} s",
            f"≤ {TARGET_READY_S:g} s",
            ready <= TARGET_READY_S,
        )
    )
    for name, value, target, ok in lines:
        print(row(name, value, target, ok))
    errors = sum(r.errors for r in results.values())
    if errors:
        print(f"  errors during the runs: {errors} (see the per-run lines above)")


if __name__ == "__main__":
    sys.exit(main())
