"""Prices API: endpoints, error shape, version header and access log."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prices_api.catalog import Price, PriceCatalog
from prices_api.main import create_app
from prices_api.settings import Settings

EUR_IDS = ["p-006", "p-012", "p-022"]


@pytest.fixture
def client() -> Iterator[TestClient]:
    # Context manager, so the lifespan runs and loads the bundled catalogue.
    with TestClient(create_app()) as test_client:
        yield test_client


def test_health_reports_ok_and_version(client: TestClient) -> None:
    # WHEN the health endpoint is called with no APP_VERSION set
    response = client.get("/health")
    # THEN it answers ok with the default version
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": "dev"}


def test_list_returns_every_bundled_price_in_id_order(client: TestClient) -> None:
    # WHEN all prices are listed
    response = client.get("/v1/prices")
    # THEN every bundled price comes back, camelCase, ordered by product id
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 23
    assert items[0] == {"productId": "p-001", "amountCents": 8999, "currency": "USD"}
    assert [i["productId"] for i in items] == sorted(i["productId"] for i in items)
    assert all(isinstance(i["amountCents"], int) for i in items)


@pytest.mark.parametrize("currency", ["EUR", "eur"])
def test_currency_filter_keeps_only_that_currency(client: TestClient, currency: str) -> None:
    # WHEN prices are filtered by currency, in either case
    response = client.get("/v1/prices", params={"currency": currency})
    # THEN only the EUR prices are returned
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["productId"] for i in items] == EUR_IDS
    assert {i["currency"] for i in items} == {"EUR"}


def test_currency_filter_with_unused_code_gives_empty_list(client: TestClient) -> None:
    # WHEN filtering by a well-formed currency that no price uses
    response = client.get("/v1/prices", params={"currency": "JPY"})
    # THEN the list is empty rather than an error
    assert response.status_code == 200
    assert response.json() == {"items": []}


@pytest.mark.parametrize("currency", ["US", "USDX", "U$D", ""])
def test_malformed_currency_is_rejected_with_422(client: TestClient, currency: str) -> None:
    # WHEN the currency is not three letters
    response = client.get("/v1/prices", params={"currency": currency})
    # THEN the request is rejected with the JSON error shape
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"][0]["loc"] == ["query", "currency"]


def test_get_price_by_product_id(client: TestClient) -> None:
    # WHEN one product's price is requested
    response = client.get("/v1/prices/p-012")
    # THEN that price is returned
    assert response.status_code == 200
    assert response.json() == {"productId": "p-012", "amountCents": 11900, "currency": "EUR"}


@pytest.mark.parametrize("product_id", ["p-024", "p-999", "nope"])
def test_unknown_product_gives_404_with_error_body(client: TestClient, product_id: str) -> None:
    # GIVEN a product id with no price (p-024 exists in Products but is deliberately unpriced)
    # WHEN its price is requested
    response = client.get(f"/v1/prices/{product_id}")
    # THEN the answer is a 404 with a stable machine-readable code
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "price_not_found"
    assert product_id in error["message"]


def test_unknown_route_uses_the_same_error_shape(client: TestClient) -> None:
    response = client.get("/v2/prices")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found"}}


def test_version_header_comes_from_app_version(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN APP_VERSION is set before the app is created
    monkeypatch.setenv("APP_VERSION", "v2-canary")
    with TestClient(create_app()) as client:
        # WHEN any kind of response is produced: success, 404 and 422
        responses = [
            client.get("/health"),
            client.get("/v1/prices/p-001"),
            client.get("/v1/prices/p-999"),
            client.get("/v1/prices", params={"currency": "x"}),
        ]
    # THEN every one carries the version header, and health reports it too
    assert [r.headers.get("x-app-version") for r in responses] == ["v2-canary"] * 4
    assert responses[0].json()["version"] == "v2-canary"


def test_version_header_defaults_to_dev(client: TestClient) -> None:
    assert client.get("/v1/prices").headers["x-app-version"] == "dev"


def test_each_request_writes_one_json_access_log_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an app built while stdout is captured, with a known version
    monkeypatch.setenv("APP_VERSION", "v7")
    with TestClient(create_app()) as client:
        capsys.readouterr()  # drop the startup line
        # WHEN two requests are made, one carrying Envoy's request id
        client.get("/v1/prices/p-001", headers={"x-request-id": "req-123"})
        client.get("/v1/prices/p-999")
        out = capsys.readouterr().out
    # THEN stdout holds exactly one JSON object per request with the access fields
    lines = [json.loads(line) for line in out.splitlines()]
    access = [line for line in lines if line["logger"] == "prices_api.access"]
    assert len(access) == 2
    first, second = access
    assert first["method"] == "GET"
    assert first["path"] == "/v1/prices/p-001"
    assert first["status"] == 200
    assert first["version"] == "v7"
    assert first["request_id"] == "req-123"
    assert isinstance(first["duration_ms"], float)
    assert first["duration_ms"] >= 0
    assert first["service"] == "prices"
    assert (second["path"], second["status"]) == ("/v1/prices/p-999", 404)
    assert "request_id" not in second


def test_catalog_rejects_duplicate_ids() -> None:
    # GIVEN two prices for the same product THEN loading fails rather than picking one
    price = Price(product_id="p-001", amount_cents=100, currency="USD")
    with pytest.raises(ValueError, match="duplicate"):
        PriceCatalog([price, price])


@pytest.mark.parametrize(
    "document",
    [
        '[{"productId": "p-001", "amountCents": 12.5, "currency": "USD"}]',
        '[{"productId": "p-001", "amountCents": -1, "currency": "USD"}]',
        '[{"productId": "p-001", "amountCents": 100, "currency": "usd"}]',
        '[{"productId": "p-001", "amountCents": 100, "currency": "USD", "tax": 1}]',
    ],
)
def test_catalog_rejects_invalid_prices(document: str) -> None:
    # GIVEN a price file with a fractional, negative, lower-case or unexpected field
    # THEN it does not load (startup would fail instead of serving wrong prices)
    with pytest.raises(ValueError):
        PriceCatalog.from_json(document)


def test_settings_reject_a_non_numeric_port() -> None:
    with pytest.raises(ValueError, match="PORT"):
        Settings.from_env({"PORT": "http"})
