"""Requests per second of the sample apps, each one process on 127.0.0.1, as their image runs them.

    python bench/apps_rps.py [--duration 5] [--concurrency 16] [--protocol http|http2] [--apps-dir DIR]

Starts Prices and Products as subprocesses on free loopback ports with `python -m <app>_api` (the
kit's entry point; Products pointed straight at that Prices, no mesh), waits for /health, then drives
each endpoint for a fixed time from one asyncio client with bounded concurrency, and prints rps and
latency percentiles, then Products' detail throughput as a share of Prices' in the same run.
The subprocesses are always stopped, whatever happens.

The load generator is Python too and shares the machine, so on a small box it competes with
the server for CPU: read the figures as a floor and for comparing changes, not as capacity.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # never anything else: this only ever talks to its own subprocesses
STARTUP_TIMEOUT_S = 20.0
WARMUP_S = 0.5
PRICE_OK = b'"priceStatus":"ok"'
# Products detail throughput as a share of Prices', in the same run (the issue's target).
TARGET_DETAIL_SHARE = 0.45
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@dataclass
class Result:
    label: str
    # Measured: from the start of the measured phase until its last request finished.
    duration_s: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    # CPU seconds both apps spent while this was measured (apps_rps main only).
    app_cpu_s: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.duration_s

    def merge(self, other: Result) -> None:
        self.duration_s += other.duration_s
        self.latencies_ms += other.latencies_ms
        self.errors += other.errors
        self.app_cpu_s += other.app_cpu_s

    @property
    def app_cpu_us_per_request(self) -> float:
        """Immune to what else runs on the machine, unlike rps: what one answer costs the apps."""
        return self.app_cpu_s / len(self.latencies_ms) * 1e6 if self.latencies_ms else float("nan")

    def percentile(self, pct: int) -> float:
        if len(self.latencies_ms) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[pct - 1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
    # No proxy: Products must call the benchmark's Prices on loopback, not some egress proxy.
    env.update(NO_PROXY="*", APP_VERSION="bench", **extra)
    return env


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    base_url: str
    log: IO[str]  # the process's stdout and stderr


@contextlib.contextmanager
def run_server(
    cwd: Path,
    argv: Callable[[int], list[str]],
    env: dict[str, str],
    *,
    port_env: str | None = None,
    wait: bool = True,
) -> Iterator[Served]:
    """Run `argv(port)` in `cwd` on a free loopback port (also given as env[port_env] when named);
    with `wait`, until GET /health answers. Always stopped: SIGTERM, then SIGKILL after 5 s."""
    port = free_port()
    if port_env:
        env = {**env, port_env: str(port)}
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(argv(port), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            served = Served(proc, f"http://{HOST}:{port}", log)
            if wait:
                wait_healthy(served.base_url, proc, log)
            yield served
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def with_kit_on_path(env: dict[str, str], apps_dir: Path) -> dict[str, str]:
    """`env` with apps_dir's own kit first on PYTHONPATH, not whichever copy an editable install names."""
    return {
        **env,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(apps_dir / "kit"), env.get("PYTHONPATH", "")])),
    }


@contextlib.contextmanager
def serve_app(apps_dir: Path, app: str, env: dict[str, str]) -> Iterator[Served]:
    """Run apps/<app> as its image does, `python -m <app>_api` (the kit's entry point, so the server
    APP_PROTOCOL picks), with that apps folder's own kit first on the path."""
    env = {**with_kit_on_path(env, apps_dir), "HOST": HOST, "GRACEFUL_SHUTDOWN_SECONDS": "2"}
    argv = [sys.executable, "-m", f"{app}_api"]
    with run_server(apps_dir / app, lambda _: argv, env, port_env="PORT") as served:
        yield served


def wait_healthy(base_url: str, proc: subprocess.Popen[bytes], log: IO[str]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    with httpx.Client(base_url=base_url, timeout=0.5, trust_env=False) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                if client.get("/health").status_code == 200:
                    return
            time.sleep(0.1)
    log.seek(0)
    tail = log.read()[-2000:]
    raise RuntimeError(f"{base_url} did not become healthy (exit code {proc.poll()}):\n{tail}")


class RawConnection:
    """A bare HTTP/1.1 keep-alive GET client, so the load generator costs far less CPU than the
    server it measures (httpx's AsyncClient spends more per request than uvicorn does)."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._streams
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            body = await reader.readexactly(_content_length(head))
            return int(head[9:12]), body
        except BaseException:
            # Includes cancellation by a timeout: a half-read response poisons the connection.
            self.close()
            raise

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


def _content_length(head: bytes) -> int:
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    # The apps always send one; chunked bodies would need a real client.
    raise ValueError("response without content-length")


def is_success(status: int, body: bytes, expect: bytes | None) -> bool:
    """A 200, and when `expect` is given, a body containing it (a product detail only counts
    when its price really came back, not a 200 with `"priceStatus":"unavailable"`)."""
    return status == 200 and (expect is None or expect in body)


async def drive(
    base_url: str,
    path: str,
    label: str,
    duration_s: float,
    concurrency: int,
    client_kind: str,
    expect: bytes | None = None,
    warmup_s: float = WARMUP_S,
) -> Result:
    result = Result(label=label, duration_s=duration_s)
    url = httpx.URL(base_url)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # "h2c": HTTP/2 with prior knowledge over plain http (needs the h2 package), as Envoy speaks it.
    h2c = client_kind == "h2c"
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=5.0, trust_env=False, http1=not h2c, http2=h2c
    ) as shared:

        async def worker(until: float, record: bool) -> None:
            raw = RawConnection(url.host, url.port or 80)
            try:
                while (started := time.perf_counter()) < until:
                    try:
                        if client_kind == "raw":
                            status, body = await asyncio.wait_for(raw.get(path), 5.0)
                        else:
                            response = await shared.get(path)
                            status, body = response.status_code, response.content
                        ok = is_success(status, body, expect)
                    except (httpx.HTTPError, OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
                        ok = False
                    if not record:
                        continue
                    if ok:
                        result.latencies_ms.append((time.perf_counter() - started) * 1000)
                    else:
                        result.errors += 1
            finally:
                raw.close()

        # Warm up connections and code paths first, then measure.
        warm_until = time.perf_counter() + warmup_s
        await asyncio.gather(*(worker(warm_until, record=False) for _ in range(concurrency)))
        measure_start = time.perf_counter()
        until = measure_start + duration_s
        await asyncio.gather(*(worker(until, record=True) for _ in range(concurrency)))
        # rps over the time actually measured: the last requests end after `until`.
        result.duration_s = time.perf_counter() - measure_start
    return result


def print_table(results: list[Result]) -> None:
    header = (
        f"{'endpoint':<40} {'requests':>9} {'errors':>7} {'rps':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}"
        f" {'app cpu us':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.label:<40} {len(r.latencies_ms):>9} {r.errors:>7} {r.rps:>8.0f}"
            f" {r.percentile(50):>8.2f} {r.percentile(90):>8.2f} {r.percentile(99):>8.2f}"
            f" {r.app_cpu_us_per_request:>10.0f}"
        )


def share(part: Result, whole: Result) -> float:
    return part.rps / whole.rps if whole.rps else float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per endpoint (max 60)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (1..256)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="each endpoint's time is split into this many interleaved slices",
    )
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="load generator: a bare keep-alive socket client (default) or httpx.AsyncClient",
    )
    parser.add_argument(
        "--protocol",
        choices=["http", "http2"],
        default="http",
        help="APP_PROTOCOL of both apps: http = uvicorn (default), http2 = granian (measured over HTTP/1.1)",
    )
    parser.add_argument(
        "--apps-dir",
        type=Path,
        default=ROOT / "apps",
        help="the apps and kit to measure, e.g. `git archive <commit> apps | tar -x -C /tmp/x` then /tmp/x/apps",
    )
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 60 or not 1 <= args.concurrency <= 256 or not 1 <= args.rounds <= 20:
        parser.error("--duration must be in (0, 60], --concurrency in [1, 256] and --rounds in [1, 20]")

    print(
        f"apps from {args.apps_dir}, APP_PROTOCOL={args.protocol}, 1 process per app on {HOST}; "
        f"{args.concurrency} concurrent requests; {args.duration:g} s per endpoint in {args.rounds} "
        f"interleaved slices, after {WARMUP_S:g} s warm-up; {args.client} client; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs (client shares them)\n"
    )
    env = child_env(APP_PROTOCOL=args.protocol)
    slice_s = args.duration / args.rounds
    with serve_app(args.apps_dir, "prices", env) as prices:
        products_env = {**env, "PRICES_BASE_URL": prices.base_url}
        with serve_app(args.apps_dir, "products", products_env) as products:
            prices_url, products_url = prices.base_url, products.base_url
            pids = (prices.proc.pid, products.proc.pid)
            plan: list[tuple[str, str, str, bytes | None]] = [
                (prices_url, "/v1/prices", "prices   GET /v1/prices", None),
                # What a product detail asks Prices for.
                (prices_url, "/v1/prices/p-001", "prices   GET /v1/prices/p-001", None),
                (products_url, "/v1/products?limit=20", "products GET /v1/products?limit=20", None),
                # A detail without its price (Prices slow or failing) is an error, not a success.
                (
                    products_url,
                    "/v1/products/p-001",
                    "products GET /v1/products/p-001 (+prices)",
                    PRICE_OK,
                ),
            ]
            results = [Result(label=label, duration_s=0.0) for _, _, label, _ in plan]
            # Interleaved slices rather than one block per endpoint: on a shared machine the load of
            # other processes drifts, and the shares below compare endpoints under the same drift.
            for round_index in range(args.rounds):
                warmup_s = WARMUP_S if round_index == 0 else WARMUP_S / 5
                for (base_url, path, label, expect), total in zip(plan, results, strict=True):
                    cpu_before = sum(map(cpu_seconds, pids))
                    part = asyncio.run(
                        drive(base_url, path, label, slice_s, args.concurrency, args.client, expect, warmup_s)
                    )
                    # Includes the warm-up's requests: a small overcount, the same for every endpoint.
                    part.app_cpu_s = sum(map(cpu_seconds, pids)) - cpu_before
                    total.merge(part)
    print_table(results)
    prices_list, prices_one, _, detail = results
    # Two Python hops per detail (Products, then Prices) make 50 % the ceiling.
    print(
        f"\nproducts detail as a share of prices, same run: {share(detail, prices_list):.0%} of GET /v1/prices, "
        f"{share(detail, prices_one):.0%} of GET /v1/prices/p-001 (target >= {TARGET_DETAIL_SHARE:.0%})\n"
        f"apps' CPU per answer: a detail costs {detail.app_cpu_us_per_request / prices_list.app_cpu_us_per_request:.2f}x "
        f"a GET /v1/prices and {detail.app_cpu_us_per_request / prices_one.app_cpu_us_per_request:.2f}x "
        f"a GET /v1/prices/p-001 (2.00x: two hops as cheap as one Prices answer each)"
    )
    return 1 if any(r.errors or not r.latencies_ms for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
