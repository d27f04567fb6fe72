"""Load and validate a mesh spec from a stack file or a mapping."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from fargate_mesh.spec.errors import Problem, SpecError, problems_from_validation
from fargate_mesh.spec.mesh import Mesh
from fargate_mesh.spec.references import check_references

CONFIG_KEY_SUFFIX = ":mesh"


def parse_mesh(data: Any, source: str = "mesh spec") -> Mesh:
    """Validate a mapping (camelCase keys, as in the stack file); raise SpecError with every problem."""
    if not isinstance(data, Mapping):
        got = "nothing" if data is None else f"a {type(data).__name__}: {data!r:.60}"
        raise SpecError([Problem("", f"the mesh spec must be a mapping of keys (got {got})")], source)
    problems: list[Problem] = []
    mesh: Mesh | None = None
    try:
        mesh = Mesh.model_validate(dict(data))
    except ValidationError as err:
        problems += problems_from_validation(err, Mesh)
    problems += check_references(data)
    if problems or mesh is None:
        raise SpecError(problems, source)
    return mesh


def validate_mesh(mesh: Mesh) -> Mesh:
    """Re-check a Mesh built in Python (not from YAML): the cross-object rules too."""
    return parse_mesh(mesh.model_dump(by_alias=True, exclude_none=True), "mesh spec")


def stack_file(stack: str, stacks_dir: Path | str = "stacks") -> Path:
    return Path(stacks_dir) / f"Pulumi.{stack}.yaml"


def mesh_config(config: Mapping[str, Any], source: str) -> Any:
    """The one `<project>:mesh` value of a stack's config."""
    keys = [k for k in config if isinstance(k, str) and k.endswith(CONFIG_KEY_SUFFIX)]
    if len(keys) != 1:
        found = ", ".join(keys) or "none"
        raise SpecError(
            [Problem("config", f"expected exactly one '<project>:mesh' key (found: {found})")],
            source,
        )
    return config[keys[0]]


def load_stack_file(path: Path | str) -> Mesh:
    """Read stacks/Pulumi.<stack>.yaml and validate its `<project>:mesh` config value."""
    path = Path(path)
    source = str(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError([Problem("", f"no such stack file: {path}")], source) from None
    except (OSError, UnicodeDecodeError) as err:
        raise SpecError([Problem("", f"cannot read the stack file: {err}")], source) from None
    except yaml.YAMLError as err:
        raise SpecError([Problem("", _yaml_problem(err))], source) from None
    config = document.get("config") if isinstance(document, Mapping) else None
    if not isinstance(config, Mapping):
        raise SpecError([Problem("config", "the stack file has no 'config' mapping")], source)
    return parse_mesh(mesh_config(config, source), source)


def _yaml_problem(err: yaml.YAMLError) -> str:
    """PyYAML's error on one line, with the 1-based line and column where it gave up."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None)
    context = getattr(err, "context", None)
    if mark is None or problem is None:
        return "not valid YAML: " + " ".join(str(err).split())
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    return f"not valid YAML at {where}: {problem}" + (f" ({context})" if context else "")
