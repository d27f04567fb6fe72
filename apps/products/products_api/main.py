"""The ASGI app. `app` is what uvicorn serves; tests build their own with `create_app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from products_api.access_log import AccessLogMiddleware
from products_api.catalog import ProductCatalog
from products_api.errors import install_error_handlers
from products_api.logging_setup import LOGGER_NAME, configure_logging
from products_api.prices_client import PricesClient, build_http_client
from products_api.routes import router
from products_api.settings import Settings

logger = logging.getLogger(LOGGER_NAME)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    # Loaded here, not at import, so a bad data file fails startup loudly and tests stay cheap.
    app.state.catalog = ProductCatalog.from_bundled_data()
    http = build_http_client(
        timeout_seconds=settings.prices_timeout_seconds,
        user_agent=f"products-api/{settings.app_version}",
    )
    async with http:  # closes pooled connections on shutdown
        app.state.http = http
        app.state.prices = PricesClient(
            http,
            base_url=settings.prices_base_url,
            timeout_seconds=settings.prices_timeout_seconds,
        )
        logger.info(
            "started",
            extra={
                "fields": {
                    "products": len(app.state.catalog),
                    "prices_base_url": settings.prices_base_url,
                    "prices_timeout_seconds": settings.prices_timeout_seconds,
                }
            },
        )
        yield
        logger.info("stopping")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)

    app = FastAPI(title="Products API", version=settings.app_version, lifespan=lifespan)
    app.state.settings = settings
    app.add_middleware(AccessLogMiddleware, version=settings.app_version)
    install_error_handlers(app)
    app.include_router(router)
    return app


app = create_app()
