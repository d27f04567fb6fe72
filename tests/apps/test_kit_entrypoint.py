"""What the image runs: `python -m meshapp_kit` → `python -m $APP_PACKAGE` → meshapp_kit.entrypoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

import httpx
import pytest
from meshapp_kit.entrypoint import entry_point
from meshapp_kit.identity import AppIdentity
from meshapp_kit.settings import AppSettings

from tests.apps.kit_process import APPS, kit_env, run_module, start


def test_entry_point_reads_the_environment_when_called_not_when_built(
    monkeypatch: pytest.MonkeyPatch, uvicorn_runs: list[tuple[Any, dict[str, Any]]]
) -> None:
    # GIVEN an app's main built at import time, before the container's environment is read
    app = object()
    main = entry_point(app, AppSettings, AppIdentity(package="x_api", service="x", title="X"))  # type: ignore[arg-type]
    monkeypatch.setenv("PORT", "9321")
    monkeypatch.setenv("LOG_LEVEL", "warning")
    # WHEN it runs
    main()
    # THEN uvicorn serves that app with the environment of the moment, logging as the app's service
    [(served, kwargs)] = uvicorn_runs
    assert served is app
    assert kwargs["port"] == 9321
    assert kwargs["server_header"] is False
    assert kwargs["log_config"]["formatters"]["json"]["service"] == "x"
    assert kwargs["log_config"]["loggers"]["uvicorn"]["level"] == "WARNING"


@pytest.mark.parametrize("package", ["", "../prices_api", "prices api"])
def test_image_command_refuses_a_missing_or_malformed_app_package(package: str) -> None:
    # GIVEN an image built without a usable APP_PACKAGE WHEN its command runs
    env = {**os.environ, "APP_PACKAGE": package}
    done = subprocess.run(
        [sys.executable, "-m", "meshapp_kit"], env=env, capture_output=True, text=True, timeout=30
    )
    # THEN it stops at once, naming the variable, instead of a traceback
    assert done.returncode == 1
    assert done.stderr.startswith("APP_PACKAGE must name the app's package")


@pytest.mark.e2e
def test_image_command_serves_the_app_and_stops_gracefully_on_sigterm() -> None:
    """GIVEN the image's command run as the Dockerfile sets it up (cwd holds the app's package,
    APP_PACKAGE names it, no bytecode writes) WHEN it is probed and then sent SIGTERM, as ECS does
    THEN it served with the version header, every line on stdout is the app's JSON, and it stopped
    through uvicorn's graceful shutdown and the app's lifespan (uvicorn then re-raises the signal,
    so the status is SIGTERM's, as it was before the kit)."""
    env = kit_env(APP_PACKAGE="prices_api", APP_VERSION="img-1")
    with start(run_module("meshapp_kit"), APPS / "prices", env) as app:
        health = httpx.get(f"{app.base_url}/health", trust_env=False)
        status = app.stop()
    lines = app.lines
    assert (health.status_code, health.headers["x-app-version"]) == (200, "img-1")
    assert "server" not in health.headers
    assert status == -signal.SIGTERM
    assert {line["service"] for line in lines} == {"prices"}
    messages = [(line["logger"], line["message"]) for line in lines]
    assert ("prices_api", "started") in messages
    assert messages.index(("prices_api", "stopping")) < messages.index(
        ("uvicorn.error", "Application shutdown complete.")
    )
