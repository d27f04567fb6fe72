"""meshapp_kit.build_app on an app of its own (no catalogue, no callee): the error shape, HEAD,
GET /health and the access log, where they do not depend on Products or Prices."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from meshapp_kit.errors import ApiError
from meshapp_kit.factory import build_app
from meshapp_kit.identity import AppIdentity
from meshapp_kit.routing import PathId, get_and_head, not_found
from meshapp_kit.settings import AppSettings

IDENTITY = AppIdentity(package="kit_demo_api", service="kit-demo", title="Kit Demo API")
router = APIRouter(tags=["items"])


@get_and_head(router, "/items/{item_id}", responses=not_found("Unknown item"))
async def get_item(item_id: PathId) -> dict[str, str]:
    if item_id != "a":
        raise ApiError(404, "item_not_found", f"no item {item_id!r}")
    return {"id": item_id}


@router.get("/stream")
async def broken_stream() -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        yield b"first chunk"
        raise RuntimeError("broken mid-body")

    return StreamingResponse(body())


@asynccontextmanager
async def no_state(_: FastAPI) -> AsyncIterator[None]:
    yield


def kit_client() -> TestClient:
    """Built inside the test that reads stdout: the kit's log handler keeps the sys.stdout of the
    moment the app is built, and pytest's capture replaces it between setup and call."""
    app = build_app(IDENTITY, AppSettings(app_version="k-1"), router, no_state)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with kit_client() as client:
        yield client


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/items/b", 404, "item_not_found"),
        ("GET", "/nowhere", 404, "not_found"),
        ("POST", "/items/a", 405, "method_not_allowed"),
        ("GET", "/items/" + "x" * 65, 422, "validation_error"),
    ],
    ids=["api-error", "no-route", "wrong-method", "id-too-long"],
)
def test_every_failure_has_the_shared_error_shape_and_the_version(
    client: TestClient, method: str, path: str, status: int, code: str
) -> None:
    # GIVEN an app built by the kit WHEN a request fails in any of the ways the kit handles
    response = client.request(method, path)
    # THEN the answer is {"error": {"code", "message", ...}} in JSON, with x-app-version
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == code
    assert isinstance(response.json()["error"]["message"], str)
    assert response.headers["x-app-version"] == "k-1"


def test_wrong_method_keeps_the_allow_header(client: TestClient) -> None:
    # The error handler passes the framework's headers on. Which methods Allow names is
    # Starlette's choice (the first route matching the path), so only their range is checked.
    allowed = client.post("/items/a").headers["allow"].split(", ")
    assert allowed and set(allowed) <= {"GET", "HEAD"}


def test_health_and_head_come_from_the_kit(client: TestClient) -> None:
    # GIVEN an app whose router has no /health WHEN probed THEN the kit's /health answers
    assert client.get("/health").json() == {"status": "ok", "version": "k-1"}
    # AND every get_and_head route answers HEAD with an empty body
    assert (client.head("/items/a").status_code, client.head("/items/a").content) == (200, b"")


def test_openapi_lists_get_only_and_documents_the_404(client: TestClient) -> None:
    operations = client.get("/openapi.json").json()["paths"]["/items/{item_id}"]
    assert set(operations) == {"get"}
    assert operations["get"]["responses"]["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    assert operations["get"]["tags"] == ["items"]


def test_error_after_the_response_started_is_logged_and_the_access_line_keeps_its_status(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a handler whose body fails after the status line went out
    with kit_client() as client:
        # WHEN it is requested
        client.get("/stream")
    lines = _lines(capsys.readouterr().out)
    # THEN the failure is logged with its traceback, under the app's access logger
    [error] = [line for line in lines if line["level"] == "error"]
    assert error["message"] == "unhandled error after the response started"
    assert "broken mid-body" in str(error["exc"])
    assert error["logger"] == "kit_demo_api.access"
    # AND the access line says what the client got: the 200 already sent, not a 500
    [access] = [line for line in lines if line["message"] == "request"]
    assert (access["path"], access["status"], access["service"]) == ("/stream", 200, "kit-demo")


def test_lifespan_events_write_no_access_line(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN an app started and stopped without a request (only lifespan messages reach it)
    with TestClient(build_app(IDENTITY, AppSettings(), router, no_state)):
        pass
    # THEN the access log stays silent: only http requests are logged
    assert capsys.readouterr().out == ""
