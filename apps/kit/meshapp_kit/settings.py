"""Runtime settings every app reads from its environment once at startup.

An app with settings of its own subclasses AppSettings (as a frozen dataclass) and extends
`fields_from_env`; `from_env` then builds the subclass. A malformed value stops the app at startup
with the variable's name in the error, rather than failing deep inside uvicorn.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
# What the app speaks to its sidecar: the mesh sets APP_PROTOCOL from the service's `protocol`.
# "http2": h2c with prior knowledge (and HTTP/1.1 on the same port); "http": HTTP/1.1 only.
PROTOCOLS = ("http", "http2")
_MAX_VERSION_LENGTH = 64


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


def _port_env(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int_env(env, name, default)
    if not 1 <= value <= 65535:
        raise ValueError(f"{name} must be a port number in 1..65535, got {value}")
    return value


def _non_negative_int_env(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int_env(env, name, default)
    if value < 0:
        raise ValueError(f"{name} must be zero or more, got {value}")
    return value


def _log_level_env(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip().upper() or default
    if value not in _LOG_LEVELS:
        raise ValueError(f"{name} must be one of {', '.join(_LOG_LEVELS)}, got {value!r}")
    return value


def _version_env(env: Mapping[str, str], name: str, default: str) -> str:
    # Sent as a response header and logged: printable ASCII only, so it can never break
    # header encoding or smuggle a line break.
    value = env.get(name, "").strip() or default
    if len(value) > _MAX_VERSION_LENGTH or not all(" " <= ch <= "~" for ch in value):
        raise ValueError(
            f"{name} must be printable ASCII of at most {_MAX_VERSION_LENGTH} characters, got {value!r}"
        )
    return value


def _protocol_env(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip().lower() or default
    if value not in PROTOCOLS:
        raise ValueError(f"{name} must be one of {', '.join(PROTOCOLS)}, got {value!r}")
    return value


@dataclass(frozen=True)
class AppSettings:
    app_version: str = "dev"
    log_level: str = "INFO"
    # All interfaces: in a task the sidecar, the load balancer and health checks must reach us.
    host: str = "0.0.0.0"
    port: int = 8080
    graceful_shutdown_seconds: int = 10
    protocol: str = "http"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        return cls(**cls.fields_from_env(os.environ if env is None else env))

    @classmethod
    def fields_from_env(cls, env: Mapping[str, str]) -> dict[str, Any]:
        """Each field's value from `env`, checked; a subclass adds its own fields to these."""
        return {
            "app_version": _version_env(env, "APP_VERSION", cls.app_version),
            "log_level": _log_level_env(env, "LOG_LEVEL", cls.log_level),
            "host": env.get("HOST", "").strip() or cls.host,
            "port": _port_env(env, "PORT", cls.port),
            "graceful_shutdown_seconds": _non_negative_int_env(
                env, "GRACEFUL_SHUTDOWN_SECONDS", cls.graceful_shutdown_seconds
            ),
            "protocol": _protocol_env(env, "APP_PROTOCOL", cls.protocol),
        }
