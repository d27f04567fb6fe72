"""Routing helpers every app uses, and the one route every app has: GET /health."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from meshapp_kit.errors import ErrorResponse

F = TypeVar("F", bound=Callable[..., Any])

# A record's id in the path, bounded so a crafted segment cannot grow logs or upstream URLs.
PathId = Annotated[str, Path(max_length=64)]


def get_and_head(router: APIRouter, path: str, **kwargs: Any) -> Callable[[F], F]:
    """Register a GET route that also answers HEAD (probes and curl -I), without a second
    OpenAPI operation (which would duplicate its operation id)."""

    def decorator(endpoint: F) -> F:
        router.head(path, include_in_schema=False, **kwargs)(endpoint)
        return router.get(path, **kwargs)(endpoint)

    return decorator


def not_found(description: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` of a route that answers 404 in the shared error shape."""
    return {404: {"model": ErrorResponse, "description": description}}


class Health(BaseModel):
    status: str
    version: str


health_router = APIRouter()


@get_and_head(health_router, "/health", tags=["ops"])
async def health(request: Request) -> Health:
    # Checks nothing but the process on purpose: a callee's outage must not get this app's
    # healthy tasks killed by their health checks.
    return Health(status="ok", version=request.app.state.settings.app_version)
