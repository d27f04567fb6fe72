"""Which app is running: the names the kit needs to log and document it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AppIdentity:
    package: str  # the app's import package, e.g. "products_api": the root of its logger names
    service: str  # e.g. "products": the `service` field of every log line
    title: str  # e.g. "Products API": the OpenAPI title
