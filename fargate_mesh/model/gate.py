"""compile_checked: the one gate between a validated spec and a renderer."""

from __future__ import annotations

from fargate_mesh.model.capabilities import unsupported
from fargate_mesh.model.compile import compile_mesh
from fargate_mesh.model.compiled import CompiledMesh
from fargate_mesh.model.dataplanes import INFO
from fargate_mesh.spec import Mesh, Problem, SpecError
from fargate_mesh.spec.mesh import DATAPLANES, DataPlane


def compile_checked(
    mesh: Mesh, dataplane: DataPlane | None = None, *, deploying: bool = False, source: str = "mesh spec"
) -> CompiledMesh:
    """The compiled mesh, or a SpecError listing every feature `dataplane` (default: the stack's own)
    cannot carry, by field path. deploying: the caller deploys it with Pulumi, so a data plane the
    components cannot build yet is refused too."""
    plane = mesh.dataplane if dataplane is None else dataplane
    compiled = compile_mesh(mesh)
    problems = unsupported(compiled, plane)
    if deploying and not INFO[plane].deployable:
        ready = [p for p in DATAPLANES if INFO[p].deployable]
        problems.append(
            Problem(
                "dataplane",
                f"{plane} cannot be deployed with Pulumi yet (deployable: {', '.join(ready)}); "
                "localmesh runs the mesh on Envoy on this machine",
            )
        )
    if deploying and compiled.tls.enabled and not INFO[plane].builds_mesh_tls:
        problems.append(
            Problem(
                "tls",
                f"the {plane} components do not configure mesh TLS yet, and this stack asks for it; "
                "it would be deployed in plaintext, so it is refused (set tls.mode: DISABLED to deploy "
                "without, or use dataplane: appmesh)",
            )
        )
    if problems:
        raise SpecError(problems, source)
    return compiled
