"""Durations as the spec writes them ("2s", "250ms", "1m"), held in milliseconds."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

_DURATION = re.compile(r"^\s*(\d+)\s*(ms|s|m)\s*$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000}


def parse_duration_ms(value: object) -> int:
    """Turn "2s" / "250ms" / "1m" into milliseconds; a bare integer is rejected as ambiguous."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"must be a duration string such as '2s', '250ms' or '1m' (got {value!r})")
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"must be a duration string such as '2s', '250ms' or '1m' (got {value!r})")
    amount, unit = match.groups()
    return int(amount) * _UNIT_MS[unit]


def format_duration(ms: int) -> str:
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


# Milliseconds in Python, a duration string in YAML and in dumps.
DurationMs = Annotated[
    int,
    BeforeValidator(parse_duration_ms),
    PlainSerializer(format_duration, return_type=str),
]
