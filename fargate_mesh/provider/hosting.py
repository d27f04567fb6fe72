"""What every hosted component shares: its type token, and how it hands its Python component's
outputs on as its own.

Each hosted class registers its Python component as its only child, under its own name, so the
resources below it are those a Python program gets from the same args. Its outputs are that
component's, as Outputs: a dict or list of Outputs becomes one Output of the dict or list, which
is what a schema output can carry.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

PACKAGE = "fargatemesh"


def token(component: str) -> str:
    """`fargatemesh:index:<Name>`: the provider host serves only the `index` module."""
    return f"{PACKAGE}:index:{component}"


def as_output(value: Any) -> pulumi.Output[Any]:
    """One Output of `value`, whether it is a value, an Output, or a dict or list of Outputs. None
    (MeshPlatform's mesh_arn on a data plane without App Mesh) is empty text."""
    if value is None:
        return pulumi.Output.from_input("")
    if isinstance(value, Mapping):
        return pulumi.Output.all(**value)
    if isinstance(value, list | tuple):
        return pulumi.Output.all(*value)
    return pulumi.Output.from_input(value)


def expose(hosted: pulumi.ComponentResource, made: pulumi.Resource, *outputs: str) -> None:
    """Give `hosted` the named outputs of the Python component `made`, and register them."""
    exposed = {name: as_output(getattr(made, name)) for name in outputs}
    for name, value in exposed.items():
        setattr(hosted, name, value)
    hosted.register_outputs(exposed)


def dependencies(opts: pulumi.ResourceOptions | None) -> list[pulumi.Resource]:
    """The resources a hosted component's `dependsOn` names (the engine sends them by URN)."""
    given = opts.depends_on if opts is not None else None
    if given is None:
        return []
    if isinstance(given, pulumi.Resource):
        return [given]
    if isinstance(given, Sequence):
        return [d for d in given if isinstance(d, pulumi.Resource)]
    raise TypeError("dependsOn must be a list of resources, not an Output of one")
