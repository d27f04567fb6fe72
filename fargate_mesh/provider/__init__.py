"""fargate_mesh's components for every Pulumi language: a component provider.

The Python SDK's component provider host (`pulumi.provider.experimental`) infers the provider's
schema from the type annotations of the hosted classes (`components.py` lists them; one module
per concern: platform, edge, foundation, mesh, workloads, ecs) and constructs them when a
TypeScript, Go, C#, Java or YAML program asks for them. `provider/` at the repository's root is
the plugin folder a program points `pulumi package add` at; its `schema.json` is what the
inference gives (`make schema` writes it; tests/library/test_provider.py compares).
"""

from fargate_mesh.provider.components import COMPONENTS, PACKAGE

__all__ = ["COMPONENTS", "PACKAGE"]
