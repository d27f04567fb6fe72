"""Fixtures for the AWS side: in-process recording mocks for components, recordings per stack.
Helpers are in tests/helpers (pulumi.deploy, meshes.stack_mesh)."""

from __future__ import annotations

import pytest

from tests.aws.harness import RecordingMocks, set_recording_mocks
from tests.aws.recorded import Recording, recorded_stack


@pytest.fixture
def mocks() -> RecordingMocks:
    """Fresh recording mocks for one in-process test."""
    return set_recording_mocks(stack="unit")


@pytest.fixture(scope="session")
def dev() -> Recording:
    return Recording(recorded_stack("dev"))


@pytest.fixture(scope="session")
def prod() -> Recording:
    return Recording(recorded_stack("prod"))


@pytest.fixture(scope="session", params=["dev", "prod", "envoy"])
def shipped(request: pytest.FixtureRequest) -> Recording:
    """Each shipped stack's recording in turn."""
    return Recording(recorded_stack(request.param))


@pytest.fixture(scope="session")
def envoy() -> Recording:
    """The shipped stack on `dataplane: envoy`."""
    return Recording(recorded_stack("envoy"))
