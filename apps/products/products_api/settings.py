"""Runtime settings, read from environment variables once at startup."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from meshapp_kit.settings import AppSettings


def _seconds_env(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def _base_url_env(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, "").strip() or default
    problem = None
    parts = urlsplit(raw)
    try:
        parts.port  # noqa: B018 (parsing it is the check: raises on "abc" or 99999)
    except ValueError:
        problem = "a valid port"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problem = "an http(s) scheme and a host name"
    elif parts.query or parts.fragment:
        problem = "no query or fragment"
    elif problem is None and parts.port == 0:
        problem = "a valid port"
    if problem is not None:
        raise ValueError(f"{name} must be an http(s) URL such as {default!r} with {problem}, got {raw!r}")
    return raw.rstrip("/")


@dataclass(frozen=True)
class Settings(AppSettings):
    """What every app reads (see meshapp_kit.settings), and where Prices is."""

    # The mesh's name for Prices (Cloud Map namespace shop.local), not a task address:
    # Envoy resolves it and applies the route, retries and canary weights.
    prices_base_url: str = "http://prices.shop.local:8080"
    prices_timeout_seconds: float = 1.0

    @classmethod
    def fields_from_env(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {
            **super().fields_from_env(env),
            "prices_base_url": _base_url_env(env, "PRICES_BASE_URL", cls.prices_base_url),
            "prices_timeout_seconds": _seconds_env(env, "PRICES_TIMEOUT_SECONDS", cls.prices_timeout_seconds),
        }
