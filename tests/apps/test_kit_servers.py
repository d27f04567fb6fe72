"""The kit's two servers, for real: APP_PROTOCOL=http (uvicorn) and APP_PROTOCOL=http2 (granian, which
also answers h2c with prior knowledge, as a `protocol: http2` service's sidecar speaks it)."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from meshapp_kit import entrypoint
from meshapp_kit.identity import AppIdentity
from meshapp_kit.settings import AppSettings

from tests.apps.kit_process import APPS, kit_env, run_module, start, write_slow_app

PROTOCOLS = ["http", "http2"]


def test_http2_runs_the_h2c_server_and_http_runs_uvicorn_on_uvloop_and_httptools(
    monkeypatch: pytest.MonkeyPatch, uvicorn_runs: list[tuple[Any, dict[str, Any]]]
) -> None:
    # GIVEN both servers replaced by recorders
    h2c_runs: list[tuple[Any, AppSettings]] = []
    monkeypatch.setattr(
        "meshapp_kit.h2c_server.serve_h2c", lambda app, settings, identity: h2c_runs.append((app, settings))
    )
    identity = AppIdentity(package="x_api", service="x", title="X")
    app = object()
    # WHEN an app configured for http2, then one for http, is served
    entrypoint.serve(app, AppSettings.from_env({"APP_PROTOCOL": "http2"}), identity)  # type: ignore[arg-type]
    entrypoint.serve(app, AppSettings.from_env({}), identity)  # type: ignore[arg-type]
    # THEN http2 went to the h2c server only, and http to uvicorn with the fast loop and parser named
    assert [(a, s.protocol) for a, s in h2c_runs] == [(app, "http2")]
    [(served, kwargs)] = uvicorn_runs
    assert served is app
    assert (kwargs["loop"], kwargs["http"]) == ("uvloop", "httptools")


@pytest.mark.parametrize("value", ["grpc", "h2c", "tcp"])
def test_unknown_app_protocol_fails_naming_the_variable(value: str) -> None:
    with pytest.raises(ValueError, match=r"^APP_PROTOCOL must be one of http, http2, got '.+'$"):
        AppSettings.from_env({"APP_PROTOCOL": value})


def test_app_protocol_defaults_to_http_and_ignores_case() -> None:
    assert AppSettings.from_env({}).protocol == "http"
    assert AppSettings.from_env({"APP_PROTOCOL": " HTTP2 "}).protocol == "http2"


@pytest.mark.e2e
def test_http2_app_answers_h2c_prior_knowledge_and_http11_on_the_same_port() -> None:
    """GIVEN Prices started by the image's command with APP_PROTOCOL=http2
    WHEN it is asked over h2c with prior knowledge (no Upgrade, no TLS) and over HTTP/1.1
    THEN both answer 200 with the version header, each in its own protocol, and both are logged."""
    env = kit_env(APP_PACKAGE="prices_api", APP_PROTOCOL="http2", APP_VERSION="h2-1")
    with start(run_module("meshapp_kit"), APPS / "prices", env) as app:
        with httpx.Client(http1=False, http2=True, trust_env=False) as h2c:
            over_h2c = h2c.get(f"{app.base_url}/v1/prices/p-001")
        with httpx.Client(trust_env=False) as h1:
            over_h1 = h1.get(f"{app.base_url}/v1/prices/p-001")
        status = app.stop()
    for response, version in ((over_h2c, "HTTP/2"), (over_h1, "HTTP/1.1")):
        assert (response.http_version, response.status_code) == (version, 200)
        assert response.headers["x-app-version"] == "h2-1"
        assert response.json()["amountCents"] == 8999
    access = [line for line in app.lines if line["logger"] == "prices_api.access"]
    assert [(a["path"], a["status"]) for a in access][-2:] == [("/v1/prices/p-001", 200)] * 2
    assert status == -signal.SIGTERM


@pytest.mark.e2e
def test_http_app_does_not_speak_h2c() -> None:
    """What a `protocol: http2` sidecar met before: uvicorn answers an h2c preface with no HTTP/2."""
    env = kit_env(APP_PACKAGE="prices_api")
    with (
        start(run_module("meshapp_kit"), APPS / "prices", env) as app,
        httpx.Client(http1=False, http2=True, trust_env=False) as h2c,
        pytest.raises(httpx.HTTPError),
    ):
        h2c.get(f"{app.base_url}/health")


@pytest.mark.e2e
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_sigterm_lets_the_in_flight_request_finish_then_ends_by_the_signal(
    protocol: str, tmp_path: Path
) -> None:
    """GIVEN a kit app whose request takes 1 s, with either server
    WHEN SIGTERM arrives while that request is in flight
    THEN the request still gets its 200, the app's lifespan shutdown runs after it, every stdout
    line is the app's JSON, and the process ends by SIGTERM (status 143), as ECS expects."""
    env = kit_env(APP_PROTOCOL=protocol, SLOW_SECONDS="1.0", GRACEFUL_SHUTDOWN_SECONDS="10")
    with start(run_module("slow_api"), write_slow_app(tmp_path), env) as app:
        answers: list[httpx.Response] = []
        client = threading.Thread(
            target=lambda: answers.append(httpx.get(f"{app.base_url}/slow", timeout=10))
        )
        client.start()
        time.sleep(0.4)  # the request is being handled
        status = app.stop()
        client.join(timeout=10)
    assert [(r.status_code, r.json()) for r in answers] == [(200, {"slept": 1.0})]
    assert status == -signal.SIGTERM
    assert {line["service"] for line in app.lines} == {"slow"}
    messages = [(line["logger"], line["message"]) for line in app.lines]
    assert messages.index(("slow_api.access", "request")) < messages.index(("slow_api", "stopping"))


@pytest.mark.e2e
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_grace_period_bounds_a_request_that_outlasts_it(protocol: str, tmp_path: Path) -> None:
    """GIVEN GRACEFUL_SHUTDOWN_SECONDS=1 and a request that takes 30 s
    WHEN SIGTERM arrives while it is in flight THEN the process is gone within the grace period."""
    env = kit_env(APP_PROTOCOL=protocol, SLOW_SECONDS="30", GRACEFUL_SHUTDOWN_SECONDS="1")
    with start(run_module("slow_api"), write_slow_app(tmp_path), env) as app:

        def cut_off_request() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server goes away mid-request
                httpx.get(f"{app.base_url}/slow", timeout=40)

        client = threading.Thread(target=cut_off_request, daemon=True)
        client.start()
        time.sleep(0.4)
        started = time.monotonic()
        status = app.stop(timeout=10)
        elapsed = time.monotonic() - started
    assert status == -signal.SIGTERM
    assert 0.9 < elapsed < 5


@pytest.mark.e2e
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_failing_startup_stops_the_process_with_status_3_and_the_error_logged(
    protocol: str, tmp_path: Path
) -> None:
    """GIVEN a kit app whose lifespan startup raises WHEN it is started with either server
    THEN it does not serve: it exits with status 3 (uvicorn's startup failure) and its JSON log holds
    the app's own error."""
    env = kit_env(APP_PROTOCOL=protocol, SLOW_SECONDS="0", FAIL_STARTUP="1")
    with start(run_module("slow_api"), write_slow_app(tmp_path), env, wait=False) as app:
        status = app.proc.wait(timeout=20)
        lines = app.read_lines()
    assert status == 3
    assert any("injected startup failure" in line.get("exc", "") + line["message"] for line in lines)
