"""A local authoritative DNS server for the Cloud Map names of a mesh (UDP and TCP, one thread each).

On Fargate, Envoy's STRICT_DNS clusters resolve names such as `products-v1.shop.local` through the
VPC's resolver, which answers from Cloud Map's private namespace. On this machine this server takes
that place: point Envoy's c-ares resolver at `server.address` and the bootstrap shipped to AWS
resolves the same names here. What it answers, and why, is in dns_zone.py.

    with LocalDnsServer("shop.local", {"products-v1.shop.local": ["127.9.8.10", "127.9.8.11"]},
                        host="127.9.8.53", ttl=1) as server:
        ...  # Envoy resolves products-v1.shop.local through server.address
        server.set_records({"products-v1.shop.local": ["127.9.8.11"]})  # a task stopped

Bind it to a loopback address of its own (127.0.0.0/8 is all loopback on Linux) to serve port 53,
or to any free port: with port 0 the kernel picks one that is free for both UDP and TCP.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import socketserver
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from fargate_mesh.localmesh.dns_zone import (
    ROUTE53_MULTIVALUE_LIMIT,
    UDP_PAYLOAD_LIMIT,
    Zone,
    answer,
    name_text,
    read_question,
)

# A TCP client that sends nothing for this long is dropped, so stop() never waits on one.
_TCP_IDLE_SECONDS = 5.0
_QUERY_LOG_SIZE = 10_000


@dataclass(frozen=True)
class Query:
    """One question the server was asked (for tests and diagnostics)."""

    name: str
    qtype: int
    transport: str  # "udp" or "tcp"


class LocalDnsServer:
    """Authoritative for one zone; `set_records` replaces the answers at any time, thread-safely."""

    def __init__(
        self,
        zone: str,
        records: Mapping[str, Iterable[str]] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ttl: int = 5,
        max_answers: int | None = ROUTE53_MULTIVALUE_LIMIT,
    ) -> None:
        self._apex, self._ttl, self._max_answers = zone, ttl, max_answers
        self._zone = Zone.build(zone, records or {}, ttl, max_answers)
        self._host, self._port = host, port
        self._log: deque[Query] = deque(maxlen=_QUERY_LOG_SIZE)
        self._udp: _UdpServer | None = None
        self._tcp: _TcpServer | None = None
        self._threads: list[threading.Thread] = []

    # -- records ---------------------------------------------------------------------------------

    @property
    def zone(self) -> Zone:
        return self._zone

    def set_records(self, records: Mapping[str, Iterable[str]]) -> None:
        """Replace every record (ValueError naming each bad entry; the old records then stay)."""
        self._zone = Zone.build(self._apex, records, self._ttl, self._max_answers, self._zone.serial + 1)

    def queries(self, name: str | None = None) -> list[Query]:
        """The questions received so far (the last 10,000), optionally only those for `name`."""
        wanted = None if name is None else name.rstrip(".").lower()
        return [q for q in list(self._log) if wanted is None or q.name == wanted]

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) it serves on, UDP and TCP alike; the port is known once started."""
        if self._udp is None:
            raise RuntimeError("the DNS server is not started")
        return self._host, self._port

    def start(self) -> Self:
        if self._udp is not None:
            raise RuntimeError("the DNS server is already started")
        self._udp, self._tcp = self._bind()
        self._port = self._udp.server_address[1]
        for server, kind in ((self._udp, "udp"), (self._tcp, "tcp")):
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"dns-{kind}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop serving and release both sockets; safe to call twice."""
        for server in (self._udp, self._tcp):
            if server is not None:
                server.shutdown()
                server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._udp = self._tcp = None
        self._threads = []

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def _bind(self) -> tuple[_UdpServer, _TcpServer]:
        # With port 0, UDP gets a port from the kernel and TCP must get the same one; retry if taken.
        for _ in range(20 if self._port == 0 else 1):
            udp = _UdpServer((self._host, self._port), self)
            try:
                return udp, _TcpServer((self._host, udp.server_address[1]), self)
            except OSError as err:
                udp.server_close()
                if err.errno != errno.EADDRINUSE or self._port != 0:
                    raise
        raise OSError(errno.EADDRINUSE, f"no port on {self._host} free for both UDP and TCP")

    # -- serving ---------------------------------------------------------------------------------

    def _handle(self, query: bytes, transport: str) -> bytes | None:
        question = read_question(query)
        if question is not None:
            self._log.append(Query(name_text(question.name), question.qtype, transport))
        return answer(query, self._zone, UDP_PAYLOAD_LIMIT if transport == "udp" else None)


class _UdpServer(socketserver.UDPServer):
    def __init__(self, address: tuple[str, int], dns: LocalDnsServer) -> None:
        self.dns = dns
        super().__init__(address, _UdpHandler)


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True  # a restart must not wait for TIME_WAIT connections

    def __init__(self, address: tuple[str, int], dns: LocalDnsServer) -> None:
        self.dns = dns
        super().__init__(address, _TcpHandler)


class _UdpHandler(socketserver.BaseRequestHandler):
    server: _UdpServer

    def handle(self) -> None:
        query, sock = self.request
        response = self.server.dns._handle(query, "udp")
        if response is not None:
            with contextlib.suppress(OSError):  # the client went away
                sock.sendto(response, self.client_address)


class _TcpHandler(socketserver.BaseRequestHandler):
    """Messages prefixed by their 2-byte length (RFC 1035 §4.2.2), several per connection."""

    server: _TcpServer

    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.settimeout(_TCP_IDLE_SECONDS)
        with contextlib.suppress(OSError):  # timeouts and resets end the connection
            while True:
                prefix = _read_exactly(conn, 2)
                query = _read_exactly(conn, int.from_bytes(prefix, "big")) if prefix else b""
                if not query:
                    return
                response = self.server.dns._handle(query, "tcp")
                if response is None:
                    return
                conn.sendall(len(response).to_bytes(2, "big") + response)


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    """`size` bytes, or b"" when the peer closes first."""
    chunks, missing = [], size
    while missing:
        chunk = conn.recv(missing)
        if not chunk:
            return b""
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)
