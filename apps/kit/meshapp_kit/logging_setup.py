"""JSON logs on stdout: one object per line, which CloudWatch and local tools parse as is."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from meshapp_kit.identity import AppIdentity


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; structured data goes in `extra={"fields": {...}}`."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self._service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            entry.update(fields)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        # default=str: a stray non-JSON value must not cost us the whole line.
        return json.dumps(entry, default=str, separators=(",", ":"))


def configure_logging(identity: AppIdentity, level: str) -> None:
    """Send the app package's logs to stdout as JSON. Safe to call again (replaces its handler)."""
    handler_name = f"{identity.package}.stdout"
    logger = logging.getLogger(identity.package)
    for handler in list(logger.handlers):
        if handler.get_name() == handler_name:
            logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler.set_name(handler_name)
    handler.setFormatter(JsonFormatter(identity.service))
    logger.addHandler(handler)
    logger.setLevel(level)
    # Exactly one line per event, whatever the host process did to the root logger.
    logger.propagate = False


def uvicorn_log_config(service: str, level: str) -> dict[str, Any]:
    """uvicorn's own startup/shutdown/error logs in the same JSON shape (access log stays off)."""
    return server_log_config(service, level, "uvicorn")


def server_log_config(service: str, level: str, *loggers: str) -> dict[str, Any]:
    """A dictConfig that sends the named server loggers to stdout in the app's JSON shape."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter, "service": service}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {name: {"handlers": ["stdout"], "level": level, "propagate": False} for name in loggers},
    }
