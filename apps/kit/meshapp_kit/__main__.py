"""`python -m meshapp_kit`: the image's command. Runs `python -m $APP_PACKAGE` in this process.

An exec-form CMD cannot expand the APP_PACKAGE build argument, so the shared Dockerfile stores it in
the environment and names this module instead. The app's own `__main__` then runs as PID 1, as
if the CMD had named it, and receives SIGTERM itself.
"""

from __future__ import annotations

import os
import runpy
import sys


def main() -> None:
    package = os.environ.get("APP_PACKAGE", "").strip()
    if not all(part.isidentifier() for part in package.split(".")):
        sys.exit(f"APP_PACKAGE must name the app's package, e.g. products_api, got {package!r}")
    runpy.run_module(package, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
