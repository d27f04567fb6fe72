"""What `pulumi up` would do to a live stack, from a recording of the program and the stack's state.

The live stack is given as URN → {type, inputs} (tests/aws/live_stacks/<stack>.json). A resource
of the recording takes over a live resource the way the engine's step generator decides it: by its
own URN first, else by the first of its aliases that the stack holds. Aliases are the ones the
program gave (the recording monitor resolves them into URNs) and the ones a child inherits when its
parent was found through an alias: the parent's old URN with the child's type and name, the name's
parent-name prefix swapped for the old one.

Not followed (the engine does it; here it can only report a URN as gone, never let a change pass):
an alias naming an explicit parent that was itself found through an alias.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fargate_mesh.testing.mocks import engine_urn, qualified_type, urn_name

Live = Mapping[str, Mapping[str, Any]]  # URN → {"type", "inputs"}


@dataclass(frozen=True)
class Takeover:
    """Which live URN each recorded resource takes over; what is left on either side."""

    claimed: dict[str, dict[str, Any]] = field(default_factory=dict)  # live URN → recorded resource
    gone: list[str] = field(default_factory=list)  # live URNs nothing takes over: deleted on `up`
    new: list[str] = field(default_factory=list)  # recorded URNs that take over nothing: created
    clashes: list[str] = field(default_factory=list)  # a live URN two resources claim: an engine error


def _stack_and_project(urn: str) -> tuple[str, str]:
    head, project = urn.split("::")[:2]
    return head.removeprefix("urn:pulumi:"), project


def inherited_alias(child_type: str, child_name: str, parent_name: str, parent_old_urn: str) -> str:
    """The URN a child had under its parent's old URN (the engine's inheritedChildAlias)."""
    name = child_name
    if child_name.startswith(parent_name):
        name = urn_name(parent_old_urn) + child_name[len(parent_name) :]
    stack, project = _stack_and_project(parent_old_urn)
    return engine_urn(stack, project, parent_old_urn, child_type, name)


def _own_type(urn: str) -> str:
    return qualified_type(urn).rsplit("$", 1)[-1]


def takeover(live: Live, recorded: Iterable[Mapping[str, Any]]) -> Takeover:
    """Match recorded resources to the live stack in registration order (parents first)."""
    result = Takeover()
    found_by_alias: dict[str, str] = {}  # recorded URN → the live URN it took over through an alias
    # A child's URN holds its parent's qualified type and one more `$`: fewer means registered earlier.
    ordered = sorted(recorded, key=lambda r: (qualified_type(r["urn"]).count("$"), r["urn"]))
    names = {r["urn"]: r["name"] for r in ordered}
    for resource in ordered:
        urn, given = resource["urn"], list(resource.get("aliases") or [])
        candidates = [urn, *given]
        parent = resource.get("parent")
        if parent in found_by_alias:
            old_parent, parent_name = found_by_alias[parent], names.get(parent, urn_name(parent))
            candidates.append(inherited_alias(resource["type"], resource["name"], parent_name, old_parent))
            candidates += [inherited_alias(_own_type(a), urn_name(a), parent_name, old_parent) for a in given]
        match = next((candidate for candidate in candidates if candidate in live), None)
        if match is None:
            result.new.append(urn)
            continue
        if match in result.claimed:
            result.clashes.append(match)
            continue
        result.claimed[match] = dict(resource)
        if match != urn:
            found_by_alias[urn] = match
    result.gone.extend(sorted(set(live) - set(result.claimed)))
    return result


def _decoded(value: Any) -> Any:
    """A JSON document held in a string input (container definitions, policies), parsed."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def differences(before: Any, after: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, what changed) wherever two input values differ; JSON strings are compared as
    documents, numbers as numbers (8080 == 8080.0)."""
    before, after = _decoded(before), _decoded(after)
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        found = []
        for key in sorted(set(before) | set(after)):
            where = f"{path}.{key}" if path else str(key)
            if key not in after:
                found.append((where, "dropped"))
            elif key not in before:
                found.append((where, f"added {after[key]!r}"))
            else:
                found += differences(before[key], after[key], where)
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            d
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            for d in differences(b, a, f"{path}[{i}]")
        ]
    return [] if before == after else [(path, f"{before!r} -> {after!r}")]


def problems(
    live: Live, recorded: Iterable[Mapping[str, Any]], allowed: Mapping[str, Mapping[str, str]]
) -> list[str]:
    """Everything `pulumi up` would delete, replace or change in the live stack, as one line each.

    `allowed`: live URN → {top-level input key: why it may change}. A key listed there may differ;
    any other difference, a type change, a URN nothing takes over or a URN claimed twice is a problem.
    """
    match = takeover(live, recorded)
    found = [f"gone (would be deleted): {urn}" for urn in match.gone]
    found += [f"claimed by two resources (the engine refuses): {urn}" for urn in match.clashes]
    for urn, resource in sorted(match.claimed.items()):
        old = live[urn]
        via = "" if resource["urn"] == urn else f" (through the alias of {resource['urn']})"
        if resource["type"] != old["type"]:
            found.append(f"type {old['type']} -> {resource['type']}{via}: {urn}")
            continue
        may_change = allowed.get(urn, {})
        for path, change in differences(old["inputs"], resource["inputs"]):
            if re.split(r"[.\[]", path, maxsplit=1)[0] not in may_change:
                found.append(f"input {path}: {change}{via}: {urn}")
    return found
