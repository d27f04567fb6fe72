"""What a program registered under the recording mocks, and `deploy` to run a program that way."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pulumi

from fargate_mesh.testing.mocks import RecordingMocks, set_recording_mocks


class Recording:
    """Query helpers over what a program registered: resources by type, by logical name, by input.

    Each resource is a dict with `type`, `name`, `inputs` and `outputs` (Pulumi wire names, i.e.
    camelCase, secrets unwrapped), `secretInputs`, and `urn`, `parent`, `dependencies`, `options`.
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.resources: list[dict[str, Any]] = list(data["resources"])
        self.outputs: dict[str, Any] = dict(data.get("outputs") or {})

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.resources)

    def of_type(self, type_: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == type_]

    def one(self, type_: str, **inputs: Any) -> dict[str, Any]:
        """The single resource of a type whose inputs equal the given values (wire names)."""
        found = [r for r in self.of_type(type_) if all(r["inputs"].get(k) == v for k, v in inputs.items())]
        if len(found) != 1:
            names = [r["name"] for r in self.of_type(type_)]
            raise AssertionError(f"expected one {type_} with {inputs}, found {len(found)} (all: {names})")
        return found[0]

    def named(self, type_: str, name: str) -> dict[str, Any]:
        for r in self.of_type(type_):
            if r["name"] == name:
                return r
        raise AssertionError(f"no {type_} named {name!r}; have {[r['name'] for r in self.of_type(type_)]}")

    def by_output(self, type_: str, key: str, value: Any) -> dict[str, Any]:
        found = [r for r in self.of_type(type_) if r["outputs"].get(key) == value]
        if len(found) != 1:
            raise AssertionError(f"expected one {type_} with output {key}={value!r}, found {len(found)}")
        return found[0]

    def children_of(self, urn: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r.get("parent") == urn]

    def urns(self) -> set[str]:
        return {r["urn"] for r in self.resources if r.get("urn")}


def deploy(program: Callable[[], Any], mocks: RecordingMocks | None = None) -> Recording:
    """Run `program` as a Pulumi program under recording mocks; return what it registered.

    Without `mocks`, fresh ones are installed first (`set_recording_mocks()`). The program may
    return an Output, or a dict of Outputs like a stack's exports: it is awaited, so assertions made
    in an `.apply` run (and fail the call), and a returned dict's resolved values become the
    Recording's `outputs`. An exception raised by the program propagates.
    """
    mocks = mocks if mocks is not None else set_recording_mocks()
    exported: dict[str, Any] = {}

    def keep(value: Any) -> Any:
        if isinstance(value, Mapping):
            exported.update(value)
        return value

    @pulumi.runtime.test  # type: ignore[untyped-decorator]  # Pulumi's, unannotated
    def run() -> Any:
        return pulumi.Output.from_input(program()).apply(keep)

    run()
    return Recording({"resources": list(mocks.resources), "outputs": exported})
