"""Client for the Prices API, called through the mesh.

A price is an enrichment, not a requirement: every failure here becomes a `PriceLookup`
that says why the price is missing, never an exception the caller has to handle.

No retries here on purpose: the mesh route owns the retry policy, and retrying in both
places multiplies the load on a struggling Prices service.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from products_api.logging_setup import LOGGER_NAME

logger = logging.getLogger(f"{LOGGER_NAME}.prices_client")


class PriceStatus(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


class Price(BaseModel):
    """The price as Products shows it: integer cents and an ISO 4217 currency."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, frozen=True)

    amount_cents: int = Field(ge=0, examples=[1299])
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["USD"])


class _PricePayload(Price):
    # Tolerant reader: fields Prices adds later must not break us (extra is ignored).
    product_id: str


class _ErrorPayload(BaseModel):
    class _Error(BaseModel):
        code: str

    error: _Error


@dataclass(frozen=True)
class PriceLookup:
    status: PriceStatus
    price: Price | None = None
    reason: str | None = None
    # Prices' x-app-version, so a canary split is visible from the Products side too.
    upstream_version: str | None = None


def build_http_client(*, timeout_seconds: float, user_agent: str) -> httpx.AsyncClient:
    """The one AsyncClient the app shares (connection pooling); created in the lifespan."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_seconds),
        # Keep trust_env on: HTTP_PROXY is how the local mesh puts its Envoy egress listener
        # in the path of plain-http calls. On Fargate it is unset and iptables intercepts.
        trust_env=True,
        follow_redirects=False,
        headers={"user-agent": user_agent},
    )


class PricesClient:
    def __init__(self, http: httpx.AsyncClient, *, base_url: str, timeout_seconds: float) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout_seconds

    async def get_price(self, product_id: str, *, request_id: str | None = None) -> PriceLookup:
        url = f"{self._base_url}/v1/prices/{quote(product_id, safe='')}"
        headers = {"x-request-id": request_id} if request_id else None
        try:
            # httpx's timeout applies to each phase (connect, each read...); this caps the
            # whole call, so a response that trickles in cannot hold the request hostage.
            async with asyncio.timeout(self._timeout):
                response = await self._http.get(url, headers=headers)
        except (TimeoutError, httpx.TimeoutException):
            return self._unavailable(product_id, f"prices timed out after {self._timeout:g}s")
        except httpx.HTTPError as exc:
            # Connection refused, DNS failure, reset, protocol error, bad proxy...
            return self._unavailable(product_id, f"prices unreachable ({type(exc).__name__})")
        return self._interpret(product_id, response)

    def _interpret(self, product_id: str, response: httpx.Response) -> PriceLookup:
        version = response.headers.get("x-app-version")
        if response.status_code == 200:
            try:
                payload = _PricePayload.model_validate_json(response.content)
            except ValidationError:
                return self._unavailable(product_id, "invalid response from prices", version)
            if payload.product_id != product_id:
                return self._unavailable(product_id, "prices answered for another product", version)
            price = Price(amount_cents=payload.amount_cents, currency=payload.currency)
            return PriceLookup(PriceStatus.OK, price=price, upstream_version=version)

        if response.status_code == 404 and _error_code(response) == "price_not_found":
            return PriceLookup(
                PriceStatus.NOT_FOUND, reason="no price for this product", upstream_version=version
            )
        # Any other 404 is not Prices saying "no price": Envoy answers a bare 404 when no
        # route matches, so treat it as a fault, not as a product without a price.
        return self._unavailable(product_id, f"prices returned HTTP {response.status_code}", version)

    @staticmethod
    def _unavailable(product_id: str, reason: str, version: str | None = None) -> PriceLookup:
        logger.warning("price unavailable", extra={"fields": {"product_id": product_id, "reason": reason}})
        return PriceLookup(PriceStatus.UNAVAILABLE, reason=reason, upstream_version=version)


def _error_code(response: httpx.Response) -> str | None:
    try:
        return _ErrorPayload.model_validate_json(response.content).error.code
    except ValidationError:
        return None
