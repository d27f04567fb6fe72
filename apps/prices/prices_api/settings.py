"""Runtime settings, read from environment variables once at startup."""

from __future__ import annotations

from meshapp_kit.settings import AppSettings


class Settings(AppSettings):
    """Prices reads only what every app reads (see meshapp_kit.settings)."""
