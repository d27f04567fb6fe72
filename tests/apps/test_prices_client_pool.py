"""The Products -> Prices connection pool against a REAL local HTTP server (127.0.0.1 only).

A mock cannot show this: the bug lived in the client's pool. Cancelling an httpx call from
outside (asyncio.timeout / wait_for) while httpcore was connecting or waiting for a connection
left entries stuck in the pool (encode/httpcore#1093), so after one overload every later
call timed out although Prices answered in milliseconds. Any client must pass the same test.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from products_api.main import create_app
from products_api.prices_client import PriceLookup, PricesClient, PriceStatus, build_http_session

P001_PRICE = {"productId": "p-001", "amountCents": 8999, "currency": "USD"}


class _SlowThenFastServer(ThreadingHTTPServer):
    daemon_threads = True
    # Accept a whole burst at once rather than refusing part of it.
    request_queue_size = 512

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.slow = threading.Event()
        self.release = threading.Event()

    def handle_error(self, request: object, client_address: object) -> None:
        # The client gave up on slow answers, so writing them fails (broken pipe): expected.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _SlowThenFastServer

    def do_GET(self) -> None:
        if self.server.slow.is_set():
            # Far longer than the client's timeout, but never longer than the test needs.
            self.server.release.wait(2.0)
        body = json.dumps(P001_PRICE).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[_SlowThenFastServer]:
    srv = _SlowThenFastServer()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.release.set()
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=2)


def test_pool_recovers_after_a_burst_of_timeouts(server: _SlowThenFastServer) -> None:
    # GIVEN a Products client with a tiny timeout and a Prices that is slow for a while
    timeout = 0.05
    base_url = f"http://127.0.0.1:{server.server_address[1]}"

    async def scenario() -> tuple[list[PriceStatus], PriceStatus, float]:
        # A small pool, so that a handful of leaked connections is enough to fill it.
        http = build_http_session(timeout_seconds=timeout, user_agent="test", max_connections=4)
        async with http:
            client = PricesClient(http, base_url=base_url, timeout_seconds=timeout)
            # WHEN bursts of concurrent lookups (ten times what the pool holds) all time out
            server.slow.set()
            burst: list[PriceLookup] = []
            for _ in range(3):
                burst += await asyncio.gather(*(client.get_price("p-001") for _ in range(40)))
            # ... and then Prices is fast again
            server.slow.clear()
            server.release.set()
            started = time.monotonic()
            after = await client.get_price("p-001")
            return [b.status for b in burst], after.status, time.monotonic() - started

    burst, after, elapsed = asyncio.run(asyncio.wait_for(scenario(), 10))

    # THEN the burst was cut off, and the next lookup succeeds promptly: the pool is not wedged
    assert set(burst) == {PriceStatus.UNAVAILABLE}
    assert after == PriceStatus.OK
    assert elapsed < 0.5


def test_slow_prices_is_cut_off_at_the_configured_timeout(
    server: _SlowThenFastServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a 50 ms budget and a Prices that does not answer within it
    monkeypatch.setenv("PRICES_TIMEOUT_SECONDS", "0.05")
    monkeypatch.setenv("PRICES_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}")
    server.slow.set()
    with TestClient(create_app()) as client:
        # WHEN the product is requested
        started = time.monotonic()
        response = client.get("/v1/products/p-001")
        elapsed = time.monotonic() - started
    # THEN the answer comes back promptly, without a price
    assert response.status_code == 200
    assert response.json()["priceStatus"] == "unavailable"
    assert response.json()["priceReason"] == "prices timed out after 0.05s"
    assert elapsed < 1


def test_waiting_for_a_pooled_connection_is_cut_off_at_the_timeout(server: _SlowThenFastServer) -> None:
    # GIVEN a pool of one connection, held by a call that Prices does not answer
    timeout = 0.1
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    server.slow.set()

    async def scenario() -> tuple[PriceLookup, float]:
        async with build_http_session(timeout_seconds=timeout, user_agent="test", max_connections=1) as http:
            client = PricesClient(http, base_url=base_url, timeout_seconds=timeout)
            holder = asyncio.create_task(client.get_price("p-001"))
            await asyncio.sleep(0.02)  # the holder has the only connection
            # WHEN a second lookup has to wait for that connection
            started = time.monotonic()
            waiting = await client.get_price("p-001")
            elapsed = time.monotonic() - started
            await holder
            return waiting, elapsed

    waiting, elapsed = asyncio.run(asyncio.wait_for(scenario(), 10))
    # THEN it gives up after the timeout, as a timeout, not a hang
    assert (waiting.status, waiting.reason) == (PriceStatus.UNAVAILABLE, "prices timed out after 0.1s")
    assert elapsed < 0.5
