"""The project cites public AWS and Envoy documentation, not research notes that are not in it."""

from __future__ import annotations

import subprocess

from tests.helpers.meshes import ROOT

# Spelled in two parts so this file does not match itself.
STALE = ("APPMESH" + ".md", "[" + "inferred")


def test_no_file_cites_notes_outside_the_repository():
    """GIVEN every file git tracks
    WHEN they are searched for the old research-note citations
    THEN none is found"""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    hits = [
        f"{path}: {marker}"
        for path in tracked.splitlines()
        if (ROOT / path).is_file()
        for marker in STALE
        if marker in (ROOT / path).read_text(encoding="utf-8", errors="ignore")
    ]
    assert hits == []
