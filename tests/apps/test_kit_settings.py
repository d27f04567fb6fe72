"""meshapp_kit.settings.AppSettings as a base: an app's own settings extend it, checks included."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from meshapp_kit.settings import AppSettings


@dataclass(frozen=True)
class WorkerSettings(AppSettings):
    queue: str = "jobs"

    @classmethod
    def fields_from_env(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {**super().fields_from_env(env), "queue": env.get("QUEUE", "") or cls.queue}


def test_subclass_reads_the_shared_fields_and_its_own() -> None:
    # GIVEN an app's settings class built on the kit's WHEN read from an environment
    settings = WorkerSettings.from_env({"PORT": "9000", "LOG_LEVEL": "debug", "QUEUE": "mail"})
    # THEN it is the app's class, with the shared fields checked and normalised and its own set
    assert type(settings) is WorkerSettings
    assert (settings.port, settings.log_level, settings.queue) == (9000, "DEBUG", "mail")
    assert (settings.app_version, settings.host, settings.graceful_shutdown_seconds) == ("dev", "0.0.0.0", 10)


def test_subclass_keeps_the_shared_checks() -> None:
    with pytest.raises(ValueError, match=r"^PORT must be an integer, got 'eighty'$"):
        WorkerSettings.from_env({"PORT": "eighty", "QUEUE": "mail"})


def test_from_env_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_VERSION", " v3 ")
    monkeypatch.setenv("HOST", "127.0.0.1")
    settings = AppSettings.from_env()
    assert (settings.app_version, settings.host) == ("v3", "127.0.0.1")


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        AppSettings().port = 1  # type: ignore[misc]
