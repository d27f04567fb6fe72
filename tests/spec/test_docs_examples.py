"""docs/spec.md stays true: its marked examples parse (or fail exactly as shown), its tables list every key.

Markers (HTML comments, invisible when rendered):
  <!-- spec-example: NAME -->          the next ```yaml block is a valid mesh value or stack file
  <!-- spec-example: NAME invalid -->  the next ```yaml block is refused; the ```text block after it
                                       is the exact SpecError text
  <!-- spec-table: ModelName -->       the next Markdown table lists exactly that model's keys
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from fargate_mesh import spec as meshspec
from fargate_mesh.spec import SpecError, parse_mesh
from fargate_mesh.spec.loader import mesh_config

DOC = Path(__file__).resolve().parents[2] / "docs" / "spec.md"
TEXT = DOC.read_text(encoding="utf-8")

_EXAMPLE = re.compile(r"<!-- spec-example: (?P<name>[a-z0-9-]+)(?P<invalid> invalid)? -->\n")
_FENCE = re.compile(r"```(?P<lang>\w*)\n(?P<body>.*?)\n```", re.DOTALL)
_TABLE_MARK = re.compile(r"<!-- spec-table: (?P<model>\w+) -->\n")


@dataclass(frozen=True)
class Example:
    name: str
    invalid: bool
    yaml_text: str
    expected_error: str | None


def _fence_after(pos: int, lang: str) -> tuple[str, int]:
    """The body of the first fenced block after pos, which must be in `lang` and come next."""
    match = _FENCE.search(TEXT, pos)
    assert match is not None, f"no fenced block after offset {pos} in {DOC.name}"
    # The block must follow at once: with prose in between the marker would check some later block.
    assert match.group("lang") == lang and not TEXT[pos : match.start()].strip(), (
        f"expected a ```{lang} block right after offset {pos} in {DOC.name}"
    )
    return match.group("body"), match.end()


def examples() -> list[Example]:
    found = []
    for mark in _EXAMPLE.finditer(TEXT):
        body, end = _fence_after(mark.end(), "yaml")
        expected = _fence_after(end, "text")[0] if mark.group("invalid") else None
        found.append(Example(mark.group("name"), bool(mark.group("invalid")), body, expected))
    return found


EXAMPLES = examples()


def _mesh_value(text: str) -> Any:
    data = yaml.safe_load(text)
    # A whole stack file: take its one '<project>:mesh' value, as load_stack_file does.
    if isinstance(data, dict) and "config" in data:
        return mesh_config(data["config"], "example")
    return data


def test_the_doc_has_the_promised_examples() -> None:
    """GIVEN docs/spec.md
    WHEN its marked examples are collected
    THEN the worked examples the reference promises are all there, with unique names
    """
    names = [e.name for e in EXAMPLES]
    assert len(names) == len(set(names)), f"duplicate example names: {names}"
    assert {
        "complete-stack",
        "header-canary",
        "writes-to-v1",
        "slow-path",
        "external-payments",
        "mistakes",
    } <= set(names)


@pytest.mark.parametrize("example", [e for e in EXAMPLES if not e.invalid], ids=lambda e: e.name)
def test_valid_examples_parse(example: Example) -> None:
    """GIVEN a YAML block marked as an example
    WHEN it is parsed like a stack's mesh value
    THEN it is accepted
    """
    try:
        parse_mesh(_mesh_value(example.yaml_text), f"example {example.name}")
    except SpecError as err:
        pytest.fail(str(err))


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.invalid], ids=lambda e: e.name)
def test_invalid_examples_fail_exactly_as_shown(example: Example) -> None:
    """GIVEN a YAML block marked invalid and the error text shown under it
    WHEN it is parsed
    THEN it is refused with exactly that text
    """
    with pytest.raises(SpecError) as caught:
        parse_mesh(_mesh_value(example.yaml_text))
    assert str(caught.value) == example.expected_error


def test_worked_examples_do_what_their_titles_say() -> None:
    """GIVEN the worked examples
    WHEN they are parsed
    THEN they carry the behaviour the text describes (so a broken edit cannot pass as 'still valid')
    """
    by_name = {e.name: parse_mesh(_mesh_value(e.yaml_text)) for e in EXAMPLES if not e.invalid}

    canary = by_name["header-canary"].services["products"].routes or []
    assert canary[0].match.headers[0].exact == "true"
    assert canary[0].targets == {"v2": 100}
    assert canary[0].priority is not None and canary[0].priority < (canary[1].priority or 0)

    writes = by_name["writes-to-v1"].services["products"].routes or []
    assert {r.match.method for r in writes if r.targets == {"v1": 100}} == {"POST", "PUT", "PATCH", "DELETE"}
    assert [r.targets for r in writes if r.match.method is None] == [{"v1": 80, "v2": 20}]

    slow = by_name["slow-path"].services["products"]
    assert slow.timeout.per_request == 5_000
    slow_route = (slow.routes or [])[0]
    assert slow_route.timeout is not None
    assert slow_route.timeout.per_request == 45_000

    payments = by_name["external-payments"]
    assert payments.external["payments"].uses_tls
    assert payments.external["payments"].port == 443
    assert "payments" in payments.services["products"].backends


def _models() -> dict[str, type[BaseModel]]:
    return {
        name: obj
        for name in meshspec.__all__
        if isinstance(obj := getattr(meshspec, name), type) and issubclass(obj, BaseModel)
    }


def tables() -> dict[str, list[str]]:
    """Model name → keys in the first column of the table after its marker."""
    found: dict[str, list[str]] = {}
    for mark in _TABLE_MARK.finditer(TEXT):
        rows = []
        for line in TEXT[mark.end() :].splitlines():
            if not line.startswith("|"):
                break
            rows.append(line)
        keys = [m.group(1) for row in rows[2:] if (m := re.match(r"\|\s*`([A-Za-z]+)`", row))]
        assert keys, f"no table after <!-- spec-table: {mark.group('model')} -->"
        found[mark.group("model")] = keys
    return found


TABLES = tables()


def test_every_spec_model_has_a_table() -> None:
    """GIVEN the spec models users write (every pydantic model meshspec exports)
    WHEN the doc's tables are collected
    THEN each model has one
    """
    assert set(_models()) - set(TABLES) == set()


@pytest.mark.parametrize("model", sorted(TABLES))
def test_table_lists_exactly_the_model_keys(model: str) -> None:
    """GIVEN a reference table marked for a spec model
    WHEN its keys are compared with the model's camelCase keys
    THEN they are the same set: nothing undocumented, nothing invented
    """
    cls = _models()[model]
    expected = {field.alias or name for name, field in cls.model_fields.items()}
    assert set(TABLES[model]) == expected
    assert len(TABLES[model]) == len(expected), f"a key is listed twice in the {model} table"
