"""Nothing is replaced on a live stack.

tests/aws/live_stacks/<stack>.json holds every resource of a shipped stack as users' live state
has it: URN → {type, inputs}, recorded from the shipped code. The test runs the program as it is
now (record_stack.record(), under the recording mocks) and checks that `pulumi up` would take over
every one of them, by its URN or through a `pulumi.Alias`, with the same type and the same inputs
(tests/aws/stack_diff.py says how the engine decides). A URN nothing takes over would be deleted
and created again; a changed input may replace the resource.

Re-record on purpose only (say why in the commit; the file is what users' stacks hold):

    python -m tests.aws.test_live_stacks --update [--recorded-from "<commit> (<why>)"]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.aws.recorded import REPO_ROOT, recorded_stack, run_recording, shipped_stacks
from tests.aws.stack_diff import problems

LIVE_STACKS = Path(__file__).with_name("live_stacks")

# Deliberate input changes: stack → live URN → {top-level input: why it may change}. Only for
# what rolls forward without a replacement of anything users hold: an ECS task definition is
# immutable, so a changed container definition registers a new revision and the service rolls
# to it (circuit breaker and rollback as always). Nothing else belongs here.
EXPECTED_CHANGES: dict[str, dict[str, dict[str, str]]] = {
    "dev": {},
    "prod": {},
}


def live_stack(stack: str) -> dict[str, dict[str, Any]]:
    return json.loads((LIVE_STACKS / f"{stack}.json").read_text(encoding="utf-8"))["resources"]


def test_every_shipped_stack_has_its_live_state():
    """GIVEN the stacks shipped in stacks/
    WHEN their live states are looked for
    THEN each has one, so none goes unguarded."""
    assert sorted(p.stem for p in LIVE_STACKS.glob("*.json")) == shipped_stacks()


@pytest.mark.parametrize("stack", shipped_stacks())
def test_nothing_is_replaced_on_a_live_stack(stack):
    """GIVEN a live stack as the shipped code made it
    WHEN the program as it is now runs for that stack
    THEN every live resource is taken over under its URN or through an alias, with its type and
    inputs unchanged (but for EXPECTED_CHANGES): `pulumi up` deletes and replaces nothing."""
    found = problems(live_stack(stack), recorded_stack(stack)["resources"], EXPECTED_CHANGES[stack])
    assert not found, f"{stack}: `pulumi up` would change the live stack:\n  " + "\n  ".join(found)


def test_expected_changes_name_live_task_definitions_only():
    """GIVEN the allow-list of deliberate input changes
    WHEN its entries are read
    THEN each names a task definition the live stack holds, with a reason."""
    for stack, changes in EXPECTED_CHANGES.items():
        live = live_stack(stack)
        for urn, keys in changes.items():
            assert live[urn]["type"] == "aws:ecs/taskDefinition:TaskDefinition", urn
            assert all(why.strip() for why in keys.values()), urn


def record_live_state(stack: str, recorded_from: str) -> dict[str, Any]:
    """The live-state file of a stack, from a fresh recording of the program as it is now."""
    recording, proc = run_recording(stack)
    if proc.returncode != 0:
        raise SystemExit(f"the program failed for stack {stack!r}:\n{recording.get('error') or proc.stderr}")
    resources = {r["urn"]: {"type": r["type"], "inputs": r["inputs"]} for r in recording["resources"]}
    return {"recordedFrom": recorded_from, "stack": stack, "resources": resources}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--update", action="store_true", required=True, help="re-record every shipped stack")
    parser.add_argument("--recorded-from", help="what the files say they were recorded from (default: HEAD)")
    args = parser.parse_args(argv)
    recorded_from = (
        args.recorded_from
        or subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    for stack in shipped_stacks():
        state = record_live_state(stack, recorded_from)
        path = LIVE_STACKS / f"{stack}.json"
        path.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{path.relative_to(REPO_ROOT)}: {len(state['resources'])} resources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
