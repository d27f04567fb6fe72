"""The component provider: hosts fargate_mesh.provider's components; the schema is inferred from
their type annotations (provider/schema.json is that schema, checked in)."""

from pulumi.provider.experimental import component_provider_host

from fargate_mesh.provider import COMPONENTS, PACKAGE
from fargate_mesh.provider.schema import package_version

if __name__ == "__main__":
    component_provider_host(COMPONENTS, PACKAGE, version=package_version())
