"""Run the real Pulumi program (`__main__.py`) under recording mocks and write what it registered.

    python tests/aws/record_stack.py --stack dev --out dev.json
    python tests/aws/record_stack.py --stack dev --stack-file bad.yaml --out bad.json

The JSON holds `stack`, `resources` (type, logical name, inputs exactly as the mocks receive them,
i.e. Pulumi wire names in camelCase, outputs, plus urn/parent/dependencies/options), `outputs`
(the stack exports), `calls` (invokes) and `error` (the program's failure message, or null).
Exit status: 0 when the program ran, 1 when it failed (the JSON is written either way), 2 on
bad usage. One process per stack: Pulumi's runtime state is global to a process.
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import sys
import traceback
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


def stack_config(stack_file: Path) -> dict[str, str]:
    """The stack file's config as the Pulumi engine hands it to a program: structured values JSON-encoded."""
    import yaml

    document = yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}
    config = document.get("config") or {}
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def record(
    stack: str, stack_file: Path | None = None, project: str = "myshop"
) -> tuple[dict[str, Any], bool]:
    """Run __main__.py for one stack; return (recording, succeeded)."""
    os.chdir(REPO_ROOT)
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))

    import pulumi
    from pulumi.runtime.settings import get_root_resource
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    from fargate_mesh.testing import set_recording_mocks

    stack_file = stack_file or REPO_ROOT / "stacks" / f"Pulumi.{stack}.yaml"
    config = stack_config(stack_file)
    pulumi.runtime.set_all_config(config)
    mocks = set_recording_mocks(project=project, stack=stack, region=config.get("aws:region", "us-east-1"))

    error: str | None = None
    error_type: str | None = None
    error_traceback: str | None = None
    outputs: dict[str, Any] = {}

    def program() -> None:
        runpy.run_path(str(REPO_ROOT / "__main__.py"), run_name="__main__")

    try:
        _sync_await(run_pulumi_func(program))
        root = get_root_resource()
        exported = getattr(root, "outputs", {}) or {}
        holder: dict[str, Any] = {}

        def resolve() -> None:
            holder["value"] = _sync_await(pulumi.Output.from_input(exported).future())

        _sync_await(run_pulumi_func(resolve))
        outputs = holder.get("value") or {}
    except Exception as err:  # the program's failure is data here, reported in the JSON
        error, error_type = str(err), type(err).__name__
        if not isinstance(err, pulumi.RunError):
            # A bug rather than a reported failure: keep where it happened.
            error_traceback = traceback.format_exc()

    recording = {
        "stack": stack,
        "project": project,
        "resources": sorted(
            (_jsonable(r) for r in mocks.resources), key=lambda r: (r.get("urn") or "", r["type"], r["name"])
        ),
        "outputs": _jsonable(outputs),
        "calls": _jsonable(mocks.calls),
        "error": error,
        "errorType": error_type,
        "traceback": error_traceback,
    }
    return recording, error is None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--stack", required=True, help="stack name, e.g. dev (reads stacks/Pulumi.<stack>.yaml)"
    )
    parser.add_argument("--stack-file", type=Path, help="another stack file to read the config from")
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON recording")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    stack_file = args.stack_file.resolve() if args.stack_file else None
    recording, ok = record(args.stack, stack_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(recording, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if not ok:
        print(recording["traceback"] or recording["error"], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
