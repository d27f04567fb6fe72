"""stack_diff decides what `pulumi up` would do to a live stack as the engine does: shown on small
programs run twice under the recording mocks, once as shipped and once changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws

from tests.aws.harness import set_recording_mocks
from tests.aws.stack_diff import problems
from tests.helpers.pulumi import deploy

CLUSTER = "aws:ecs/cluster:Cluster"


def run(program: Callable[[], Any]) -> list[dict[str, Any]]:
    return deploy(set_recording_mocks(stack="unit"), program).resources


def live(program: Callable[[], Any]) -> dict[str, dict[str, Any]]:
    return {r["urn"]: {"type": r["type"], "inputs": r["inputs"]} for r in run(program)}


def component(
    type_: str, name: str, parent: pulumi.Resource | None = None, **options: Any
) -> pulumi.Resource:
    return pulumi.ComponentResource(type_, name, opts=pulumi.ResourceOptions(parent=parent, **options))


def shipped() -> pulumi.Output[str]:
    """A cluster inside a foundation inside a platform."""
    platform = component("test:index:Platform", "p")
    foundation = component("test:index:Foundation", "f", platform)
    return aws.ecs.Cluster("c", name="shop", opts=pulumi.ResourceOptions(parent=foundation)).urn


def moved(*aliases: Any, name: str = "shop") -> Callable[[], pulumi.Output[str]]:
    """The cluster moved to a new component beside the foundation, with the given aliases."""

    def program() -> pulumi.Output[str]:
        platform = component("test:index:Platform", "p")
        foundation = component("test:index:Foundation", "f", platform)
        home = component("test:index:Home", "h", platform)
        return aws.ecs.Cluster(
            "c", name=name, opts=pulumi.ResourceOptions(parent=home, aliases=[a(foundation) for a in aliases])
        ).urn

    return program


def test_unchanged_program_changes_nothing():
    """GIVEN a live stack and the program that made it
    WHEN it runs again
    THEN there is nothing to report."""
    assert problems(live(shipped), run(shipped), {}) == []


def test_a_move_with_an_alias_to_the_old_parent_is_taken_over():
    """GIVEN a resource moved to another parent with `pulumi.Alias(parent=<old parent>)`
    WHEN compared with the live stack
    THEN the alias reaches the live URN: nothing is deleted."""
    assert problems(live(shipped), run(moved(lambda old: pulumi.Alias(parent=old))), {}) == []


def test_a_move_without_its_alias_is_a_delete():
    """GIVEN the same move without the alias
    WHEN compared with the live stack
    THEN the live URN is reported gone: `pulumi up` would delete the cluster and create another."""
    found = problems(live(shipped), run(moved()), {})
    assert found == [
        "gone (would be deleted): urn:pulumi:unit::myshop::test:index:Platform$test:index:Foundation"
        f"${CLUSTER}::c"
    ]


def test_children_follow_their_parents_alias():
    """GIVEN a component renamed with an alias to its old name, its children unchanged in code
    WHEN compared with the live stack
    THEN the children are taken over through the alias they inherit (name prefix swapped too)."""

    def before() -> pulumi.Output[str]:
        old = component("test:index:Service", "products")
        return aws.ecs.Cluster("products-cluster", name="x", opts=pulumi.ResourceOptions(parent=old)).urn

    def after() -> pulumi.Output[str]:
        new = component("test:index:Service", "catalog", aliases=[pulumi.Alias(name="products")])
        return aws.ecs.Cluster("catalog-cluster", name="x", opts=pulumi.ResourceOptions(parent=new)).urn

    assert problems(live(before), run(after), {}) == []


def test_changed_inputs_are_reported_unless_allowed():
    """GIVEN a moved resource whose name input changed
    WHEN compared with and without that input on the allow-list
    THEN the change is reported with its path, and passes only when its key is allowed."""
    state = live(shipped)
    recorded = run(moved(lambda old: pulumi.Alias(parent=old), name="shop-2"))
    (urn,) = [u for u, r in state.items() if r["type"] == CLUSTER]
    found = problems(state, recorded, {})
    assert len(found) == 1 and found[0].startswith("input name: 'shop' -> 'shop-2' (through the alias of")
    assert problems(state, recorded, {urn: {"name": "a deliberate rename"}}) == []
    assert problems(state, recorded, {urn: {"settings": "another key"}}) == found


def test_two_claims_on_one_live_urn_are_refused():
    """GIVEN two resources whose aliases both name the same live URN
    WHEN compared with the live stack
    THEN the second claim is reported, as the engine refuses it."""

    def twice() -> pulumi.Output[str]:
        platform = component("test:index:Platform", "p")
        foundation = component("test:index:Foundation", "f", platform)
        home = component("test:index:Home", "h", platform)
        old_urn = foundation.urn.apply(lambda u: f"{u.rsplit('::', 1)[0]}${CLUSTER}::c")
        for name in ("c", "d"):
            aws.ecs.Cluster(name, name="shop", opts=pulumi.ResourceOptions(parent=home, aliases=[old_urn]))
        return home.urn

    (found,) = problems(live(shipped), run(twice), {})
    assert found.startswith("claimed by two resources")
