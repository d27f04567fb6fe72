"""Running components as a Pulumi program under the recording mocks, for tests in any folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import rpc

from fargate_mesh import testing
from tests.aws.harness import RecordingMocks
from tests.aws.recorded import Recording


def deploy(mocks: RecordingMocks, build: Callable[[], Any]) -> Recording:
    """Run `build` as a Pulumi program under the test's `mocks` (fargate_mesh.testing.deploy)."""
    return testing.deploy(build, mocks)


def registered(rec: Recording, leaving_out: str | None = None) -> list[tuple[str, str, str]]:
    """(type, name, inputs as JSON) of every resource recorded but those of type `leaving_out` (a
    hosted component, say), in a stable order: what two programs are compared by. An input that is
    a JSON document (a task definition's containerDefinitions) is compared as JSON, as AWS compares
    it: its keys' order is not a difference."""
    return sorted(
        (r["type"], r["name"], json.dumps({k: _as_json(v) for k, v in r["inputs"].items()}, sort_keys=True))
        for r in rec
        if r["type"] != leaving_out
    )


def _as_json(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def over_the_wire(inputs: dict[str, Any]) -> dict[str, Any]:
    """`inputs` after the engine's round trip to a provider: serialised to a protobuf Struct (every
    number a double, keys in no set order), deserialised by the SDK."""
    struct = struct_pb2.Struct()
    struct.update(inputs)
    result: dict[str, Any] = rpc.deserialize_properties(struct)
    return result
