"""Load and validate a mesh spec from a stack file or a mapping."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from fargate_mesh.spec.errors import Problem, SpecError, problems_from_validation, without_knock_ons
from fargate_mesh.spec.mesh import Mesh
from fargate_mesh.spec.references import check_references

CONFIG_KEY_SUFFIX = ":mesh"
STACK_FILE_PREFIX, STACK_FILE_SUFFIX = "Pulumi.", ".yaml"


class StackNotFoundError(SpecError):
    """No stack file at the path; the message lists the stacks that do exist beside it."""

    def __init__(self, path: Path, available: list[str]) -> None:
        where = path.parent if str(path.parent) else Path(".")
        found = (
            f"the stacks in {where}/ are: {', '.join(available)}"
            if available
            else (f"{where}/ has no {STACK_FILE_PREFIX}<stack>{STACK_FILE_SUFFIX} files")
        )
        message = f"no stack file {path}; {found}"
        super().__init__([Problem("", message)], str(path))
        self.available = available
        self.args = (message,)  # not "is invalid": there is nothing to validate

    def __str__(self) -> str:
        return str(self.args[0])


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
    problems += without_knock_ons(check_references(data), problems)
    if problems or mesh is None:
        raise SpecError(problems, source)
    return mesh


def validate_mesh(mesh: Mesh) -> Mesh:
    """Re-check a Mesh built in Python (not from YAML): the cross-object rules too."""
    return parse_mesh(mesh.model_dump(by_alias=True, exclude_none=True), "mesh spec")


def stack_file(stack: str, stacks_dir: Path | str = "stacks") -> Path:
    return Path(stacks_dir) / f"{STACK_FILE_PREFIX}{stack}{STACK_FILE_SUFFIX}"


def available_stacks(stacks_dir: Path | str) -> list[str]:
    """The stack names of the Pulumi.<stack>.yaml files in a folder, sorted."""
    folder = Path(stacks_dir)
    names = (p.name[len(STACK_FILE_PREFIX) : -len(STACK_FILE_SUFFIX)] for p in folder.glob("Pulumi.*.yaml"))
    return sorted(names)


def project_name(stack_path: Path) -> str | None:
    """The project's name from the Pulumi.yaml beside the stack file or one folder up (stackConfigDir)."""
    for folder in (stack_path.parent, stack_path.parent.parent):
        try:
            document = yaml.safe_load((folder / "Pulumi.yaml").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        name = document.get("name") if isinstance(document, Mapping) else None
        if isinstance(name, str) and name:
            return name
    return None


def mesh_config(config: Mapping[str, Any], source: str, project: str | None = None) -> Any:
    """The `<project>:mesh` value of a stack's config; without the project's name, the one key
    ending in ':mesh'."""
    keys = [k for k in config if isinstance(k, str) and k.endswith(CONFIG_KEY_SUFFIX)]
    if project is not None:
        expected = f"{project}{CONFIG_KEY_SUFFIX}"
        if expected in config:
            return config[expected]
        others = (
            f"; found {', '.join(map(repr, keys))}: the part before ':' must be the project's name"
            if keys
            else ""
        )
        message = f"no {expected!r} key (the project in Pulumi.yaml is {project!r}){others}"
        raise SpecError([Problem("config", message)], source)
    if len(keys) != 1:
        found = ", ".join(keys) or "none"
        message = (
            f"expected exactly one 'PROJECT:mesh' key, PROJECT being the name in Pulumi.yaml (found: {found})"
        )
        raise SpecError([Problem("config", message)], source)
    return config[keys[0]]


def load_stack_file(path: Path | str) -> Mesh:
    """Read stacks/Pulumi.<stack>.yaml and validate its `<project>:mesh` config value."""
    path = Path(path)
    source = str(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StackNotFoundError(path, available_stacks(path.parent)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise SpecError([Problem("", f"cannot read the stack file: {err}")], source) from None
    except yaml.YAMLError as err:
        raise SpecError([Problem("", _yaml_problem(err))], source) from None
    config = document.get("config") if isinstance(document, Mapping) else None
    if not isinstance(config, Mapping):
        raise SpecError([Problem("config", "the stack file has no 'config' mapping")], source)
    return parse_mesh(mesh_config(config, source, project_name(path)), source)


def _yaml_problem(err: yaml.YAMLError) -> str:
    """PyYAML's error on one line, with the 1-based line and column where it gave up."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None)
    context = getattr(err, "context", None)
    if mark is None or problem is None:
        return "not valid YAML: " + " ".join(str(err).split())
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    return f"not valid YAML at {where}: {problem}" + (f" ({context})" if context else "")
