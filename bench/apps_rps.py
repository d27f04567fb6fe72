"""Requests per second of the sample apps, each served by one uvicorn worker on 127.0.0.1.

    python bench/apps_rps.py [--duration 5] [--concurrency 16]

Starts Prices and Products as subprocesses on free loopback ports (Products pointed straight
at that Prices, no mesh), waits for /health, then drives each endpoint for a fixed time from
one asyncio client with bounded concurrency, and prints rps and latency percentiles.
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
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@dataclass
class Result:
    label: str
    # Measured: from the start of the measured phase until its last request finished.
    duration_s: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.duration_s

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


@contextlib.contextmanager
def serve(app: str, module: str, env: dict[str, str]) -> Iterator[str]:
    """Run `python -m uvicorn <module>:app` from apps/<app>; yield its base URL; always stop it."""

    def argv(port: int) -> list[str]:
        return [
            sys.executable, "-m", "uvicorn", f"{module}:app",
            "--host", HOST, "--port", str(port),
            "--workers", "1", "--no-access-log", "--timeout-graceful-shutdown", "2",
        ]  # fmt: skip

    with serve_argv(app, argv, env) as base_url:
        yield base_url


@contextlib.contextmanager
def serve_argv(app: str, argv: Callable[[int], list[str]], env: dict[str, str]) -> Iterator[str]:
    """Run `argv(port)` from apps/<app> on a free port; yield its base URL once /health answers;
    always stop it (SIGTERM, then SIGKILL after 5 s)."""
    port = free_port()
    cmd = argv(port)
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT / "apps" / app, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base_url = f"http://{HOST}:{port}"
            wait_healthy(base_url, proc, log)
            yield base_url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


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
        warm_until = time.perf_counter() + WARMUP_S
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
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.label:<40} {len(r.latencies_ms):>9} {r.errors:>7} {r.rps:>8.0f}"
            f" {r.percentile(50):>8.2f} {r.percentile(90):>8.2f} {r.percentile(99):>8.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per endpoint (max 60)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (1..256)")
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="load generator: a bare keep-alive socket client (default) or httpx.AsyncClient",
    )
    args = parser.parse_args(argv)
    if not 0 < args.duration <= 60 or not 1 <= args.concurrency <= 256:
        parser.error("--duration must be in (0, 60] and --concurrency in [1, 256]")

    print(
        f"1 uvicorn worker per app on {HOST}; {args.concurrency} concurrent requests; "
        f"{args.duration:g} s per endpoint after {WARMUP_S:g} s warm-up; {args.client} client; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs (client shares them)\n"
    )
    results: list[Result] = []
    with serve("prices", "prices_api.main", child_env()) as prices_url:
        products_env = child_env(PRICES_BASE_URL=prices_url)
        with serve("products", "products_api.main", products_env) as products_url:
            plan: list[tuple[str, str, str, bytes | None]] = [
                (prices_url, "/v1/prices", "prices   GET /v1/prices", None),
                (products_url, "/v1/products?limit=20", "products GET /v1/products?limit=20", None),
                # A detail without its price (Prices slow or failing) is an error, not a success.
                (
                    products_url,
                    "/v1/products/p-001",
                    "products GET /v1/products/p-001 (+prices)",
                    PRICE_OK,
                ),
            ]
            for base_url, path, label, expect in plan:
                results.append(
                    asyncio.run(
                        drive(base_url, path, label, args.duration, args.concurrency, args.client, expect)
                    )
                )
    print_table(results)
    return 1 if any(r.errors or not r.latencies_ms for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
