"""Nothing is replaced on a live stack.

tests/aws/live_stacks/<stack>.json holds every resource of a shipped stack as users' live state
has it: URN → {type, inputs}, recorded from the shipped code. The test runs the program as it is
now (record_stack.record(), under the recording mocks) and checks that `pulumi up` would take over
every one of them, by its URN or through a `pulumi.Alias`, with the same type and the same inputs
(tests/aws/stack_diff.py says how the engine decides). A URN nothing takes over would be deleted
and created again; a changed input may replace the resource.

Re-record on purpose only (say why in the commit; the file is what users' stacks hold):

    python -m tests.aws.test_live_stacks --update [--stack <stack>] [--recorded-from "<commit> (<why>)"]

`--stack` records only that stack (a new one), leaving the others as their users' states hold them.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.aws.recorded import REPO_ROOT, recorded_stack, run_recording, shipped_stacks
from tests.aws.stack_diff import problems

LIVE_STACKS = Path(__file__).with_name("live_stacks")

# An app image is tagged by the content of what builds it (images.build_digest), so any change to
# an app's code is a new tag and digest, hence a new task definition revision: a deploy of new
# code, by design, not a change the program makes. Compared without that part.
APP_CONTENT_TAG = re.compile(
    r"(\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/[^:@\s\"]+):[0-9a-f]{12}(@sha256:[0-9a-f]{64})?"
)

# Deliberate input changes: stack → live URN → {top-level input: why it may change}. Only for
# what rolls forward without a replacement of anything users hold:
# - an ECS task definition is immutable, so a changed container definition registers a new
#   revision and the service rolls to it (circuit breaker and rollback as always);
# - an app image is a build: a changed build input builds and pushes a new tag (the repository's
#   tags are immutable; the old image stays until the lifecycle policy expires it).
# Nothing else belongs here.
SAMPLE_APPS_KIT = {
    key: "the sample apps share one Dockerfile and the kit (apps/README.md) since the apps kit"
    for key in ("context", "dockerfile", "buildArgs")
}
ENVOY_TRACING = {
    "containerDefinitions": "Envoy reports X-Ray segments to its task's daemon when the spec says "
    "tracing: true (docs/dataplanes/envoy.md), as App Mesh's Envoy does: every Envoy's bootstrap gains "
    "a tracing block, so every task definition of the envoy stack rolls a new revision"
}
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ROLLS_FORWARD = {TASK_DEFINITION, "docker-build:index:Image"}


def live_stack(stack: str) -> dict[str, dict[str, Any]]:
    return json.loads((LIVE_STACKS / f"{stack}.json").read_text(encoding="utf-8"))["resources"]


EXPECTED_CHANGES: dict[str, dict[str, dict[str, str]]] = {
    **{
        stack: {
            f"urn:pulumi:{stack}::myshop::fargatemesh:platform:MeshPlatform$fargatemesh:images:AppImage"
            f"$docker-build:index:Image::shop-{stack}-{app}-image": SAMPLE_APPS_KIT
            for app in ("products", "prices")
        }
        for stack in ("dev", "prod")
    },
    "envoy": {urn: ENVOY_TRACING for urn, r in live_stack("envoy").items() if r["type"] == TASK_DEFINITION},
}


def without_app_content(value: Any) -> Any:
    """The value with every app image's content tag (and digest) replaced by a placeholder."""
    if isinstance(value, str):
        return APP_CONTENT_TAG.sub(r"\1:<app content>", value)
    if isinstance(value, dict):
        return {k: without_app_content(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_app_content(v) for v in value]
    return value


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
    inputs unchanged (but for EXPECTED_CHANGES and apps' content tags): `pulumi up` deletes and
    replaces nothing."""
    live = {urn: {**r, "inputs": without_app_content(r["inputs"])} for urn, r in live_stack(stack).items()}
    recorded = [{**r, "inputs": without_app_content(r["inputs"])} for r in recorded_stack(stack)["resources"]]
    found = problems(live, recorded, EXPECTED_CHANGES.get(stack, {}))
    assert not found, f"{stack}: `pulumi up` would change the live stack:\n  " + "\n  ".join(found)


def test_expected_changes_name_only_what_rolls_forward():
    """GIVEN the allow-list of deliberate input changes
    WHEN its entries are read
    THEN each names a task definition or an app image the live stack holds, with a reason."""
    for stack, changes in EXPECTED_CHANGES.items():
        live = live_stack(stack)
        for urn, keys in changes.items():
            assert live[urn]["type"] in ROLLS_FORWARD, urn
            assert all(why.strip() for why in keys.values()), urn


def test_only_an_app_images_content_tag_is_set_aside():
    """GIVEN image references of a built app, a prebuilt image and a public one
    WHEN compared without app content
    THEN only the 12-hex content tag (and its digest) in a private ECR repository is replaced."""
    built = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-dev/prices:6040d2f476af@sha256:" + "0" * 64
    assert without_app_content({"image": built}) == {
        "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-dev/prices:<app content>"
    }
    for kept in (
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/prices:1.0",
        "public.ecr.aws/a/b:6040d2f476af",
    ):
        assert without_app_content([kept]) == [kept]


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
    parser.add_argument(
        "--stack",
        action="append",
        choices=shipped_stacks(),
        help="only this stack (repeatable; default: all)",
    )
    parser.add_argument("--recorded-from", help="what the files say they were recorded from (default: HEAD)")
    args = parser.parse_args(argv)
    recorded_from = (
        args.recorded_from
        or subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    for stack in args.stack or shipped_stacks():
        state = record_live_state(stack, recorded_from)
        path = LIVE_STACKS / f"{stack}.json"
        path.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{path.relative_to(REPO_ROOT)}: {len(state['resources'])} resources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
