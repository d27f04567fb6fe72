"""Data files shipped inside an app's package, under <package>/data/."""

from __future__ import annotations

from importlib import resources


def bundled_text(package: str, filename: str) -> str:
    # importlib.resources rather than a path relative to __file__: works from a wheel or zip.
    return resources.files(package).joinpath("data", filename).read_text(encoding="utf-8")
