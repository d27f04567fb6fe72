"""The one Dockerfile that builds every sample app (apps/kit/Dockerfile). There is no Docker here,
so these read it: the promises the image makes, and that each app's folder has what it copies."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[2] / "apps"
KIT = APPS / "kit"
APP_FOLDERS = sorted(p.parent for p in APPS.glob("*/requirements.txt"))


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (KIT / "Dockerfile").read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines()]
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.partition(" ") for line in lines if line and not line.startswith("#"))
    ]


def index_of(instruction: str, pattern: str) -> int:
    found = [
        i for i, (name, args) in enumerate(instructions()) if name == instruction and re.search(pattern, args)
    ]
    assert found, f"no {instruction} matching {pattern!r}"
    return found[0]


def test_base_image_is_the_pinned_slim_python() -> None:
    assert [args for name, args in instructions() if name == "FROM"] == ["python:3.12-slim"]


def test_layers_go_dependencies_then_kit_then_app() -> None:
    deps = index_of("RUN", r"pip install .*-r requirements\.txt")
    kit = index_of("RUN", r"--mount=type=bind,from=kit,.* pip install ")
    app = index_of("COPY", r"^\$\{APP_PACKAGE\} ")
    assert index_of("COPY", r"^requirements\.txt ") < deps < kit < app


def test_runs_as_uid_10001_read_only_root_ready_with_an_exec_form_command() -> None:
    steps = instructions()
    assert [args for name, args in steps if name == "USER"] == ["10001:10001"]
    assert index_of("USER", "10001") > index_of("RUN", r"useradd --uid 10001 ")
    assert index_of("ENV", r"PYTHONDONTWRITEBYTECODE=1") < index_of("RUN", r"compileall .*\$\{APP_PACKAGE\}")
    [command] = [args for name, args in steps if name == "CMD"]
    assert json.loads(command) == ["python", "-m", "meshapp_kit"]
    assert (KIT / "meshapp_kit" / "__main__.py").is_file()


@pytest.mark.parametrize("folder", APP_FOLDERS, ids=lambda p: p.name)
def test_each_app_folder_holds_what_the_image_copies(folder: Path) -> None:
    # The build arg the image component passes: <app>_api, the layout localmesh also assumes.
    package = folder / f"{folder.name.replace('-', '_')}_api"
    assert (folder / "requirements.txt").is_file()
    assert (package / "__main__.py").is_file()


def test_app_folders_are_found() -> None:
    assert [p.name for p in APP_FOLDERS] == ["prices", "products"]
