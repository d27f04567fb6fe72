"""The component provider: hosts fargate_mesh.provider's components; the schema is inferred from
their type annotations (provider/schema.json is that schema, checked in).

It serves fargate_mesh's provider (the SDK's component provider, given the engine's numbers back as
ints: fargate_mesh/provider/wire.py) rather than calling `component_provider_host`, which builds the
SDK's own."""

import sys

from pulumi.provider import main

from fargate_mesh.provider.schema import provider

if __name__ == "__main__":
    # The language host passes the plugin's folder, then the engine's address and flags.
    main(provider(), sys.argv[1:])
