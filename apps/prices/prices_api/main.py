"""The ASGI app. `app` is what uvicorn serves; tests build their own with `create_app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from meshapp_kit.bundled import bundled_text
from meshapp_kit.factory import build_app
from meshapp_kit.identity import AppIdentity

from prices_api.catalog import PriceCatalog
from prices_api.routes import router
from prices_api.settings import Settings

IDENTITY = AppIdentity(package="prices_api", service="prices", title="Prices API")
logger = logging.getLogger(IDENTITY.package)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Loaded here, not at import, so a bad data file fails startup loudly and tests stay cheap.
    app.state.catalog = PriceCatalog.from_json(bundled_text(IDENTITY.package, "prices.json"))
    logger.info("started", extra={"fields": {"prices": len(app.state.catalog)}})
    yield
    logger.info("stopping")


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(IDENTITY, settings or Settings.from_env(), router, lifespan)


app = create_app()
