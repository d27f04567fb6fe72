"""Running components as a Pulumi program under the recording mocks, for tests in any folder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fargate_mesh import testing
from tests.aws.harness import RecordingMocks
from tests.aws.recorded import Recording


def deploy(mocks: RecordingMocks, build: Callable[[], Any]) -> Recording:
    """Run `build` as a Pulumi program under the test's `mocks` (fargate_mesh.testing.deploy)."""
    return testing.deploy(build, mocks)
