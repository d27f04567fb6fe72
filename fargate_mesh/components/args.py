"""Checks a component's Args run when they are constructed, before any resource is registered.

Args take `pulumi.Input` wherever a value only flows into a resource. A few values the library
computes with before anything is deployed (names that become logical names and DNS names, local
folders, counts): an Output there is refused with a TypeError naming the arg, rather than turned
into the text "Calling __str__ on an Output..." inside a resource name. Value rules are the
spec's own, with the spec's messages, reported all at once as a SpecError.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import pulumi
from pydantic import ValidationError

from fargate_mesh.spec.base import SpecModel
from fargate_mesh.spec.errors import Problem, SpecError, problems_from_validation

T = TypeVar("T")


def is_unresolved(value: object) -> bool:
    """True for a value only known at deploy time: a pulumi Output or anything awaitable."""
    return isinstance(value, pulumi.Output) or inspect.isawaitable(value)


def holds_unresolved(value: object) -> bool:
    """True if `value`, or anything inside a list, tuple, set, mapping (keys too) or dataclass
    (its fields: ServiceNames, MeshBackend, ...), is unresolved."""
    if is_unresolved(value):
        return True
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(holds_unresolved(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, Mapping):
        return any(holds_unresolved(k) or holds_unresolved(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(holds_unresolved(v) for v in value)
    return False


def require_plain(owner: str, /, **values: object) -> None:
    """Refuse, with one TypeError naming each arg, Outputs where `owner` needs the value itself."""
    wired = [name for name, value in values.items() if holds_unresolved(value)]
    if wired:
        lines = "\n".join(f"  - {name}: got a pulumi Output" for name in wired)
        raise TypeError(
            f"{owner} needs plain values (str, int, lists of them) for these args, known when the "
            "program starts, because they name resources or are computed with before anything is "
            f"deployed; pass a literal or a pulumi.Config value:\n{lines}"
        )


def rule_problems(arg: str, rule: Callable[[T], object], value: pulumi.Input[T] | None) -> list[Problem]:
    """The spec rule's complaint about `value` at `arg`; none when the value is None or unresolved
    (an Output is checked by AWS when it resolves)."""
    if value is None or holds_unresolved(value):
        return []
    try:
        rule(cast(T, value))
    except ValueError as err:
        return [Problem(arg, str(err))]
    return []


def check_port_range(port: int) -> int:
    """A TCP port number, as the spec bounds its ports (booleans refused, as the spec's Int does)."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"must be a port number 1..65535 (got {port!r})")
    return port


def _snake(path: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", path).lower()


def spec_problems(model: type[SpecModel], data: Mapping[str, Any]) -> list[Problem]:
    """What the spec's `model` says about `data` (spec keys), at the args' snake_case names: the
    same rules and messages as in a stack file. Keys holding an Output are left out and not
    reported (their values are only known at deploy time)."""
    wired = {key for key, value in data.items() if holds_unresolved(value)}
    try:
        model.model_validate({key: value for key, value in data.items() if key not in wired})
    except ValidationError as err:
        return [
            Problem(_snake(p.path), p.message)
            for p in problems_from_validation(err, model)
            if re.split(r"[.\[]", p.path, maxsplit=1)[0] not in wired
        ]
    return []


def raise_problems(owner: str, problems: list[Problem]) -> None:
    """One SpecError listing every problem of `owner`'s args, as the spec reports a stack file."""
    if problems:
        raise SpecError(problems, owner)
