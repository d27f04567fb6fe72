"""Local ports: pick free ones for every listener, and check that a port is (still) free."""

from __future__ import annotations

import errno
import random
import socket


class PortUnavailableError(RuntimeError):
    """A port localmesh must listen on cannot be bound; `port` is the one asked for."""

    def __init__(self, message: str, port: int) -> None:
        super().__init__(message)
        self.port = port


class PortInUseError(PortUnavailableError):
    """Another process listens on the port."""


class PortNeedsPrivilegesError(PortUnavailableError):
    """Binding the port needs privileges this process lacks (ports below 1024, usually)."""


def _bind_error(host: str, port: int) -> OSError | None:
    """Why a new server could not listen on host:port right now, or None when it could.

    SO_REUSEADDR, as servers set it: connections lingering in TIME_WAIT do not count as "in use",
    a listening socket does (also one with SO_REUSEPORT, since we do not set it).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as err:
            if err.errno in (errno.EADDRINUSE, errno.EACCES):
                return err
            raise
    return None


def port_is_free(host: str, port: int) -> bool:
    """True when a new server could listen on host:port right now (see _bind_error)."""
    return _bind_error(host, port) is None


def require_free(host: str, port: int, what: str) -> None:
    """Raise PortInUseError or PortNeedsPrivilegesError, each saying which it is."""
    err = _bind_error(host, port)
    if err is None:
        return
    if err.errno == errno.EACCES:
        raise PortNeedsPrivilegesError(
            f"{what} port {port} on {host} needs privileges: pick a port above 1023", port
        )
    raise PortInUseError(f"{what} port {port} on {host} is already in use", port)


def free_port_near(host: str, port: int, tries: int = 100) -> int | None:
    """The first port from `port` up (and not below 1024) that a server could listen on now."""
    start = max(port, 1024)
    return next((p for p in range(start, min(start + tries, 65536)) if port_is_free(host, p)), None)


# Below the kernel's ephemeral range: a port there is never taken as the source port of an outgoing
# connection (ours, a load test's, a browser's) between the moment we pick it and the moment we bind it.
_LOWEST = 10_000


def ephemeral_range() -> tuple[int, int]:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as f:
            low, high = (int(x) for x in f.read().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default; other systems differ, which only costs the benefit


def _bindable(host: str, port: int) -> bool:
    # Without SO_REUSEADDR: a port with connections in TIME_WAIT is skipped too, to be safe.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class PortAllocator:
    """Hands out distinct free ports, never the same one twice.

    Ports come from below the ephemeral range when it leaves room (see _LOWEST), else from the
    kernel (bind to port 0). A port is released before the process that uses it binds it, so another
    server could take it in between; startup then fails with that process's log, which names the port.
    """

    def __init__(self, host: str = "127.0.0.1", reserved: set[int] | None = None) -> None:
        self.host = host
        self._given: set[int] = set(reserved or ())
        low, _ = ephemeral_range()
        self._span = range(_LOWEST, low) if low - _LOWEST >= 1000 else None
        self._random = random.Random()

    def __call__(self) -> int:
        for _ in range(200):
            port = self._random.choice(self._span) if self._span else self._kernel_port()
            if port not in self._given and _bindable(self.host, port):
                self._given.add(port)
                return port
        raise PortInUseError(f"could not find a free port on {self.host}", 0)

    def _kernel_port(self) -> int:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((self.host, 0))
            return sock.getsockname()[1]
