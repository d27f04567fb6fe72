"""The provider as the Pulumi engine talks to it: inputs arrive as a protobuf Struct, in which every
number is a double and an object's keys come in no set order.

- A spec's weights (100.0), a port (8080.0) or a count (2.0) would be refused, or land in a
  container definition as `8080.0`: the SDK's component host does not convert nested plain objects
  (the spec) and, as of pulumi 3.272, keeps the double even for an integer input. So every whole
  double is made an int again, before any args class sees it. A float field still takes the int
  (pydantic and the AWS provider accept ints for floats).
- A spec's versions in another order would list a route's weighted targets in another order, a
  diff on every `pulumi up` for nothing. So every object's keys are put in sorted order: the same
  inputs give the same resources on every run. (Lists keep their order: a route list's is meaning.)"""

from typing import Any

import pulumi
from pulumi import Inputs
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.provider import ConstructResult


def as_declared(value: Any) -> Any:
    """`value` with every whole float an int and every dict's keys in sorted order, however deep (in
    dicts, lists and Outputs)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: as_declared(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [as_declared(item) for item in value]
    if isinstance(value, pulumi.Output):
        return value.apply(as_declared)
    return value


class MeshComponentProvider(ComponentProvider):
    """The SDK's component provider, given the inputs' numbers as the components declare them, and
    objects in one order."""

    def construct(
        self,
        name: str,
        resource_type: str,
        inputs: Inputs,
        options: pulumi.ResourceOptions | None = None,
    ) -> ConstructResult:
        return super().construct(name, resource_type, as_declared(inputs), options)
