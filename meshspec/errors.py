"""Spec problems: every one at once, each with its field path and what is allowed."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class SpecError(ValueError):
    """Raised with all problems of a spec; its text is one line per problem, no traceback needed."""

    def __init__(self, problems: list[Problem], source: str = "mesh spec") -> None:
        self.problems = sorted(set(problems))
        self.source = source
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = len(self.problems)
        super().__init__(f"{source} is invalid ({count} problem{'s' if count != 1 else ''}):\n{lines}")


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _message(error: dict) -> str:
    kind = error["type"]
    msg = error["msg"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see the spec reference in the README)"
    if kind == "missing":
        return "is required"
    # "Value error, x" is pydantic's wrapping of our own messages: keep ours.
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if (
        "input" in error
        and kind not in ("model_type", "dict_type")
        and not isinstance(error["input"], dict | list)
    ):
        shown = repr(error["input"])
        if "(got" not in msg and shown not in msg:
            msg = f"{msg} (got {shown})"
    return msg


def problems_from_validation(err: ValidationError) -> list[Problem]:
    problems = []
    for error in err.errors():
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        # A bad dict key is reported as "<key>.[key]": the key itself is the path.
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
        # Union members show up as extra loc parts; they add nothing for a reader.
        problems.append(Problem(_path(loc), _message(error)))
    return problems
