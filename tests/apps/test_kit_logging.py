"""meshapp_kit.logging_setup: one JSON object per line, for the app's loggers and for uvicorn's."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import sys
from collections.abc import Iterator
from datetime import date

import pytest
from meshapp_kit.identity import AppIdentity
from meshapp_kit.logging_setup import JsonFormatter, configure_logging, uvicorn_log_config

IDENTITY = AppIdentity(package="kit_log_api", service="kit-log", title="Kit Log API")


@pytest.fixture
def package_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger(IDENTITY.package)
    yield logger
    for handler in list(logger.handlers):
        logger.removeHandler(handler)


def test_structured_fields_and_traceback_land_in_the_line() -> None:
    # GIVEN a record with extra fields, one of them not JSON-serialisable, and an exception
    try:
        raise ValueError("bad input")
    except ValueError:
        record = logging.getLogger("kit_log_api.x").makeRecord(
            "kit_log_api.x", logging.WARNING, __file__, 1, "seen %s", ("twice",), exc_info=sys.exc_info()
        )
    record.fields = {"day": date(2026, 9, 30), "count": 2}
    # WHEN it is formatted
    line = json.loads(JsonFormatter("kit-log").format(record))
    # THEN the line holds the service, the rendered message, the fields (the odd one as text)
    # and the traceback
    assert line["service"] == "kit-log"
    assert (line["level"], line["logger"], line["message"]) == ("warning", "kit_log_api.x", "seen twice")
    assert (line["day"], line["count"]) == ("2026-09-30", 2)
    assert line["exc"].endswith("ValueError: bad input")


def test_configuring_twice_keeps_one_handler_and_one_line_per_event(
    package_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the app's logging configured twice (every create_app does it)
    configure_logging(IDENTITY, "INFO")
    configure_logging(IDENTITY, "DEBUG")
    # WHEN a child logger writes one event
    logging.getLogger(f"{IDENTITY.package}.child").debug("once")
    # THEN exactly one line is written, at the level of the last call, not sent on to the root
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["message"] == "once"
    assert len(package_logger.handlers) == 1
    assert package_logger.propagate is False


@pytest.fixture
def uvicorn_logger() -> Iterator[logging.Logger]:
    """uvicorn's logger, put back as it was afterwards: dictConfig changes it for the process."""
    logger = logging.getLogger("uvicorn")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield logger
    logger.handlers[:], logger.level, logger.propagate = saved


def test_uvicorn_lines_carry_the_app_service(uvicorn_logger: logging.Logger) -> None:
    # GIVEN uvicorn's logging configured from the kit's dictConfig
    logging.config.dictConfig(uvicorn_log_config("kit-log", "INFO"))
    stream = io.StringIO()
    [handler] = uvicorn_logger.handlers
    handler.setStream(stream)  # type: ignore[attr-defined]
    # WHEN uvicorn logs (its own messages, e.g. at startup)
    logging.getLogger("uvicorn.error").info("Application startup complete.")
    # THEN the line has the same JSON shape as the app's, with the app's service
    line = json.loads(stream.getvalue())
    assert (line["service"], line["logger"], line["message"]) == (
        "kit-log",
        "uvicorn.error",
        "Application startup complete.",
    )
