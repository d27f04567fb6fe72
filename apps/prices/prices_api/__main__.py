"""Container entry point: `python -m prices_api`.

Exec-form CMD runs this as PID 1 so SIGTERM from ECS reaches uvicorn directly, which then
stops accepting, lets in-flight requests finish for up to GRACEFUL_SHUTDOWN_SECONDS and exits.
Equivalent to `uvicorn prices_api.main:app --host $HOST --port $PORT --no-access-log
--timeout-graceful-shutdown N` without needing a shell to expand the variables.
"""

from __future__ import annotations

import uvicorn

from prices_api.logging_setup import uvicorn_log_config
from prices_api.main import app
from prices_api.settings import Settings


def main() -> None:
    settings = Settings.from_env()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        # Our middleware writes the access log, in JSON, with the app version in it.
        access_log=False,
        log_config=uvicorn_log_config(settings.log_level),
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
        server_header=False,
        # "auto" would log a failing lifespan (e.g. a bad data file) and serve anyway.
        lifespan="on",
    )


if __name__ == "__main__":
    main()
