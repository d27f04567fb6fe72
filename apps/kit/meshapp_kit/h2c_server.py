"""The server of an app configured for `APP_PROTOCOL=http2`: granian, embedded in this process.

A `protocol: http2` service's sidecar speaks h2c with prior knowledge (HTTP/2 without TLS or
Upgrade) to the app, while health checks and curl still speak HTTP/1.1 to the same port. uvicorn
answers HTTP/1.1 only. granian (`http=auto`) answers both on one port and, measured by
bench/h2c_servers.py, serves more requests than uvicorn with either (see apps/README.md).

Embedded rather than granian's own process manager, so the app stays one process that is PID 1 in
its container and keeps the uvicorn path's behaviour: SIGTERM stops accepting, in-flight requests
get GRACEFUL_SHUTDOWN_SECONDS, the app's lifespan shutdown runs, then the process ends by the signal
(status 143). A failing lifespan startup ends it with status 3, as uvicorn's `lifespan="on"` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import uvloop
from granian.constants import HTTPModes, Interfaces
from granian.log import LogLevels
from granian.server.embed import Server
from starlette.types import ASGIApp

from meshapp_kit.identity import AppIdentity
from meshapp_kit.logging_setup import server_log_config
from meshapp_kit.settings import AppSettings

# granian's own logger (its Rust core logs through it too).
GRANIAN_LOGGER = "_granian"
STARTUP_FAILURE_STATUS = 3
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# Connections the kernel queues before accept, as uvicorn's default.
BACKLOG = 2048

logger = logging.getLogger(GRANIAN_LOGGER)


def serve_h2c(app: ASGIApp, settings: AppSettings, identity: AppIdentity) -> None:
    """Serve until SIGTERM/SIGINT, then end the process by that signal; exit 3 if startup fails."""
    server = Server(
        app,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,  # with lifespan: startup and shutdown run as under uvicorn
        http=HTTPModes.auto,
        websockets=False,
        backlog=BACKLOG,
        log_level=LogLevels(settings.log_level.lower()),
        log_dictconfig=server_log_config(identity.service, settings.log_level, GRANIAN_LOGGER),
        # The kit's middleware writes the access log, in JSON, with the app version in it.
        log_access=False,
    )
    received = uvloop.run(_serve_until_signalled(server, settings.graceful_shutdown_seconds))
    if received is None:
        raise SystemExit(STARTUP_FAILURE_STATUS)
    _end_by(received)


def _end_by(signum: signal.Signals) -> None:
    """As uvicorn does: end by the signal, so ECS and shells see how the process stopped."""
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)


async def _serve_until_signalled(server: Server, grace_seconds: int) -> signal.Signals | None:
    """The stop signal received, or None when the server ended by itself (the app's startup failed)."""
    loop = asyncio.get_running_loop()
    stop_requested: asyncio.Future[signal.Signals] = loop.create_future()

    def request_stop(signum: signal.Signals) -> None:
        if not stop_requested.done():
            logger.info("stopping: no new connections, in-flight requests get %ss", grace_seconds)
            stop_requested.set_result(signum)
            server.stop()

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, request_stop, signum)
    serving = asyncio.ensure_future(server.serve())
    try:
        await asyncio.wait({serving, stop_requested}, return_when=asyncio.FIRST_COMPLETED)
        if not stop_requested.done():
            # granian has logged why (the app's lifespan error) before giving up.
            with contextlib.suppress(Exception):
                serving.result()
            logger.error("the server stopped without a stop signal (see the error above); exiting")
            return None
        _, pending = await asyncio.wait({serving}, timeout=grace_seconds)
        if pending:
            # Ended here and now: unwinding the server under its still-draining core would only
            # add noise to the log, and the lifespan shutdown cannot wait for those requests either.
            logger.warning("in-flight requests did not finish within %ss; stopping anyway", grace_seconds)
            _end_by(stop_requested.result())
        return stop_requested.result()
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)
