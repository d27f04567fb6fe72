"""Runtime settings, read from environment variables once at startup."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        # Fail at startup with the variable's name rather than deep inside uvicorn.
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    app_version: str = "dev"
    log_level: str = "INFO"
    # All interfaces: in a task the sidecar, the load balancer and health checks must reach us.
    host: str = "0.0.0.0"
    port: int = 8080
    graceful_shutdown_seconds: int = 10

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
        )
