"""Spec builders and assertions: a minimal valid mesh, edits at dotted paths, the problems a spec gets
from parse_mesh (`expect_problem`) and from a data plane's capability check (`refused_on`, `runs_on`)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from fargate_mesh.model import CompiledMesh, compile_checked
from fargate_mesh.spec import Mesh, Problem, SpecError, parse_mesh

DELETE = object()  # pass as a value to `edit` to remove the key


def minimal() -> dict[str, Any]:
    """The smallest valid mesh: one gateway route into one service with one version."""
    return {
        "name": "shop",
        "namespace": "shop.local",
        "domain": "api.myshop.com",
        "hostedZone": "myshop.com",
        "gateway": {"routes": [{"match": {"prefix": "/v1/products"}, "service": "products"}]},
        "services": {"products": {"versions": {"v1": {"weight": 100}}}},
    }


def _steps(path: str) -> list[str | int]:
    """'services.products.routes[0].name' -> ['services', 'products', 'routes', 0, 'name']."""
    steps: list[str | int] = []
    for part in path.split("."):
        name, *indexes = re.split(r"\[", part)
        if name:
            steps.append(name)
        steps += [int(i.rstrip("]")) for i in indexes]
    return steps


def edit(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of data with values set at dotted paths: edit(d, **{"gateway.port": 80})."""
    data = copy.deepcopy(data)
    for path, value in changes.items():
        *parents, last = _steps(path)
        node: Any = data
        for step in parents:
            node = node[step]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return data


def with_mesh(**changes: Any) -> dict[str, Any]:
    """The minimal mesh with changes at dotted paths."""
    return edit(minimal(), **changes)


def problems_of(data: Any) -> list[Problem]:
    """The problems parse_mesh reports; fails the test if the spec is accepted."""
    with pytest.raises(SpecError) as caught:
        parse_mesh(data)
    return caught.value.problems


def expect_problem(data: Any, path: str, text: str) -> Problem:
    """Assert parse_mesh reports a problem at exactly `path` whose message contains `text`."""
    return problem_at(problems_of(data), path, text)


def accepted(data: Any) -> Mesh:
    """parse_mesh's result, with every problem in the failure message if it refuses."""
    try:
        return parse_mesh(data)
    except SpecError as err:  # pragma: no cover - shown only when a test fails
        pytest.fail(str(err))


def problem_at(problems: list[Problem], path: str, text: str) -> Problem:
    """The problem at exactly `path` whose message contains `text`; fails listing what was reported."""
    at_path = [p for p in problems if p.path == path]
    assert at_path, f"no problem at {path!r}; got:\n" + "\n".join(map(str, problems))
    matching = [p for p in at_path if text in p.message]
    assert matching, f"no problem at {path!r} mentions {text!r}; got:\n" + "\n".join(map(str, at_path))
    return matching[0]


def refused_on(data: Any, dataplane: str) -> list[Problem]:
    """A valid spec's problems on `dataplane` (compile_checked); fails the test if it runs there."""
    mesh = accepted(data)
    with pytest.raises(SpecError) as caught:
        compile_checked(mesh, dataplane)
    return caught.value.problems


def runs_on(data: Any, dataplane: str) -> CompiledMesh:
    """The compiled mesh of a spec `dataplane` carries, with every problem in the failure otherwise."""
    mesh = accepted(data)
    try:
        return compile_checked(mesh, dataplane)
    except SpecError as err:  # pragma: no cover - shown only when a test fails
        pytest.fail(str(err))
