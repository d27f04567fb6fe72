"""Code examples marked in the docs, for the tests that run them as written.

A marker is an HTML comment, invisible when rendered, right above a ```python (or ```yaml) block:
    <!-- docs-example: NAME -->
"""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def example(marker: str, document: str, language: str = "python") -> str:
    """The code of the ```<language> block marked `marker` in `document` (a path from the repo root)."""
    text = (REPO_ROOT / document).read_text(encoding="utf-8")
    match = re.search(rf"<!-- docs-example: {marker} -->\n```{language}\n(.*?)```", text, re.S)
    assert match, f"{document} has no example marked {marker}"
    return match.group(1)


def markers(document: str) -> list[str]:
    """Every example marker in `document`, in order."""
    text = (REPO_ROOT / document).read_text(encoding="utf-8")
    return re.findall(r"<!-- docs-example: ([a-z0-9-]+) -->", text)
