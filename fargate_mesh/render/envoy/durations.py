"""Durations in Envoy's protobuf JSON form."""

from __future__ import annotations


def envoy_duration(ms: int) -> str:
    """Seconds with up to millisecond precision: 15000 → "15s", 250 → "0.250s"."""
    return f"{ms // 1000}.{ms % 1000:03d}s" if ms % 1000 else f"{ms // 1000}s"
