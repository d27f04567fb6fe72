"""What an app's `python -m <package>` runs: uvicorn on HOST:PORT, configured for a container.

Equivalent to `uvicorn <package>.main:app --host $HOST --port $PORT --no-access-log
--timeout-graceful-shutdown N`, without needing a shell to expand the variables. Run as PID 1
(exec-form CMD), it receives ECS's SIGTERM itself: uvicorn stops accepting, lets in-flight
requests finish for up to GRACEFUL_SHUTDOWN_SECONDS and exits.
"""

from __future__ import annotations

from collections.abc import Callable

import uvicorn
from starlette.types import ASGIApp

from meshapp_kit.identity import AppIdentity
from meshapp_kit.logging_setup import uvicorn_log_config
from meshapp_kit.settings import AppSettings


def serve(app: ASGIApp, settings: AppSettings, identity: AppIdentity) -> None:
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
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
