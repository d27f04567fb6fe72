"""`python -m prices_api` / `python -m products_api`: what the container's CMD runs."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

PACKAGES = ["prices_api", "products_api"]


@pytest.mark.parametrize("package", PACKAGES)
def test_entrypoint_runs_uvicorn_with_env_port_and_no_access_log(
    package: str, monkeypatch: pytest.MonkeyPatch, uvicorn_runs: list[tuple[Any, dict[str, Any]]]
) -> None:
    # GIVEN the container's PORT and shutdown budget, and uvicorn.run replaced by a recorder
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("GRACEFUL_SHUTDOWN_SECONDS", "25")
    entry = importlib.import_module(f"{package}.__main__")

    # WHEN the entry point runs
    entry.main()

    # THEN uvicorn serves the package's app on that port, on all interfaces, with its own
    # access log off (the middleware writes it) and the graceful shutdown timeout set
    [(app, kwargs)] = uvicorn_runs
    assert app is importlib.import_module(f"{package}.main").app
    assert kwargs["port"] == 9123
    assert kwargs["host"] == "0.0.0.0"
    assert kwargs["access_log"] is False
    assert kwargs["timeout_graceful_shutdown"] == 25
    assert kwargs["log_config"]["loggers"]["uvicorn"]["propagate"] is False


@pytest.mark.parametrize("package", PACKAGES)
def test_entrypoint_defaults_to_port_8080(
    package: str, uvicorn_runs: list[tuple[Any, dict[str, Any]]]
) -> None:
    importlib.import_module(f"{package}.__main__").main()
    [(_, kwargs)] = uvicorn_runs
    assert kwargs["port"] == 8080
