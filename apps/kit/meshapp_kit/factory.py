"""build_app: a FastAPI app with the kit wired in; the app brings its routes and lifespan."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import APIRouter, FastAPI

from meshapp_kit.access_log import AccessLogMiddleware
from meshapp_kit.errors import install_error_handlers
from meshapp_kit.identity import AppIdentity
from meshapp_kit.logging_setup import configure_logging
from meshapp_kit.routing import health_router
from meshapp_kit.settings import AppSettings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def build_app(identity: AppIdentity, settings: AppSettings, router: APIRouter, lifespan: Lifespan) -> FastAPI:
    """JSON logs, the access log and x-app-version, the shared error shape, GET /health, then the
    app's own routes. `settings` is reachable from handlers as `request.app.state.settings`."""
    configure_logging(identity, settings.log_level)

    app = FastAPI(title=identity.title, version=settings.app_version, lifespan=lifespan)
    app.state.settings = settings
    app.add_middleware(
        AccessLogMiddleware,
        version=settings.app_version,
        logger=logging.getLogger(f"{identity.package}.access"),
    )
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(router)
    return app
