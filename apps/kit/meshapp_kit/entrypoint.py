"""What an app's `python -m <package>` runs: the server for APP_PROTOCOL on HOST:PORT, for a container.

APP_PROTOCOL=http (the default): uvicorn with uvloop and httptools, equivalent to `uvicorn
<package>.main:app --host $HOST --port $PORT --no-access-log --timeout-graceful-shutdown N`, without
needing a shell to expand the variables. APP_PROTOCOL=http2: granian, which also answers h2c with
prior knowledge (see meshapp_kit.h2c_server). Either way, run as PID 1 (exec-form CMD) it receives
ECS's SIGTERM itself: it stops accepting, lets in-flight requests finish for up to
GRACEFUL_SHUTDOWN_SECONDS and exits.
"""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from starlette.types import ASGIApp

from meshapp_kit.identity import AppIdentity
from meshapp_kit.logging_setup import uvicorn_log_config
from meshapp_kit.settings import AppSettings


def serve(app: ASGIApp, settings: AppSettings, identity: AppIdentity) -> None:
    if settings.protocol == "http2":
        # Imported here: an HTTP/1.1 app never loads granian.
        from meshapp_kit.h2c_server import serve_h2c

        serve_h2c(app, settings, identity)
        return
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        # Named, not "auto": a missing dependency fails the start instead of silently serving slower.
        loop="uvloop",
        http="httptools",
        # The kit's middleware writes the access log, in JSON, with the app version in it.
        access_log=False,
        log_config=uvicorn_log_config(identity.service, settings.log_level),
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
        server_header=False,
        # "auto" would log a failing lifespan (e.g. a bad data file) and serve anyway.
        lifespan="on",
    )


def entry_point(app: ASGIApp, settings: type[AppSettings], identity: AppIdentity) -> Callable[[], None]:
    """The `main` of an app's __main__: reads the settings from the environment when called."""

    def main() -> None:
        serve(app, settings.from_env(), identity)

    return main
