"""Spec problems: every one at once, each with its field path and what is allowed."""

from __future__ import annotations

import difflib
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

# Where users look up keys; named in "unknown key" problems.
SPEC_REFERENCE = "docs/spec.md"

Loc = tuple[int | str, ...]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    message: str
    # The fields a cross-field check computed this problem from; see without_knock_ons.
    inputs: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def _within(path: str, other: str) -> bool:
    """`path` is `other` or a field under it ('a.b[0].c' is within 'a.b')."""
    return path == other or path.startswith((other + ".", other + "["))


def without_knock_ons(problems: list[Problem], failed: list[Problem]) -> list[Problem]:
    """Cross-field problems, less those computed from a field that already failed on its own: a
    port of 70000 is one problem, not also a timeout that cannot fit it."""
    bad = [p.path for p in failed]
    return [p for p in problems if not any(_within(i, f) or _within(f, i) for i in p.inputs for f in bad)]


class SpecError(ValueError):
    """Raised with all problems of a spec; its text is one line per problem, no traceback needed."""

    def __init__(self, problems: list[Problem], source: str = "mesh spec") -> None:
        self.problems = sorted(set(problems))
        self.source = source
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = len(self.problems)
        super().__init__(f"{source} is invalid ({count} problem{'s' if count != 1 else ''}):\n{lines}")


class FieldProblems(ValueError):
    """Raised by a model validator to report problems at fields below the model.

    Pydantic places a model validator's error at the model itself; this carries the field
    (camelCase, as users write it) so the reported path points at the key to change.
    """

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))

    @classmethod
    def at(cls, field: str, message: str) -> FieldProblems:
        return cls([((field,), message)])


def _path(loc: Loc) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and `X | None` down to X."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that validated the value at loc, following fields, list items and dict values."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if _is_model(current):
            fields = current.model_fields
            field = next((f for n, f in fields.items() if part in (n, f.alias)), None)
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) is list and isinstance(part, int):
            current = get_args(current)[0]
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    return current if _is_model(current) else None


def did_you_mean(value: str, allowed: Sequence[str]) -> str:
    """ "; did you mean 'x'?" for the closest allowed value, or "" when none is close."""
    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
    # Case slips (healthcheck vs healthCheck) are the commonest typo; difflib weighs them too lightly.
    close = [a for a in allowed if a.lower() == value.lower()] or close
    return f"; did you mean {close[0]!r}?" if close else ""


def _unknown_key(key: Any, model: type[BaseModel] | None) -> str:
    if model is None:
        return f"unknown key {key!r} (check the spelling; see {SPEC_REFERENCE})"
    allowed = [f.alias or n for n, f in model.model_fields.items()]
    return f"unknown key {key!r}{did_you_mean(str(key), allowed)} (allowed here: {', '.join(allowed)})"


def _message(error: ErrorDetails, root: type[BaseModel] | None, loc: Loc) -> str:
    kind = error["type"]
    msg: str = error["msg"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return _unknown_key(loc[-1] if loc else "?", _model_at(root, loc[:-1]) if root else None)
    if kind == "missing":
        return "is required"
    if kind in ("value_error", "assertion_error"):
        # Our own messages already name the field, the value and what is allowed.
        return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    got = f"(got {_shown(value)})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping of keys {got}"
    if kind == "list_type":
        return f"must be a list {got}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number {got}"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false {got}"
    if kind == "string_type":
        # YAML reads true, 1 and 2024-01-01 as non-strings: quoting is the fix.
        return f"must be a string; quote it in YAML {got}"
    if kind in ("too_long", "too_short"):
        bound = "at most" if kind == "too_long" else "at least"
        limit = ctx.get("max_length" if kind == "too_long" else "min_length")
        items = "item" if limit == 1 else "items"
        return f"must have {bound} {limit} {items} (got {ctx.get('actual_length')})"
    if msg.startswith("Input should be "):
        msg = "must be " + msg[len("Input should be ") :]
    elif msg.startswith("String should have "):
        msg = "must have " + msg[len("String should have ") :]
    return f"{msg} {got}"


def problems_from_validation(err: ValidationError, root: type[BaseModel] | None = None) -> list[Problem]:
    """Pydantic's errors as Problems; `root` (the validated model class) lets typos get suggestions."""
    problems = []
    for error in err.errors():
        loc: Loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        # A bad dict key is reported as "<key>.[key]": the key itself is the path.
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
        raised = (error.get("ctx") or {}).get("error")
        if isinstance(raised, FieldProblems):
            problems += [Problem(_path(loc + sub), message) for sub, message in raised.problems]
            continue
        problems.append(Problem(_path(loc), _message(error, root, loc)))
    return problems
