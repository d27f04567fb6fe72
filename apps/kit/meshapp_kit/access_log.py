"""ASGI middleware: one JSON access-log line per request and the x-app-version header.

Written as plain ASGI rather than BaseHTTPMiddleware: it adds no task or body buffering
per request, which matters on a single small Fargate task.
"""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

VERSION_HEADER = "x-app-version"


class AccessLogMiddleware:
    """`logger` is the app's access logger (`<package>.access`), so each line names its app."""

    def __init__(self, app: ASGIApp, *, version: str, logger: logging.Logger) -> None:
        self.app = app
        self.version = version
        self._logger = logger
        self._version_header = (VERSION_HEADER.encode(), version.encode("latin-1"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()
        # What the client ends up with if the app raises before it starts a response.
        status = 500
        response_started = False

        async def send_with_version(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = [*message.get("headers", []), self._version_header]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_version)
        except Exception:
            if response_started:
                # Too late for an error response; the server closes the connection.
                self._logger.exception("unhandled error after the response started")
                raise
            # Otherwise Starlette would answer text/plain without our header or error shape.
            self._logger.exception("unhandled error", extra={"fields": {"path": scope["path"]}})
            await send_with_version(_INTERNAL_ERROR_START)
            await send_with_version(_INTERNAL_ERROR_BODY)
        finally:
            fields = {
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                "version": self.version,
            }
            # Envoy stamps x-request-id; logging it lets one request be followed across hops.
            request_id = _header(scope, b"x-request-id")
            if request_id is not None:
                fields["request_id"] = request_id
            self._logger.info("request", extra={"fields": fields})


_INTERNAL_ERROR = json.dumps(
    {"error": {"code": "internal_error", "message": "internal server error"}}, separators=(",", ":")
).encode()
_INTERNAL_ERROR_START: Message = {
    "type": "http.response.start",
    "status": 500,
    "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(_INTERNAL_ERROR)).encode()),
    ],
}
_INTERNAL_ERROR_BODY: Message = {"type": "http.response.body", "body": _INTERNAL_ERROR}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None
