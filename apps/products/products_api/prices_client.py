"""Client for the Prices API, called through the mesh.

A price is an enrichment, not a requirement: every failure here becomes a `PriceLookup`
that says why the price is missing, never an exception the caller has to handle.

No retries here on purpose: the mesh route owns the retry policy, and retrying in both
places multiplies the load on a struggling Prices service.

The HTTP client is aiohttp: this call is most of a product detail's cost, and httpx (httpcore's
pool) measured about ten times aiohttp's CPU per call at 16 in flight, which held the detail
endpoint to 7-20 % of what Prices serves in bench/apps_rps.py (see apps/README.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote, urlsplit
from urllib.request import getproxies_environment, proxy_bypass_environment

import aiohttp
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
# Idle pooled connections are closed after this, as before with httpx.
KEEPALIVE_SECONDS = 5.0


def build_http_timeout(timeout_seconds: float) -> aiohttp.ClientTimeout:
    """Every phase of a call to Prices gets PRICES_TIMEOUT_SECONDS.

    `connect` bounds waiting for a pooled connection plus opening one, `sock_connect` the TCP
    connect alone, `sock_read` each read of the (small, single-read) answer. No `total`: these
    per-phase bounds are what bound a call, as they did with httpx; the request itself is a bodiless
    GET that the socket buffer takes at once. Never wrap the call in asyncio.timeout / wait_for
    either: cancelling an HTTP client mid-request is what once wedged the pool (encode/httpcore#1093),
    and tests/apps/test_prices_client_pool.py guards against any client doing so.
    """
    return aiohttp.ClientTimeout(
        total=None, connect=timeout_seconds, sock_connect=timeout_seconds, sock_read=timeout_seconds
    )


def build_http_session(
    *, timeout_seconds: float, user_agent: str, max_connections: int = MAX_CONNECTIONS
) -> aiohttp.ClientSession:
    """The one session the app shares (connection pooling); created in the lifespan, on its loop."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=max_connections, keepalive_timeout=KEEPALIVE_SECONDS),
        timeout=build_http_timeout(timeout_seconds),
        headers={"user-agent": user_agent},
        # The proxy is resolved once per client (proxy_for), not from the environment per request.
        trust_env=False,
    )


def proxy_for(url: str) -> str | None:
    """The proxy for `url` from HTTP_PROXY / ALL_PROXY and NO_PROXY (either case, as urllib reads
    them), or None.

    This is how the local mesh puts its Envoy egress listener in the path of plain-http calls; on
    Fargate none is set and iptables intercepts. Read once: the base URL never changes at runtime.
    """
    proxies = getproxies_environment()
    parts = urlsplit(url)
    if proxy_bypass_environment(parts.hostname or "", proxies):
        return None
    return proxies.get(parts.scheme) or proxies.get("all")


class PricesClient:
    def __init__(self, http: aiohttp.ClientSession, *, base_url: str, timeout_seconds: float) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout_seconds
        self._proxy = proxy_for(self._base_url)

    async def get_price(self, product_id: str, *, request_id: str | None = None) -> PriceLookup:
        headers = {"x-request-id": request_id} if _is_forwardable_request_id(request_id) else None
        url = f"{self._base_url}/v1/prices/{quote(product_id, safe='')}"
        try:
            # Bounded by the session's per-phase timeouts only (see build_http_timeout).
            async with self._http.get(
                url, headers=headers, proxy=self._proxy, allow_redirects=False
            ) as response:
                answer = _Answer(
                    response.status, response.headers.get("x-app-version"), await response.read()
                )
        except TimeoutError:
            return self._unavailable(product_id, f"prices timed out after {self._timeout:g}s")
        except (aiohttp.InvalidURL, ValueError):
            # Settings validation should make this unreachable; never a 500 all the same.
            return self._unavailable(product_id, "invalid prices URL")
        except aiohttp.ClientError as exc:
            # Connection refused, DNS failure, reset, protocol error, bad proxy...
            return self._unavailable(product_id, f"prices unreachable ({type(exc).__name__})")
        return self._interpret(product_id, answer)

    def _interpret(self, product_id: str, answer: _Answer) -> PriceLookup:
        version = answer.version
        if answer.status == 200:
            try:
                payload = _PricePayload.model_validate_json(answer.body)
            except ValidationError:
                return self._unavailable(product_id, "invalid response from prices", version)
            if payload.product_id != product_id:
                return self._unavailable(product_id, "prices answered for another product", version)
            price = Price(amount_cents=payload.amount_cents, currency=payload.currency)
            return PriceLookup(PriceStatus.OK, price=price, upstream_version=version)

        if answer.status == 404 and _error_code(answer.body) == "price_not_found":
            return PriceLookup(
                PriceStatus.NOT_FOUND, reason="no price for this product", upstream_version=version
            )
        # Any other 404 is not Prices saying "no price": Envoy answers a bare 404 when no
        # route matches, so treat it as a fault, not as a product without a price.
        return self._unavailable(product_id, f"prices returned HTTP {answer.status}", version)

    @staticmethod
    def _unavailable(product_id: str, reason: str, version: str | None = None) -> PriceLookup:
        logger.warning("price unavailable", extra={"fields": {"product_id": product_id, "reason": reason}})
        return PriceLookup(PriceStatus.UNAVAILABLE, reason=reason, upstream_version=version)


MAX_REQUEST_ID_LENGTH = 200


def _is_forwardable_request_id(request_id: str | None) -> bool:
    # Headers go out as ASCII and clients raise on anything else: pass on only printable
    # ASCII of a sane length; an odd id is dropped rather than failing the lookup.
    return (
        bool(request_id)
        and len(request_id) <= MAX_REQUEST_ID_LENGTH
        and all(" " <= ch <= "~" for ch in request_id)
    )


@dataclass(frozen=True)
class _Answer:
    """What Products uses of Prices' response, read in full while the connection is held."""

    status: int
    version: str | None  # Prices' x-app-version
    body: bytes


def _error_code(body: bytes) -> str | None:
    try:
        return _ErrorPayload.model_validate_json(body).error.code
    except ValidationError:
        return None
