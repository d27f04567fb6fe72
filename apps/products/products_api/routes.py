"""HTTP endpoints. Handlers are `async def` so FastAPI does not hop to a thread per request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from meshapp_kit.errors import ApiError
from meshapp_kit.routing import PathId, get_and_head, not_found
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from products_api.catalog import Product, ProductCatalog
from products_api.prices_client import Price, PricesClient, PriceStatus

router = APIRouter(tags=["products"])

MAX_LIMIT = 100


class ProductList(BaseModel):
    items: list[Product]
    total: int
    limit: int
    offset: int


class ProductDetail(Product):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True)

    price: Price | None
    price_status: PriceStatus
    # Why the price is missing (None when priceStatus is "ok").
    price_reason: str | None
    prices_version: str | None


async def get_catalog(request: Request) -> ProductCatalog:
    return request.app.state.catalog


async def get_prices(request: Request) -> PricesClient:
    return request.app.state.prices


CatalogDep = Annotated[ProductCatalog, Depends(get_catalog)]
PricesDep = Annotated[PricesClient, Depends(get_prices)]


@get_and_head(router, "/v1/products")
async def list_products(
    catalog: CatalogDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ProductList:
    # No prices in the list: one Prices call per row would turn a page into 100 requests.
    return ProductList(
        items=catalog.page(limit=limit, offset=offset),
        total=len(catalog),
        limit=limit,
        offset=offset,
    )


@get_and_head(router, "/v1/products/{product_id}", responses=not_found("Unknown product"))
async def get_product(
    catalog: CatalogDep,
    prices: PricesDep,
    product_id: PathId,
    x_request_id: Annotated[str | None, Header()] = None,
) -> ProductDetail:
    product = catalog.get(product_id)
    if product is None:
        raise ApiError(404, "product_not_found", f"no product with id {product_id!r}")
    # Only known ids reach Prices, so a crafted path segment never becomes an upstream URL.
    lookup = await prices.get_price(product.id, request_id=x_request_id)
    return ProductDetail(
        **product.model_dump(),
        price=lookup.price,
        price_status=lookup.status,
        price_reason=lookup.reason,
        prices_version=lookup.upstream_version,
    )
