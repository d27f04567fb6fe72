"""The provider's schema, as the component provider host infers it from `components.py`.

python -m fargate_mesh.provider.schema           # print it
python -m fargate_mesh.provider.schema --write   # write provider/schema.json (make schema)
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from fargate_mesh.provider.components import COMPONENTS, PACKAGE
from fargate_mesh.provider.wire import MeshComponentProvider

CHECKED_IN = Path(__file__).resolve().parents[2] / "provider" / "schema.json"


def package_version() -> str:
    try:
        return version("fargate-mesh")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "0.0.0"


def provider() -> MeshComponentProvider:
    """The provider the plugin serves (provider/__main__.py) and the tests construct through."""
    return MeshComponentProvider(COMPONENTS, PACKAGE, None, package_version())


def inferred_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(provider().schema or "{}")
    return schema


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help=f"write {CHECKED_IN}")
    args = parser.parse_args(argv)
    text = render(inferred_schema())
    if args.write:
        CHECKED_IN.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
