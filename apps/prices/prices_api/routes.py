"""HTTP endpoints. Handlers are `async def` so FastAPI does not hop to a thread per request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from prices_api.catalog import Price, PriceCatalog
from prices_api.errors import ApiError, ErrorResponse
from prices_api.settings import Settings

router = APIRouter()

F = TypeVar("F", bound=Callable[..., Any])


def get_and_head(path: str, **kwargs: Any) -> Callable[[F], F]:
    """Register a GET route that also answers HEAD (probes and curl -I), without a second
    OpenAPI operation (which would duplicate its operation id)."""

    def decorator(endpoint: F) -> F:
        router.head(path, include_in_schema=False, **kwargs)(endpoint)
        return router.get(path, **kwargs)(endpoint)

    return decorator


class Health(BaseModel):
    status: str
    version: str


class PriceList(BaseModel):
    items: list[Price]


async def get_catalog(request: Request) -> PriceCatalog:
    return request.app.state.catalog


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


CatalogDep = Annotated[PriceCatalog, Depends(get_catalog)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@get_and_head("/health", tags=["ops"])
async def health(settings: SettingsDep) -> Health:
    # No dependencies on purpose: this answers "is the process serving", nothing more.
    return Health(status="ok", version=settings.app_version)


@get_and_head("/v1/prices", tags=["prices"])
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


@get_and_head(
    "/v1/prices/{product_id}",
    tags=["prices"],
    responses={404: {"model": ErrorResponse, "description": "No price for this product"}},
)
async def get_price(
    catalog: CatalogDep,
    product_id: Annotated[str, Path(max_length=64)],
) -> Price:
    price = catalog.get(product_id)
    if price is None:
        raise ApiError(404, "price_not_found", f"no price for product {product_id!r}")
    return price
