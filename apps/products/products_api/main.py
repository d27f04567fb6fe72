"""The ASGI app. `app` is what uvicorn serves; tests build their own with `create_app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from meshapp_kit.bundled import bundled_text
from meshapp_kit.factory import build_app
from meshapp_kit.identity import AppIdentity

from products_api.catalog import ProductCatalog
from products_api.prices_client import PricesClient, build_http_session
from products_api.routes import router
from products_api.settings import Settings

IDENTITY = AppIdentity(package="products_api", service="products", title="Products API")
logger = logging.getLogger(IDENTITY.package)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    # Loaded here, not at import, so a bad data file fails startup loudly and tests stay cheap.
    app.state.catalog = ProductCatalog.from_json(bundled_text(IDENTITY.package, "products.json"))
    http = build_http_session(
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
    return build_app(IDENTITY, settings or Settings.from_env(), router, lifespan)


app = create_app()
