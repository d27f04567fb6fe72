"""Running components as a Pulumi program under the recording mocks, for tests in any folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fargate_mesh import testing
from tests.aws.harness import RecordingMocks
from tests.aws.recorded import Recording


def deploy(mocks: RecordingMocks, build: Callable[[], Any]) -> Recording:
    """Run `build` as a Pulumi program under the test's `mocks` (fargate_mesh.testing.deploy)."""
    return testing.deploy(build, mocks)


def registered(rec: Recording, leaving_out: str | None = None) -> list[tuple[str, str, str]]:
    """(type, name, inputs as JSON) of every resource recorded but those of type `leaving_out` (a
    hosted component, say), in a stable order: what two programs are compared by."""
    return sorted(
        (r["type"], r["name"], json.dumps(r["inputs"], sort_keys=True))
        for r in rec
        if r["type"] != leaving_out
    )
