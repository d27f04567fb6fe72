"""HTTP endpoints. Handlers are `async def` so FastAPI does not hop to a thread per request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from meshapp_kit.errors import ApiError
from meshapp_kit.routing import PathId, get_and_head, not_found
from pydantic import BaseModel

from prices_api.catalog import Price, PriceCatalog

router = APIRouter(tags=["prices"])


class PriceList(BaseModel):
    items: list[Price]


async def get_catalog(request: Request) -> PriceCatalog:
    return request.app.state.catalog


CatalogDep = Annotated[PriceCatalog, Depends(get_catalog)]


@get_and_head(router, "/v1/prices")
async def list_prices(
    catalog: CatalogDep,
    currency: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Za-z]{3}$",
            description=(
                "ISO 4217 code, case-insensitive. A well-formed code that no price uses "
                "gives an empty list; a malformed one gives 422."
            ),
        ),
    ] = None,
) -> PriceList:
    return PriceList(items=catalog.list(currency.upper() if currency else None))


@get_and_head(router, "/v1/prices/{product_id}", responses=not_found("No price for this product"))
async def get_price(
    catalog: CatalogDep,
    product_id: PathId,
) -> Price:
    price = catalog.get(product_id)
    if price is None:
        raise ApiError(404, "price_not_found", f"no price for product {product_id!r}")
    return price
