"""Fixtures for the AWS side: in-process recording mocks for components, recordings per stack."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fargate_mesh import testing
from fargate_mesh.spec import Mesh, load_stack_file
from tests.aws.harness import RecordingMocks, set_recording_mocks
from tests.aws.recorded import REPO_ROOT, Recording, recorded_stack


@pytest.fixture
def mocks() -> RecordingMocks:
    """Fresh recording mocks for one in-process test."""
    return set_recording_mocks(stack="unit")


def deploy(mocks: RecordingMocks, build: Callable[[], Any]) -> Recording:
    """Run `build` as a Pulumi program under the test's `mocks` (fargate_mesh.testing.deploy)."""
    return testing.deploy(build, mocks)


def stack_mesh(stack: str) -> Mesh:
    return load_stack_file(Path(REPO_ROOT) / "stacks" / f"Pulumi.{stack}.yaml")


@pytest.fixture(scope="session")
def dev() -> Recording:
    return Recording(recorded_stack("dev"))


@pytest.fixture(scope="session")
def prod() -> Recording:
    return Recording(recorded_stack("prod"))


@pytest.fixture(scope="session", params=["dev", "prod"])
def shipped(request: pytest.FixtureRequest) -> Recording:
    """Each shipped stack's recording in turn."""
    return Recording(recorded_stack(request.param))
