"""The ASGI app. `app` is what uvicorn serves; tests build their own with `create_app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from prices_api.access_log import AccessLogMiddleware
from prices_api.catalog import PriceCatalog
from prices_api.errors import install_error_handlers
from prices_api.logging_setup import LOGGER_NAME, configure_logging
from prices_api.routes import router
from prices_api.settings import Settings

logger = logging.getLogger(LOGGER_NAME)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Loaded here, not at import, so a bad data file fails startup loudly and tests stay cheap.
    app.state.catalog = PriceCatalog.from_bundled_data()
    logger.info("started", extra={"fields": {"prices": len(app.state.catalog)}})
    yield
    logger.info("stopping")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)

    app = FastAPI(title="Prices API", version=settings.app_version, lifespan=lifespan)
    app.state.settings = settings
    app.add_middleware(AccessLogMiddleware, version=settings.app_version)
    install_error_handlers(app)
    app.include_router(router)
    return app


app = create_app()
