"""bench/apps_rps.py: what counts as a success, and rps over the measured time."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import apps_rps

UNAVAILABLE = b'{"id":"p-001","price":null,"priceStatus":"unavailable"}'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-length", str(len(UNAVAILABLE)))
        self.end_headers()
        self.wfile.write(UNAVAILABLE)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def products_without_prices() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("client_kind", ["raw", "httpx"])
def test_detail_without_price_counts_as_error(products_without_prices: str, client_kind: str) -> None:
    # GIVEN a Products that answers 200 but with priceStatus "unavailable"
    # WHEN the detail endpoint is driven, expecting a real price
    result = asyncio.run(
        apps_rps.drive(
            products_without_prices, "/v1/products/p-001", "detail", 0.2, 2, client_kind, apps_rps.PRICE_OK
        )
    )
    # THEN every request is an error, none a success, and rps uses the measured time
    assert result.errors > 0
    assert result.latencies_ms == []
    assert result.duration_s >= 0.2


def test_success_needs_status_200_and_expected_body() -> None:
    assert apps_rps.is_success(200, b'{"priceStatus":"ok"}', apps_rps.PRICE_OK)
    assert not apps_rps.is_success(200, UNAVAILABLE, apps_rps.PRICE_OK)
    assert not apps_rps.is_success(500, b'{"priceStatus":"ok"}', apps_rps.PRICE_OK)
    assert apps_rps.is_success(200, b"{}", None)
