"""python -m fargate_mesh.migrate --from <App Mesh stack> --to <stack on another data plane>"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fargate_mesh.migrate.plan import DEFAULT_SHIFT, MigrationError, migration_steps, render
from fargate_mesh.spec import SpecError, load_stack_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fargate_mesh.migrate",
        description="Print the tested procedure that moves clients from an App Mesh stack to a parallel "
        "stack on another data plane, with a rollback for every step.",
    )
    parser.add_argument("--from", dest="source", required=True, help="the App Mesh stack, e.g. dev")
    parser.add_argument("--to", dest="target", required=True, help="the stack to move to, e.g. envoy")
    parser.add_argument("--stacks", type=Path, default=Path("stacks"), help="where Pulumi.<stack>.yaml are")
    parser.add_argument(
        "--shift",
        default=",".join(map(str, DEFAULT_SHIFT)),
        help="percent of clients on the target after each step (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        shift = [int(p) for p in args.shift.split(",")]
    except ValueError:
        parser.error(f"--shift: {args.shift!r} is not a comma-separated list of percentages")
    try:
        meshes = [
            load_stack_file(args.stacks / f"Pulumi.{stack}.yaml") for stack in (args.source, args.target)
        ]
        steps = migration_steps(args.source, meshes[0], args.target, meshes[1], shift)
    except (SpecError, MigrationError, OSError) as err:
        print(f"cannot migrate {args.source} to {args.target}: {err}", file=sys.stderr)
        return 2
    print(render(steps, args.source, args.target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
