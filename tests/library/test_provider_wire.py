"""The provider's inputs as the Pulumi engine sends them: a protobuf Struct, in which every number
is a double. The parity cases of test_provider.py pass Python ints straight to construct(), so they
never meet a float; here the same inputs take the wire first.

Without fargate_mesh/provider/wire.py, a spec's weights (100.0) failed `isinstance(weight, int)`,
`targetPort` 8080.0 was refused, `azCount` 2.0 raised a TypeError and FargateService wrote
`"containerPort": 8080.0`: the SDK's component host (pulumi 3.272) keeps the double even for an
integer input, and never converts a plain object such as the spec."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pytest
import yaml

from fargate_mesh.provider.schema import provider
from fargate_mesh.provider.wire import as_declared
from fargate_mesh.testing import deploy
from tests.examples import example
from tests.helpers.pulumi import over_the_wire, registered
from tests.library.test_provider import PARITY, below_the_component, constructed
from tests.library.test_reuse_docs import DOC, run


def test_the_wire_turns_every_number_into_a_float():
    """GIVEN the MeshStack parity case's spec WHEN it takes the wire THEN its weight is a float:
    what the provider really receives (the premise of the test below)."""
    wire = over_the_wire(PARITY[0][1])
    assert isinstance(wire["spec"]["services"]["products"]["versions"]["v1"]["weight"], float)


def has_whole_number(value: Any) -> bool:
    """Whether `value` holds an int anywhere (the inputs the wire turns into floats)."""
    if isinstance(value, dict):
        return any(has_whole_number(v) for v in value.values())
    if isinstance(value, list):
        return any(has_whole_number(v) for v in value)
    return isinstance(value, int) and not isinstance(value, bool)


CASES = [pytest.param(*case, id=f"{case[0]}-{i}") for i, case in enumerate(PARITY)]


@pytest.mark.parametrize(("component", "inputs", "python_program"), CASES)
def test_each_component_over_the_wire_registers_what_the_python_import_does(
    component: str, inputs: dict[str, Any], python_program: Callable[[], Any]
):
    """GIVEN a hosted component's parity inputs as the engine delivers them (numbers as doubles)
    WHEN it is constructed through the provider
    THEN it registers what the Python component registers from the same args."""
    through_provider = constructed(component, over_the_wire(inputs))
    assert below_the_component(through_provider, component) == below_the_component(
        deploy(lambda: python_program().urn), component
    )


def test_the_same_inputs_in_another_key_order_register_the_same_resources():
    """GIVEN the MeshService parity inputs, and the same with every object's keys reversed (the wire
    keeps no order: the spec's versions may come v2 first)
    WHEN each is constructed through the provider
    THEN both register exactly the same resources and inputs, so a `pulumi up` shows no diff."""
    component, inputs, _ = next(case for case in PARITY if case[0] == "MeshService")

    def reversed_keys(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: reversed_keys(value[key]) for key in reversed(list(value))}
        if isinstance(value, list):
            return [reversed_keys(item) for item in value]
        return value

    assert list(reversed_keys(inputs)["spec"]["services"]["products"]["versions"]) == ["v2", "v1"]
    assert below_the_component(
        constructed(component, reversed_keys(inputs)), component
    ) == below_the_component(constructed(component, inputs), component)


def test_the_yaml_join_mesh_example_over_the_wire_is_the_python_one():
    """GIVEN docs/reuse.md's Pulumi YAML MeshService (its spec's weight a whole number)
    WHEN its properties take the wire and are constructed through the provider
    THEN it registers what the Python join-mesh example registers (test_reuse_docs.py checks the
    same without the wire, where the weight is still an int)."""
    program = yaml.safe_load(example("yaml-join-mesh", DOC, "yaml"))
    ((name, resource),) = program["resources"].items()
    assert has_whole_number(resource["properties"])
    through_provider = deploy(
        lambda: provider().construct(name, resource["type"], over_the_wire(resource["properties"]), None).urn
    )
    assert registered(through_provider, leaving_out=resource["type"]) == registered(run("join-mesh"))


def test_whole_doubles_become_ints_however_deep_and_nothing_else_changes():
    """GIVEN inputs as the wire gives them: whole and fractional doubles, booleans, text, nested in
    objects, lists and an Output
    WHEN the provider takes them (wire.as_declared)
    THEN every whole double is an int, and fractions, booleans and text are as they were."""
    given = {"weight": 100.0, "ratio": 0.5, "on": True, "name": "8080", "ports": [8080.0, {"p": 2.0}]}
    assert as_declared(given) == {
        "weight": 100,
        "ratio": 0.5,
        "on": True,
        "name": "8080",
        "ports": [8080, {"p": 2}],
    }
    assert all(type(v) is int for v in (as_declared(given)["weight"], as_declared(given)["ports"][0]))


def test_a_whole_double_inside_an_output_becomes_an_int():
    """GIVEN an Output of a whole double (a value another resource gives)
    WHEN the provider takes it
    THEN the Output's value is an int."""
    exported = deploy(lambda: {"given": as_declared(pulumi.Output.from_input({"port": 8080.0}))}).outputs
    assert exported["given"] == {"port": 8080} and type(exported["given"]["port"]) is int
