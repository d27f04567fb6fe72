"""Products API: paging, validation, 404s, and the price lookup through the mesh.

Prices is a fake on 127.0.0.1 (tests/apps/fake_prices.py), reached as in the local mesh: the
default PRICES_BASE_URL through HTTP_PROXY. Calls to routes a test did not declare fail the test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from products_api.main import create_app
from products_api.settings import Settings

from bench.apps_rps import free_port
from tests.apps.fake_prices import FakePrices

DEFAULT_PRICES_URL = "http://prices.shop.local:8080"
P001_PRICE = {"productId": "p-001", "amountCents": 8999, "currency": "USD"}


@pytest.fixture
def client(prices: FakePrices) -> Iterator[TestClient]:
    # Context manager, so the lifespan runs: catalogue loaded, shared AsyncClient opened.
    with TestClient(create_app()) as test_client:
        yield test_client


# --- health and listing --------------------------------------------------------------------


def test_health_is_ok_without_calling_prices(client: TestClient, prices: FakePrices) -> None:
    # WHEN health is checked THEN it answers ok and Prices is not involved
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": "dev"}
    assert response.headers["x-app-version"] == "dev"
    assert prices.calls == []


def test_list_defaults_to_first_20(client: TestClient) -> None:
    # WHEN the list is requested without paging parameters
    body = client.get("/v1/products").json()
    # THEN the first 20 of the 24 products come back with the paging echoed
    assert (body["total"], body["limit"], body["offset"]) == (24, 20, 0)
    assert [p["id"] for p in body["items"]] == [f"p-{n:03d}" for n in range(1, 21)]
    assert set(body["items"][0]) == {"id", "name", "description", "category"}


def test_list_pages_with_limit_and_offset(client: TestClient) -> None:
    # WHEN the second page of 10 and then the last partial page are requested
    second = client.get("/v1/products", params={"limit": 10, "offset": 10}).json()
    last = client.get("/v1/products", params={"limit": 10, "offset": 20}).json()
    # THEN pages are contiguous and the last one is short
    assert [p["id"] for p in second["items"]] == [f"p-{n:03d}" for n in range(11, 21)]
    assert [p["id"] for p in last["items"]] == ["p-021", "p-022", "p-023", "p-024"]
    assert (last["total"], last["limit"], last["offset"]) == (24, 10, 20)


def test_offset_past_the_end_gives_empty_page(client: TestClient) -> None:
    body = client.get("/v1/products", params={"offset": 500}).json()
    assert body == {"items": [], "total": 24, "limit": 20, "offset": 500}


def test_limit_100_is_accepted(client: TestClient) -> None:
    response = client.get("/v1/products", params={"limit": 100})
    assert response.status_code == 200
    assert len(response.json()["items"]) == 24


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_bad_paging_is_a_422_json_error(client: TestClient, params: dict[str, object], field: str) -> None:
    # WHEN paging parameters are out of range or not integers
    response = client.get("/v1/products", params=params)
    # THEN the answer is 422 with the error shape naming the parameter
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [d["loc"] for d in error["details"]] == [["query", field]]


# --- product detail ------------------------------------------------------------------------


def test_unknown_product_is_404_and_prices_is_not_called(client: TestClient, prices: FakePrices) -> None:
    # WHEN an unknown product is requested
    response = client.get("/v1/products/p-999")
    # THEN it is a JSON 404 and no upstream call was made
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "product_not_found"
    assert prices.calls == []


def test_detail_includes_price_from_prices(client: TestClient, prices: FakePrices) -> None:
    # GIVEN Prices (a v3 canary) knows p-001
    prices.get("/v1/prices/p-001").respond(200, json=P001_PRICE, headers={"x-app-version": "v3"})
    # WHEN the product is requested
    response = client.get("/v1/products/p-001")
    # THEN the product carries the price and where it came from
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "p-001"
    assert body["name"] == "Trailhead 35L Daypack"
    assert body["price"] == {"amountCents": 8999, "currency": "USD"}
    assert body["priceStatus"] == "ok"
    assert body["priceReason"] is None
    assert body["pricesVersion"] == "v3"


def test_prices_404_gives_null_price_and_not_found(client: TestClient, prices: FakePrices) -> None:
    # GIVEN Prices says it has no price for p-024
    prices.get("/v1/prices/p-024").respond(
        404, json={"error": {"code": "price_not_found", "message": "no price"}}
    )
    # WHEN the product is requested
    response = client.get("/v1/products/p-024")
    # THEN the product is still served, without a price, saying why
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "p-024"
    assert body["price"] is None
    assert body["priceStatus"] == "not_found"
    assert body["priceReason"]


def test_bare_404_from_the_mesh_is_unavailable_not_not_found(client: TestClient, prices: FakePrices) -> None:
    # GIVEN a 404 without Prices' error body (what Envoy sends when no route matches)
    prices.get("/v1/prices/p-001").respond(404, text="")
    # THEN it is reported as an outage, not as a product without a price
    body = client.get("/v1/products/p-001").json()
    assert (body["price"], body["priceStatus"]) == (None, "unavailable")
    assert "404" in body["priceReason"]


def test_prices_timeout_gives_200_with_null_price(
    prices: FakePrices, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN Prices accepts the call but does not answer within PRICES_TIMEOUT_SECONDS
    monkeypatch.setenv("PRICES_TIMEOUT_SECONDS", "0.2")
    prices.get("/v1/prices/p-001").hang()
    with TestClient(create_app()) as client:
        # WHEN the product is requested
        response = client.get("/v1/products/p-001")
    # THEN it is served without a price, marked unavailable because of the timeout
    assert response.status_code == 200
    body = response.json()
    assert (body["price"], body["priceStatus"]) == (None, "unavailable")
    assert body["priceReason"] == "prices timed out after 0.2s"


# Waiting for a pooled connection, and the pool after a burst of timeouts: test_prices_client_pool.py.


def test_prices_dropping_the_connection_gives_200_with_null_price(
    client: TestClient, prices: FakePrices
) -> None:
    # GIVEN Prices closes the connection without answering
    prices.get("/v1/prices/p-001").drop()
    # THEN the product is served, without a price, saying Prices was unreachable
    response = client.get("/v1/products/p-001")
    assert response.status_code == 200
    body = response.json()
    assert (body["price"], body["priceStatus"]) == (None, "unavailable")
    assert body["priceReason"] == "prices unreachable (ServerDisconnectedError)"


def test_prices_refusing_connections_gives_200_with_null_price(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN nothing listens where Prices should be
    monkeypatch.setenv("PRICES_BASE_URL", f"http://127.0.0.1:{free_port()}")
    with TestClient(create_app()) as client:
        response = client.get("/v1/products/p-001")
    # THEN the product is served, without a price, saying Prices was unreachable
    assert response.status_code == 200
    body = response.json()
    assert (body["price"], body["priceStatus"]) == (None, "unavailable")
    assert body["priceReason"] == "prices unreachable (ClientConnectorError)"


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_prices_error_status_gives_200_with_null_price(
    client: TestClient, prices: FakePrices, status: int
) -> None:
    # GIVEN Prices (or Envoy in front of it) answers with an error status
    prices.get("/v1/prices/p-001").respond(status, text="upstream connect error")
    # THEN the product is served without a price and the status is in the reason
    response = client.get("/v1/products/p-001")
    assert response.status_code == 200
    body = response.json()
    assert (body["price"], body["priceStatus"]) == (None, "unavailable")
    assert str(status) in body["priceReason"]


@pytest.mark.parametrize(
    "content",
    [
        b"<html>oops</html>",
        b'{"productId": "p-001"}',
        b'{"amountCents": 100, "currency": "USD"}',
        b'{"productId": "p-001", "amountCents": "lots", "currency": "USD"}',
        b'{"productId": "p-002", "amountCents": 100, "currency": "USD"}',
        b"[]",
    ],
)
def test_garbage_from_prices_gives_200_with_null_price(
    client: TestClient, prices: FakePrices, content: bytes
) -> None:
    # GIVEN Prices answers 200 with something that is not p-001's price
    prices.get("/v1/prices/p-001").respond(200, content=content, headers={"content-type": "application/json"})
    # THEN it is not passed on as a price
    response = client.get("/v1/products/p-001")
    assert response.status_code == 200
    body = response.json()
    assert (body["price"], body["priceStatus"]) == (None, "unavailable")


def test_prices_extra_fields_are_tolerated(client: TestClient, prices: FakePrices) -> None:
    # GIVEN a newer Prices that adds a field THEN Products still shows the price
    prices.get("/v1/prices/p-001").respond(200, json={**P001_PRICE, "taxCents": 100})
    body = client.get("/v1/products/p-001").json()
    assert body["price"] == {"amountCents": 8999, "currency": "USD"}


def test_request_goes_to_prices_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no proxy, and PRICES_BASE_URL pointing straight at a Prices (trailing slash included)
    other = FakePrices().start()
    try:
        route = other.get("/v1/prices/p-001").respond(200, json=P001_PRICE)
        monkeypatch.setenv("PRICES_BASE_URL", other.url + "/")
        with TestClient(create_app()) as client:
            # WHEN a product is requested
            body = client.get("/v1/products/p-001").json()
    finally:
        other.stop()
    # THEN that Prices was called, exactly once, with an origin-form request for its own host
    assert body["priceStatus"] == "ok"
    assert route.call_count == 1
    assert route.last.target == "/v1/prices/p-001"
    assert route.last.headers["host"] == other.url.removeprefix("http://")


def test_default_prices_url_is_the_mesh_name(client: TestClient, prices: FakePrices) -> None:
    route = prices.get("/v1/prices/p-005").respond(200, json={**P001_PRICE, "productId": "p-005"})
    client.get("/v1/products/p-005")
    # THEN the call went through HTTP_PROXY, for the mesh name (absolute-form, as a proxy gets it)
    assert route.called
    assert route.last.target == "http://prices.shop.local:8080/v1/prices/p-005"
    assert route.last.headers["host"] == "prices.shop.local:8080"


def test_request_id_is_passed_on_to_prices(client: TestClient, prices: FakePrices) -> None:
    # GIVEN a request that Envoy stamped with an x-request-id
    route = prices.get("/v1/prices/p-001").respond(200, json=P001_PRICE)
    client.get("/v1/products/p-001", headers={"x-request-id": "abc-123"})
    # THEN the same id goes to Prices, so both hops can be correlated
    assert route.last.headers["x-request-id"] == "abc-123"


def test_version_header_and_access_log(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    prices: FakePrices,
) -> None:
    # GIVEN APP_VERSION set before the app is created
    monkeypatch.setenv("APP_VERSION", "2.1.0")
    prices.get("/v1/prices/p-001").drop()
    with TestClient(create_app()) as client:
        capsys.readouterr()
        # WHEN a product is served while Prices is down, then an unknown one is asked for
        response = client.get("/v1/products/p-001")
        missing = client.get("/v1/products/p-999")
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # THEN both responses carry the version, and stdout has the warning and one line per request
    assert response.headers["x-app-version"] == missing.headers["x-app-version"] == "2.1.0"
    access = [line for line in lines if line["logger"] == "products_api.access"]
    assert [(a["path"], a["status"]) for a in access] == [
        ("/v1/products/p-001", 200),
        ("/v1/products/p-999", 404),
    ]
    assert {a["version"] for a in access} == {"2.1.0"}
    warnings = [line for line in lines if line["level"] == "warning"]
    assert warnings[0]["product_id"] == "p-001"


# --- the shared HTTP client --------------------------------------------------------------


def test_shared_client_is_opened_by_lifespan_and_closed_on_shutdown(prices: FakePrices) -> None:
    app = create_app()
    with TestClient(app):
        http = app.state.http
        assert not http.closed
    assert http.closed


def test_no_proxy_takes_the_call_off_the_proxy(prices: FakePrices, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN HTTP_PROXY set, and a Prices at 127.0.0.1 that NO_PROXY exempts from it
    direct = FakePrices().start()
    try:
        route = direct.get("/v1/prices/p-001").respond(200, json=P001_PRICE)
        monkeypatch.setenv("PRICES_BASE_URL", direct.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        with TestClient(create_app()) as client:
            # WHEN a product is requested
            body = client.get("/v1/products/p-001").json()
    finally:
        direct.stop()
    # THEN Prices was called directly and the proxy never saw the call
    assert body["priceStatus"] == "ok"
    assert route.call_count == 1
    assert prices.calls == []


# --- settings ------------------------------------------------------------------------------


def test_settings_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.prices_base_url == DEFAULT_PRICES_URL
    assert settings.prices_timeout_seconds == 1.0
    assert settings.port == 8080


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"PRICES_TIMEOUT_SECONDS": "0"}, "PRICES_TIMEOUT_SECONDS"),
        ({"PRICES_TIMEOUT_SECONDS": "soon"}, "PRICES_TIMEOUT_SECONDS"),
        ({"PRICES_TIMEOUT_SECONDS": "nan"}, "PRICES_TIMEOUT_SECONDS"),
        ({"PRICES_BASE_URL": "prices.shop.local:8080"}, "PRICES_BASE_URL"),
        ({"PORT": "eighty"}, "PORT"),
    ],
)
def test_bad_settings_fail_at_startup_naming_the_variable(env: dict[str, str], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env(env)
