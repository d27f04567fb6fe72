"""The myshop stack: read the stack's mesh spec, build the platform, export where it answers."""

import pulumi

from fargate_mesh.components import MeshPlatform, MeshPlatformArgs
from fargate_mesh.spec import SpecError, parse_mesh

APPS_DIR = "apps"
SOURCE = "myshop:mesh"


def platform_args() -> MeshPlatformArgs:
    """The validated spec compiled for its data plane, or a failure listing every problem (the spec,
    its data plane, app folders that cannot be built) before any resource exists."""
    config = pulumi.Config("myshop")
    try:
        args = MeshPlatformArgs(
            mesh=parse_mesh(config.require_object("mesh"), source=SOURCE),
            spec_source=SOURCE,
            apps_dir=APPS_DIR,
            alb_deletion_protection=config.get_bool("albDeletionProtection") or False,
            force_delete_repositories=config.get_bool("forceDeleteRepositories") or False,
        )
    except SpecError as err:
        # RunError: Pulumi prints the message alone, no traceback.
        raise pulumi.RunError(str(err)) from None
    return args


args = platform_args()
platform = MeshPlatform(args.compiled.name, args)

pulumi.export("url", platform.url)
pulumi.export("albDnsName", platform.alb_dns_name)
pulumi.export("meshName", platform.mesh_name)
if platform.mesh_arn is not None:  # App Mesh's; `dataplane: envoy` has no mesh resource
    pulumi.export("meshArn", platform.mesh_arn)
pulumi.export("clusterName", platform.cluster_name)
pulumi.export("virtualServices", platform.virtual_service_names)
