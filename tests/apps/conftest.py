"""Shared fixtures for the sample apps' tests. Only 127.0.0.1 is ever contacted."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from tests.apps.fake_prices import FakePrices

with warnings.catch_warnings():
    # Starlette's TestClient now prefers the httpx2 package and warns when it falls back to
    # httpx; these tests deliberately use httpx 0.28, so silence only that warning, only here.
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient`")
    import fastapi.testclient  # noqa: F401

# Everything the apps read from the environment, plus the proxy variables HTTP clients honour.
APP_ENV_VARS = (
    "APP_VERSION",
    "LOG_LEVEL",
    "HOST",
    "PORT",
    "GRACEFUL_SHUTDOWN_SECONDS",
    "APP_PROTOCOL",
    "PRICES_BASE_URL",
    "PRICES_TIMEOUT_SECONDS",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


@pytest.fixture(autouse=True)
def clean_app_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from the apps' defaults, whatever the machine's environment holds."""
    for name in APP_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def uvicorn_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    """uvicorn.run replaced by a recorder: each call's (app, keyword arguments), nothing served."""
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    return calls


@pytest.fixture
def prices(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePrices]:
    """A fake Prices reached as in the local mesh: Products keeps its default PRICES_BASE_URL (the
    mesh name) and HTTP_PROXY points at the fake, which answers for that name. Calls to paths no
    test declared fail the test."""
    fake = FakePrices().start()
    monkeypatch.setenv("HTTP_PROXY", fake.url)
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.unexpected == [], "calls to undeclared Prices routes"
