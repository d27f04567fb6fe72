"""Client for the Prices API, called through the mesh.

A price is an enrichment, not a requirement: every failure here becomes a `PriceLookup`
that says why the price is missing, never an exception the caller has to handle.

No retries here on purpose: the mesh route owns the retry policy, and retrying in both
places multiplies the load on a struggling Prices service.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

logger = logging.getLogger(__name__)


class PriceStatus(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


class Price(BaseModel):
    """The price as Products shows it: integer cents and an ISO 4217 currency."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, frozen=True)

    # Strict: 12.0, "12" or true from Prices is a broken answer, not a price.
    amount_cents: int = Field(ge=0, strict=True, examples=[1299])
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


# Connections to Prices (in practice: to the local Envoy sidecar). Bounded so a slow Prices
# cannot make Products open sockets without limit; requests beyond it wait for the pool timeout.
MAX_CONNECTIONS = 100


def build_http_timeout(timeout_seconds: float) -> httpx.Timeout:
    """Every phase of a call to Prices gets PRICES_TIMEOUT_SECONDS.

    These per-phase timeouts are what bound a call: waiting for a pooled connection, connecting,
    sending, and each read of the (small, single-read) answer. The call is never cancelled from
    outside (no asyncio.timeout / wait_for around it): cancelling httpcore 1.0.9 mid-request
    leaks connections stuck in CONNECTING into the pool (encode/httpcore#1093), and once they
    fill it every later lookup times out although Prices is healthy.
    """
    return httpx.Timeout(
        connect=timeout_seconds,
        read=timeout_seconds,
        write=timeout_seconds,
        pool=timeout_seconds,
    )


def build_http_client(
    *, timeout_seconds: float, user_agent: str, max_connections: int = MAX_CONNECTIONS
) -> httpx.AsyncClient:
    """The one AsyncClient the app shares (connection pooling); created in the lifespan."""
    return httpx.AsyncClient(
        timeout=build_http_timeout(timeout_seconds),
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=5.0,
        ),
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
        headers = {"x-request-id": request_id} if _is_forwardable_request_id(request_id) else None
        try:
            # Built inside the try: a URL httpx rejects must become "unavailable", not a 500.
            request = self._http.build_request(
                "GET", f"{self._base_url}/v1/prices/{quote(product_id, safe='')}", headers=headers
            )
            # Bounded by the client's per-phase timeouts only (see build_http_timeout): never
            # wrap this in asyncio.timeout, which wedges httpcore's pool.
            response = await self._http.send(request)
        except httpx.TimeoutException:
            return self._unavailable(product_id, f"prices timed out after {self._timeout:g}s")
        except httpx.HTTPError as exc:
            # Connection refused, DNS failure, reset, protocol error, bad proxy...
            return self._unavailable(product_id, f"prices unreachable ({type(exc).__name__})")
        except httpx.InvalidURL:
            # Not an HTTPError; settings validation should make this unreachable.
            return self._unavailable(product_id, "invalid prices URL")
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


MAX_REQUEST_ID_LENGTH = 200


def _is_forwardable_request_id(request_id: str | None) -> bool:
    # httpx sends headers as ASCII and raises on anything else: pass on only printable
    # ASCII of a sane length; an odd id is dropped rather than failing the lookup.
    return (
        bool(request_id)
        and len(request_id) <= MAX_REQUEST_ID_LENGTH
        and all(" " <= ch <= "~" for ch in request_id)
    )


def _error_code(response: httpx.Response) -> str | None:
    try:
        return _ErrorPayload.model_validate_json(response.content).error.code
    except ValidationError:
        return None
