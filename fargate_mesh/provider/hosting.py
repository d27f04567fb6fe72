"""What every hosted component shares: its type token, and how it hands its Python component's
outputs on as its own.

Each hosted class registers its Python component as its only child, under its own name, so the
resources below it are those a Python program gets from the same args. Its outputs are that
component's, as Outputs: a dict or list of Outputs becomes one Output of the dict or list, which
is what a schema output can carry.
"""

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi

from fargate_mesh.components.base import child

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


def host(
    hosted: pulumi.ComponentResource,
    name: str,
    opts: pulumi.ResourceOptions | None,
    make: Callable[[pulumi.ResourceOptions], pulumi.Resource],
) -> None:
    """Register `hosted` as `fargatemesh:index:<its class name>`, make its Python component as its
    only child (`make` gets the child's options), and give `hosted` that component's outputs, each
    one its class annotates, as one Output each."""
    pulumi.ComponentResource.__init__(hosted, token(type(hosted).__name__), name, None, opts)
    made = make(child(hosted))
    exposed = {output: as_output(getattr(made, output)) for output in inspect.get_annotations(type(hosted))}
    for output, value in exposed.items():
        setattr(hosted, output, value)
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
