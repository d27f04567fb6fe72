"""What every component shares: its type token, standard tags and child resource options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

# Type tokens are `fargatemesh:<module>:<Type>`: the library's name, not one project's.
PACKAGE = "fargatemesh"


def type_token(module: str, type_name: str) -> str:
    return f"{PACKAGE}:{module}:{type_name}"


def standard_tags(mesh_name: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Spec tags plus the two every resource carries; ours win so they cannot be spoofed."""
    return {**(extra or {}), "mesh": mesh_name, "managed-by": "pulumi"}


def child(parent: pulumi.Resource, **options: object) -> pulumi.ResourceOptions:
    """Options for a component's child: parented to it (so it inherits provider and transforms)."""
    return pulumi.ResourceOptions(parent=parent, **options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Scope:
    """How a component names its children: `<component>-<part>`, so two components of one kind
    (two platforms, two services called `orders` in two meshes) never register the same URN.

    A child that had another logical name before (`formerly`: children of a platform were named
    after the spec alone) gets that name as a `pulumi.Alias`; the engine then takes the live
    resource over, and its children with it (their names start with the child's, so they inherit
    the alias). One place for every rename, so no stack loses a resource to one.
    """

    parent: pulumi.Resource
    name: str

    def named(
        self, part: str | None = None, *, formerly: str | None = None, **options: object
    ) -> tuple[str, pulumi.ResourceOptions]:
        """A child's name (`<component>-<part>`, or the component's own name for the one child of
        its kind) and its child() options, aliased to `formerly` where that name differs."""
        name = self.name if part is None else f"{self.name}-{part}"
        if formerly is not None and formerly != name:
            options["aliases"] = [pulumi.Alias(name=formerly)]
        return name, child(self.parent, **options)
