"""The Products -> Prices connection pool against a REAL local HTTP server (127.0.0.1 only).

A mock cannot show this: the bug lived in the client's pool. Cancelling an httpx call from
outside (asyncio.timeout / wait_for) while httpcore was connecting or waiting for a connection
left entries stuck in the pool (encode/httpcore#1093), so after one overload every later
call timed out although Prices answered in milliseconds. Any client must pass the same test.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import aiohttp
import pytest
from fastapi.testclient import TestClient
from products_api.main import create_app
from products_api.prices_client import PriceLookup, PricesClient, PriceStatus, build_http_session

from tests.apps.fake_prices import FakePrices

P001_PRICE = {"productId": "p-001", "amountCents": 8999, "currency": "USD"}
# The mesh name, reached through the fake as HTTP_PROXY (the `prices` fixture).
PRICES_URL = "http://prices.shop.local:8080"
HOLD_S = 3.0


def test_pool_recovers_after_a_burst_of_timeouts(prices: FakePrices) -> None:
    # GIVEN a Products client with a tiny timeout and a Prices that is slow for a while
    timeout = 0.05
    route = prices.get("/v1/prices/p-001")

    async def scenario() -> tuple[list[PriceStatus], PriceStatus, float]:
        # A small pool, so that a handful of leaked connections is enough to fill it.
        http = build_http_session(timeout_seconds=timeout, user_agent="test", max_connections=4)
        async with http:
            client = PricesClient(http, base_url=PRICES_URL, timeout_seconds=timeout)
            # WHEN bursts of concurrent lookups (ten times what the pool holds) all time out
            route.hang()
            burst: list[PriceLookup] = []
            for _ in range(3):
                burst += await asyncio.gather(*(client.get_price("p-001") for _ in range(40)))
            # ... and then Prices is fast again
            route.respond(200, json=P001_PRICE)
            prices.released.set()
            started = time.monotonic()
            after = await client.get_price("p-001")
            return [b.status for b in burst], after.status, time.monotonic() - started

    burst, after, elapsed = asyncio.run(asyncio.wait_for(scenario(), 10))

    # THEN the burst was cut off, and the next lookup succeeds promptly: the pool is not wedged
    assert set(burst) == {PriceStatus.UNAVAILABLE}
    assert after == PriceStatus.OK
    assert elapsed < 0.5


def test_slow_prices_is_cut_off_at_the_configured_timeout(
    prices: FakePrices, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a 50 ms budget and a Prices that does not answer within it
    monkeypatch.setenv("PRICES_TIMEOUT_SECONDS", "0.05")
    prices.get("/v1/prices/p-001").hang()
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


def test_waiting_for_a_pooled_connection_is_cut_off_at_the_timeout(prices: FakePrices) -> None:
    # GIVEN a pool of one connection, held for seconds by a call that Prices does not answer
    timeout = 0.1
    prices.get("/v1/prices/p-001").hang()

    async def hold_the_connection(http: aiohttp.ClientSession) -> None:
        # Its own read timeout, far beyond the lookups': only the pool-wait bound can end the wait.
        long_read = aiohttp.ClientTimeout(sock_read=HOLD_S)
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(
                f"{PRICES_URL}/v1/prices/p-001", proxy=prices.url, timeout=long_read
            ) as answer:
                await answer.read()

    async def scenario() -> tuple[PriceLookup, float]:
        async with build_http_session(timeout_seconds=timeout, user_agent="test", max_connections=1) as http:
            client = PricesClient(http, base_url=PRICES_URL, timeout_seconds=timeout)
            holder = asyncio.create_task(hold_the_connection(http))
            await asyncio.sleep(0.05)  # the holder has the only connection
            # WHEN a lookup has to wait for that connection
            started = time.monotonic()
            waiting = await client.get_price("p-001")
            elapsed = time.monotonic() - started
            prices.released.set()  # the fake drops the held call
            await holder
            return waiting, elapsed

    waiting, elapsed = asyncio.run(asyncio.wait_for(scenario(), 10))
    # THEN it gives up after the timeout, as a timeout, not after the holder
    assert (waiting.status, waiting.reason) == (PriceStatus.UNAVAILABLE, "prices timed out after 0.1s")
    assert elapsed < HOLD_S / 2
