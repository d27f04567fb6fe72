"""The myshop stack: read the stack's mesh spec, build the platform, export where it answers."""

import pulumi

from fargate_mesh.components import MeshPlatform, MeshPlatformArgs, missing_build_contexts
from fargate_mesh.model import compile_checked
from fargate_mesh.spec import Mesh, SpecError, parse_mesh

APPS_DIR = "apps"


def load_mesh() -> Mesh:
    """The validated spec, or a failure listing every problem before any resource exists."""
    config = pulumi.Config("myshop")
    try:
        mesh = parse_mesh(config.require_object("mesh"), source="myshop:mesh")
        compile_checked(mesh, deploying=True, source="myshop:mesh")  # what the stack's data plane refuses
    except SpecError as err:
        # RunError: Pulumi prints the message alone, no traceback.
        raise pulumi.RunError(str(err)) from None
    problems = missing_build_contexts(mesh, APPS_DIR)
    if problems:
        raise pulumi.RunError("myshop:mesh cannot be built:\n" + "\n".join(f"  - {p}" for p in problems))
    return mesh


mesh = load_mesh()
config = pulumi.Config("myshop")
platform = MeshPlatform(
    mesh.name,
    MeshPlatformArgs(
        mesh=mesh,
        apps_dir=APPS_DIR,
        data_plane=mesh.dataplane,
        alb_deletion_protection=config.get_bool("albDeletionProtection") or False,
        force_delete_repositories=config.get_bool("forceDeleteRepositories") or False,
    ),
)

pulumi.export("url", platform.url)
pulumi.export("albDnsName", platform.alb_dns_name)
pulumi.export("meshName", platform.mesh_name)
if platform.mesh_arn is not None:  # App Mesh's; `dataplane: envoy` has no mesh resource
    pulumi.export("meshArn", platform.mesh_arn)
pulumi.export("clusterName", platform.cluster_name)
pulumi.export("virtualServices", platform.virtual_service_names)
