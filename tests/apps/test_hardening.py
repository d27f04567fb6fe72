"""Both apps: input from the environment, clients and Prices that earlier let a 500 or a
silent misconfiguration through. Each test names the defect it guards against."""

from __future__ import annotations

import importlib
import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from products_api.prices_client import PricesClient, PriceStatus, build_http_session

from tests.apps.fake_prices import FakePrices

PACKAGES = ["prices_api", "products_api"]
P001_PRICE = {"productId": "p-001", "amountCents": 8999, "currency": "USD"}


def _settings(package: str) -> Any:
    return importlib.import_module(f"{package}.settings").Settings


def _create_app(package: str) -> Any:
    return importlib.import_module(f"{package}.main").create_app()


# --- 2. x-request-id that cannot be sent as a header ------------------------------------------------


@pytest.mark.parametrize(
    "request_id",
    ["caf\u00e9".encode(), b"a\x01b", b"x" * 201],
    ids=["non-ascii", "control-char", "too-long"],
)
def test_unsendable_request_id_is_not_forwarded_and_price_still_served(
    prices: FakePrices, request_id: bytes
) -> None:
    # GIVEN a client x-request-id that is not printable ASCII or is too long
    route = prices.get("/v1/prices/p-001").respond(200, json=P001_PRICE)
    with TestClient(_create_app("products_api")) as client:
        # WHEN the product is requested with it
        response = client.get("/v1/products/p-001", headers={"x-request-id": request_id})
    # THEN it is a normal 200 with the price, and the id is simply not passed on
    assert response.status_code == 200
    assert response.json()["priceStatus"] == "ok"
    assert "x-request-id" not in route.last.headers


def test_printable_request_id_of_200_chars_is_forwarded(prices: FakePrices) -> None:
    route = prices.get("/v1/prices/p-001").respond(200, json=P001_PRICE)
    with TestClient(_create_app("products_api")) as client:
        client.get("/v1/products/p-001", headers={"x-request-id": "r" * 200})
    assert route.last.headers["x-request-id"] == "r" * 200


# --- 3. PRICES_BASE_URL that the client cannot use ----------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://prices.shop.local:abc",
        "http://h:99999",
        "http://:8080",
        "http://prices.shop.local:8080?x=1",
        "http://prices.shop.local:8080#frag",
    ],
)
def test_bad_prices_base_url_fails_at_startup(url: str) -> None:
    # GIVEN a base URL with a bad port, no host, a query or a fragment
    # WHEN settings are read THEN startup fails naming the variable
    with pytest.raises(ValueError, match="PRICES_BASE_URL"):
        _settings("products_api").from_env({"PRICES_BASE_URL": url})


def test_invalid_url_in_client_is_unavailable_not_500() -> None:
    # GIVEN a client whose base URL has a bad port (bypassing the settings check)
    async def lookup() -> Any:
        async with build_http_session(timeout_seconds=1, user_agent="t") as http:
            client = PricesClient(http, base_url="http://prices.shop.local:abc", timeout_seconds=1)
            return await client.get_price("p-001")

    import asyncio

    # WHEN a price is looked up THEN it is reported unavailable rather than raising
    assert asyncio.run(lookup()).status == PriceStatus.UNAVAILABLE


# --- 4. unhandled errors: JSON 500 with the version header ---------------------------------


@pytest.mark.parametrize(
    ("package", "module", "cls", "method", "path"),
    [
        ("prices_api", "prices_api.catalog", "PriceCatalog", "get", "/v1/prices/p-001"),
        ("products_api", "products_api.catalog", "ProductCatalog", "get", "/v1/products/p-001"),
    ],
)
def test_unhandled_error_is_a_json_500_with_version_and_logged(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    package: str,
    module: str,
    cls: str,
    method: str,
    path: str,
) -> None:
    # GIVEN a bug: the catalogue raises
    monkeypatch.setenv("APP_VERSION", "v9")

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(getattr(importlib.import_module(module), cls), method, boom)
    with TestClient(_create_app(package), raise_server_exceptions=False) as client:
        capsys.readouterr()
        # WHEN the endpoint is called
        response = client.get(path)
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # THEN the answer is the shared JSON error shape, with the version header
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] == "internal_error"
    assert response.headers["x-app-version"] == "v9"
    # AND the error is logged with its traceback, and the access line says 500
    errors = [line for line in lines if line["level"] == "error"]
    assert errors and "injected fault" in errors[0]["exc"]
    access = [line for line in lines if line["message"] == "request"]
    assert [a["status"] for a in access] == [500]


# --- 5. APP_VERSION and lifespan="on" -------------------------------------------------------


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize("version", ["v\u20ac1", "v1\nX-Evil: 1", "v" * 65])
def test_bad_app_version_fails_at_startup(package: str, version: str) -> None:
    with pytest.raises(ValueError, match="APP_VERSION"):
        _settings(package).from_env({"APP_VERSION": version})


@pytest.mark.parametrize("package", PACKAGES)
def test_entrypoint_makes_startup_errors_fatal(
    package: str, uvicorn_runs: list[tuple[Any, dict[str, Any]]]
) -> None:
    # GIVEN uvicorn.run replaced by a recorder WHEN the entry point runs
    importlib.import_module(f"{package}.__main__").main()
    # THEN a failing lifespan stops the process instead of being swallowed ("auto")
    [(_, kwargs)] = uvicorn_runs
    assert kwargs["lifespan"] == "on"


# --- 6. HEAD ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("package", "path"),
    [
        ("prices_api", "/health"),
        ("prices_api", "/v1/prices"),
        ("prices_api", "/v1/prices/p-001"),
        ("products_api", "/health"),
        ("products_api", "/v1/products"),
    ],
)
def test_head_is_allowed_on_get_routes(package: str, path: str) -> None:
    with TestClient(_create_app(package)) as client:
        response = client.head(path)
    assert response.status_code == 200
    assert response.content == b""


def test_head_on_product_detail(prices: FakePrices) -> None:
    prices.get("/v1/prices/p-001").respond(200, json=P001_PRICE)
    with TestClient(_create_app("products_api")) as client:
        assert client.head("/v1/products/p-001").status_code == 200


# --- 7. amountCents is a strict integer ---------------------------------------------------


@pytest.mark.parametrize("amount", [12.0, "12", True, -1])
def test_prices_catalog_rejects_non_int_amount(amount: object) -> None:
    from prices_api.catalog import PriceCatalog
    from pydantic import ValidationError

    document = json.dumps([{"productId": "p-1", "amountCents": amount, "currency": "USD"}])
    with pytest.raises(ValidationError):
        PriceCatalog.from_json(document)


@pytest.mark.parametrize("amount", [12.0, "12", True])
def test_products_treats_non_int_amount_from_prices_as_unavailable(
    prices: FakePrices, amount: object
) -> None:
    # GIVEN Prices answers with an amount that is not an integer
    prices.get("/v1/prices/p-001").respond(200, json={**P001_PRICE, "amountCents": amount})
    with TestClient(_create_app("products_api")) as client:
        body = client.get("/v1/products/p-001").json()
    # THEN it is not shown as a price
    assert (body["price"], body["priceStatus"]) == (None, "unavailable")


# --- 8. settings ranges -------------------------------------------------------------------


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"PORT": "0"}, "PORT"),
        ({"PORT": "65536"}, "PORT"),
        ({"PORT": "-1"}, "PORT"),
        ({"GRACEFUL_SHUTDOWN_SECONDS": "-1"}, "GRACEFUL_SHUTDOWN_SECONDS"),
        ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL"),
    ],
)
def test_out_of_range_settings_fail_naming_the_variable(package: str, env: dict[str, str], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        _settings(package).from_env(env)


@pytest.mark.parametrize("package", PACKAGES)
def test_edge_settings_are_accepted(package: str) -> None:
    settings = _settings(package).from_env(
        {"PORT": "65535", "GRACEFUL_SHUTDOWN_SECONDS": "0", "LOG_LEVEL": "warning", "APP_VERSION": "v" * 64}
    )
    assert (settings.port, settings.graceful_shutdown_seconds, settings.log_level) == (65535, 0, "WARNING")
    assert logging.getLevelName(settings.log_level) == logging.WARNING
