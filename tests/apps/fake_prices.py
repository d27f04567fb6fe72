"""A fake Prices on 127.0.0.1 for the Products tests: real HTTP, so the client, its pool, its timeouts
and its proxy handling all run as in production.

Routes are declared per path, as with a mocking router: `prices.get("/v1/prices/p-001").respond(200,
json=...)`, `.hang()` (never answers while the test runs) or `.drop()` (closes the connection without
an answer). A request to an undeclared path is answered 599 and recorded in `unexpected`, which the
fixture checks at the end. Requests may arrive directly or through it as an HTTP proxy (absolute-form
target): routes match on the path either way, and each call records the target and headers as sent.
"""

from __future__ import annotations

import json as jsonlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

# Long enough for any client timeout under test, short enough that a forgotten release cannot hang CI.
HANG_LIMIT_S = 10.0
UNDECLARED_STATUS = 599


@dataclass(frozen=True)
class Call:
    method: str
    target: str  # as on the request line: "/v1/..." directly, "http://host:port/v1/..." via a proxy
    headers: dict[str, str]  # names lower-cased


@dataclass
class Route:
    path: str
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    behaviour: str = "respond"  # or "hang", "drop"
    calls: list[Call] = field(default_factory=list)

    def respond(
        self,
        status: int = 200,
        *,
        json: Any = None,
        text: str | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Route:
        self.behaviour, self.status, self.headers = "respond", status, dict(headers or {})
        if json is not None:
            self.body = jsonlib.dumps(json).encode()
            self.headers.setdefault("content-type", "application/json")
        else:
            self.body = content if content is not None else (text or "").encode()
        return self

    def hang(self) -> Route:
        self.behaviour = "hang"
        return self

    def drop(self) -> Route:
        self.behaviour = "drop"
        return self

    @property
    def call_count(self) -> int:
        return len(self.calls)

    @property
    def called(self) -> bool:
        return bool(self.calls)

    @property
    def last(self) -> Call:
        return self.calls[-1]


class FakePrices(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.calls: list[Call] = []
        self.unexpected: list[Call] = []
        self.released = threading.Event()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def get(self, path: str) -> Route:
        self.routes[path] = Route(path)
        return self.routes[path]

    def start(self) -> FakePrices:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=2)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (timeout) makes the late write fail: expected, not a test failure.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakePrices

    def do_GET(self) -> None:
        call = Call(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
        self.server.calls.append(call)
        route = self.server.routes.get(urlsplit(self.path).path)
        if route is None:
            self.server.unexpected.append(call)
            self._answer(UNDECLARED_STATUS, b"undeclared route", {})
            return
        route.calls.append(call)
        if route.behaviour == "hang":
            self.server.released.wait(HANG_LIMIT_S)
            self.close_connection = True
        elif route.behaviour == "drop":
            self.close_connection = True
        else:
            self._answer(route.status, route.body, route.headers)

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass
