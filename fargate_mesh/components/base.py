"""What every component shares: its type token, standard tags and child resource options."""

from __future__ import annotations

from collections.abc import Mapping

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
