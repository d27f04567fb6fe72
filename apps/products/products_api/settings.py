"""Runtime settings, read from environment variables once at startup."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        # Fail at startup with the variable's name rather than deep inside uvicorn.
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


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
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name} must be an http(s) URL such as {default!r}, got {raw!r}")
    return raw.rstrip("/")


@dataclass(frozen=True)
class Settings:
    app_version: str = "dev"
    log_level: str = "INFO"
    # All interfaces: in a task the sidecar, the load balancer and health checks must reach us.
    host: str = "0.0.0.0"
    port: int = 8080
    graceful_shutdown_seconds: int = 10
    # The mesh's name for Prices (Cloud Map namespace shop.local), not a task address:
    # Envoy resolves it and applies the route, retries and canary weights.
    prices_base_url: str = "http://prices.shop.local:8080"
    prices_timeout_seconds: float = 1.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            app_version=env.get("APP_VERSION", "").strip() or cls.app_version,
            log_level=env.get("LOG_LEVEL", "").strip().upper() or cls.log_level,
            host=env.get("HOST", "").strip() or cls.host,
            port=_int_env(env, "PORT", cls.port),
            graceful_shutdown_seconds=_int_env(
                env, "GRACEFUL_SHUTDOWN_SECONDS", cls.graceful_shutdown_seconds
            ),
            prices_base_url=_base_url_env(env, "PRICES_BASE_URL", cls.prices_base_url),
            prices_timeout_seconds=_seconds_env(env, "PRICES_TIMEOUT_SECONDS", cls.prices_timeout_seconds),
        )
