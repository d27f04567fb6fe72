"""Which ASGI server should serve a `protocol: http2` app: each candidate serving Prices, measured.

    python bench/h2c_servers.py [--duration 5] [--concurrency 16] [--loadgen auto|h2load|python]

The sidecar of a `protocol: http2` service speaks h2c with prior knowledge to its app (no TLS, no
Upgrade), and health checks, curl and the mesh's HTTP/1.1 paths still speak HTTP/1.1 to the same
port. So the server must answer both on one port. Each candidate serves the same Prices endpoint
(`GET /v1/prices`, one worker, uvloop) from apps/prices and is driven twice; a last row runs
Prices as the kit ships it for APP_PROTOCOL=http2 (`python -m prices_api`, granian embedded):

  h1   HTTP/1.1, N keep-alive connections with one request each in flight (a load balancer, curl);
  h2c  HTTP/2 prior knowledge over ONE connection with N concurrent streams, as Envoy's upstream
       HTTP/2 pool does (one connection per Envoy worker, requests multiplexed on it).

uvicorn answers HTTP/1.1 only (a prior-knowledge preface is a 400 to it): it is the baseline, with
its h1 row as 1.00, and its h2c row shows the failure the mesh hits today. Every row prints rps and
p50/p90/p99 latency, and the same figures as ratios against that baseline from the same run.

Load generators: wrk for h1 and h2load (Debian's nghttp2-client) for h2c, both C and cheap per request,
when both are on PATH (`apt-get install wrk nghttp2-client`); else this process, with a bare
keep-alive socket client for h1 and httpx (http2=True, http1=False) for h2c, which cost far more CPU
per request than the servers they measure. (h2load's own HTTP/1.1 client records no status for a
status line without a reason phrase, which hypercorn sends, hence wrk for h1.) Compare rows of one
run only. Only 127.0.0.1 is contacted; the servers are always stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.apps_rps import HOST, ROOT, Result, child_env, drive, run_server, serve_app

PATH = "/v1/prices"
APP = "prices_api.main:app"
WARMUP_S = 1.0
LOADGEN_NAMES = {"native": "wrk (h1), h2load (h2c)", "python": "Python (raw h1, httpx h2c)"}


def uvicorn_argv(port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", APP, "--host", HOST, "--port", str(port),
        "--loop", "uvloop", "--http", "httptools", "--no-access-log",
    ]  # fmt: skip


# hypercorn closes a connection after 1,000 requests by default (an h2 GOAWAY, which h2load does not
# recover from; Envoy would reconnect). A sidecar's connection is long-lived: lift the limit.
HYPERCORN_CONFIG = Path(tempfile.gettempdir()) / "h2c_servers_hypercorn.toml"


def hypercorn_argv(port: int) -> list[str]:
    # Pure Python (h11 and h2), in-process; it answers an h2c preface on a plain-text port.
    HYPERCORN_CONFIG.write_text("keep_alive_max_requests = 1000000000\n", encoding="utf-8")
    return [
        sys.executable, "-m", "hypercorn", APP, "--bind", f"{HOST}:{port}", "--worker-class", "uvloop",
        "--config", str(HYPERCORN_CONFIG),
    ]  # fmt: skip


def granian_argv(port: int) -> list[str]:
    # Rust (hyper) HTTP stack; `--http auto` serves HTTP/1.1 and h2c prior knowledge on one port.
    return [
        sys.executable, "-m", "granian", "--interface", "asgi", "--http", "auto",
        "--host", HOST, "--port", str(port), "--loop", "uvloop", "--workers", "1", APP,
    ]  # fmt: skip


SERVERS: dict[str, Callable[[int], list[str]]] = {
    "uvicorn": uvicorn_argv,
    "hypercorn": hypercorn_argv,
    "granian": granian_argv,
}
# What ships: `python -m prices_api` with APP_PROTOCOL=http2 (granian embedded by the kit).
KIT = "kit-http2"
BASELINE = ("uvicorn", "h1")
PROTOCOLS = ("h1", "h2c")


@dataclass
class Measured:
    rps: float
    p50: float
    p90: float
    p99: float
    errors: int

    @classmethod
    def of(cls, result: Result) -> Measured:
        p50, p90, p99 = (result.percentile(p) for p in (50, 90, 99))
        return cls(result.rps if result.latencies_ms else 0.0, p50, p90, p99, result.errors)


@dataclass
class Row:
    server: str
    protocol: str
    measured: Measured


def wrk(base_url: str, duration_s: float, concurrency: int) -> Measured:
    """HTTP/1.1: `concurrency` keep-alive connections, one request in flight on each."""
    out = _run(
        ["wrk", "-t1", f"-c{concurrency}", f"-d{duration_s:g}s", "--latency", base_url + PATH], duration_s
    )
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    pcts = {
        q: float(value) * scale[unit]
        for q, value, unit in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    }
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(map(int, socket_errors.groups())) if socket_errors else 0
    nan = float("nan")
    return Measured(
        float(rps.group(1)) if rps and pcts else 0.0,
        pcts.get("50", nan),
        pcts.get("90", nan),
        pcts.get("99", nan),
        errors,
    )


def h2load(base_url: str, duration_s: float, concurrency: int, warmup_s: float) -> Measured:
    """h2c prior knowledge: one connection, `concurrency` streams in flight. Latencies come from
    h2load's per-request log, since it prints no percentiles."""
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        argv = [
            "h2load", "-c", "1", "-m", str(concurrency), "-D", _ms(duration_s),
            "--warm-up-time", _ms(warmup_s), "--log-file", log.name, base_url + PATH,
        ]  # fmt: skip
        out = _run(argv, duration_s + warmup_s)
        # Columns: start (µs since the epoch), status, time to the end of the response (µs).
        samples = [line.split("\t") for line in log.read().splitlines() if line]
    result = Result(label="h2c", duration_s=duration_s)
    result.latencies_ms = [int(elapsed) / 1000 for _, status, elapsed in samples if status == "200"]
    failed = re.search(r"requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed", out)
    result.errors = (int(failed.group(1)) if failed else 0) + len(samples) - len(result.latencies_ms)
    return Measured.of(result)


def _ms(seconds: float) -> str:
    # h2load takes whole numbers with a unit ("1.5" is refused); wrk takes "1.5s" as it is.
    return f"{round(seconds * 1000)}ms"


def _run(argv: list[str], duration_s: float) -> str:
    return subprocess.run(argv, capture_output=True, text=True, timeout=duration_s + 60, check=False).stdout


def native_load(
    base_url: str, protocol: str, duration_s: float, concurrency: int, warmup_s: float
) -> Measured:
    if protocol == "h1":
        # wrk has no warm-up phase of its own, and takes whole seconds: a 1 s run first, if any.
        if warmup_s >= 1:
            wrk(base_url, warmup_s, concurrency)
        return wrk(base_url, duration_s, concurrency)
    return h2load(base_url, duration_s, concurrency, warmup_s)


def python_load(
    base_url: str, protocol: str, duration_s: float, concurrency: int, warmup_s: float
) -> Measured:
    client = "raw" if protocol == "h1" else "h2c"
    result = asyncio.run(drive(base_url, PATH, protocol, duration_s, concurrency, client, warmup_s=warmup_s))
    return Measured.of(result)


def combine(slices: list[Measured]) -> Measured:
    """Equal-length slices: mean rps, median of each percentile, all errors."""
    return Measured(
        statistics.fmean(m.rps for m in slices),
        statistics.median(m.p50 for m in slices),
        statistics.median(m.p90 for m in slices),
        statistics.median(m.p99 for m in slices),
        sum(m.errors for m in slices),
    )


@contextlib.contextmanager
def serving(name: str) -> Iterator[str]:
    if name == KIT:
        with serve_app(ROOT / "apps", "prices", child_env(APP_PROTOCOL="http2")) as served:
            yield served.base_url
        return
    with run_server(ROOT / "apps" / "prices", SERVERS[name], child_env()) as served:
        yield served.base_url


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base and value == value and base == base else "-"


def print_rows(rows: list[Row]) -> None:
    base = next(r.measured for r in rows if (r.server, r.protocol) == BASELINE)
    header = (
        f"{'server':<10} {'proto':<5} {'rps':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'errors':>7}"
        f"   {'rps x':>6} {'p50 x':>6} {'p90 x':>6} {'p99 x':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        m = row.measured
        if not m.rps:
            print(
                f"{row.server:<10} {row.protocol:<5} {'fails: no answer to this protocol':>37} {m.errors:>7}"
            )
            continue
        print(
            f"{row.server:<10} {row.protocol:<5} {m.rps:>7.0f} {m.p50:>7.2f} {m.p90:>7.2f} {m.p99:>7.2f}"
            f" {m.errors:>7}   {ratio(m.rps, base.rps):>6} {ratio(m.p50, base.p50):>6}"
            f" {ratio(m.p90, base.p90):>6} {ratio(m.p99, base.p99):>6}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per row (max 60)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (1..256)")
    parser.add_argument(
        "--loadgen", choices=["auto", "native", "python"], default="auto", help="native: wrk and h2load"
    )
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma-separated subset to run")
    parser.add_argument(
        "--rounds", type=int, default=5, help="each row's time in this many interleaved slices"
    )
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 60 or not 1 <= args.concurrency <= 256 or not 1 <= args.rounds <= 20:
        parser.error("--duration must be in (0, 60], --concurrency in [1, 256] and --rounds in [1, 20]")
    servers = [name.strip() for name in args.servers.split(",")]
    if BASELINE[0] not in servers or any(name not in SERVERS for name in servers):
        parser.error(f"--servers: a subset of {', '.join(SERVERS)} that includes {BASELINE[0]}")
    have_native = all(shutil.which(tool) for tool in ("wrk", "h2load"))
    loadgen = args.loadgen
    if loadgen == "auto":
        loadgen = "native" if have_native else "python"
    elif loadgen == "native" and not have_native:
        parser.error("wrk and h2load must be on PATH (Debian: apt-get install wrk nghttp2-client)")
    load = native_load if loadgen == "native" else python_load
    # Whole seconds: wrk takes nothing finer.
    slice_s = max(1, round(args.duration / args.rounds))

    print(
        f"Prices GET {PATH}, 1 worker per server on {HOST}, uvloop; {args.concurrency} requests in flight "
        f"(h1: {args.concurrency} connections; h2c: 1 connection, {args.concurrency} streams); "
        f"{args.rounds} interleaved slices of {slice_s} s per row (rps: mean, "
        f"percentiles: median of the slices) after {WARMUP_S:g} s warm-up; load: {LOADGEN_NAMES[loadgen]}; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs (load generator shares them)\n"
        f"ratios (x) are against {BASELINE[0]} {BASELINE[1]} of this run; below 1.00 is faster for "
        f"latency, above 1.00 is faster for rps\n"
    )
    names = [name for name in [*servers, KIT] if name == KIT or importlib.util.find_spec(name) is not None]
    for name in sorted(set(servers) - set(names)):
        print(f"{name}: not installed (pip install {name}), left out")
    slices: dict[tuple[str, str], list[Measured]] = {
        (name, protocol): [] for name in names for protocol in PROTOCOLS
    }
    with contextlib.ExitStack() as running:
        # All servers up at once (an idle one costs nothing), so that the rows can be interleaved:
        # on a shared machine the load of other processes drifts, and every row sees the same drift.
        urls = {name: running.enter_context(serving(name)) for name in names}
        for round_index in range(args.rounds):
            warmup_s = WARMUP_S if round_index == 0 else WARMUP_S / 5
            for (name, protocol), measured in slices.items():
                measured.append(load(urls[name], protocol, slice_s, args.concurrency, warmup_s))
    rows = [Row(name, protocol, combine(measured)) for (name, protocol), measured in slices.items()]
    print_rows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
