"""The mesh spec as a hosted component's input: the spec-derived components (MeshService,
ServiceRouting, ExternalService, IngressGateway) take the spec as a plain object, as a stack file
holds it, and compile it themselves, as MeshPlatformArgs does.

Every problem comes back at once, in one SpecError, before anything is registered: the spec's own
under `spec.` (`spec.services.orders.port`), the component's inputs by their names (`service`,
`images.v2`), an unknown name with the names the spec has.
"""

from collections.abc import Callable, Mapping
from typing import Any

from fargate_mesh.model import CompiledMesh, compile_checked, compile_mesh
from fargate_mesh.spec import Problem, SpecError, parse_mesh
from fargate_mesh.spec.mesh import DataPlane

# These components are App Mesh's: the spec is checked for what App Mesh can carry, and a spec
# that chooses another data plane is refused (MeshStack deploys every data plane).
DATA_PLANE: DataPlane = "appmesh"


def unknown_name(spec: Any, section: str, input_name: str, name: str) -> list[Problem]:
    """A problem at `input_name` when `name` is not a key of the spec's `section`, listing those
    it has; none when it is (or when the spec has no such mapping: the spec's own problems say so)."""
    if not isinstance(spec, Mapping):
        return []
    names = spec.get(section) or {}
    if not isinstance(names, Mapping) or name in names:
        return []
    allowed = ", ".join(map(str, names)) or f"none: the spec has no {section}"
    return [Problem(input_name, f"{name!r} is not in the spec's {section}; it has: {allowed}")]


def compiled_spec(
    owner: str,
    spec: Any,
    problems: list[Problem],
    checks: Callable[[CompiledMesh], list[Problem]] = lambda _: [],
) -> CompiledMesh:
    """`spec` compiled for App Mesh, or one SpecError ("<owner> inputs are invalid") with every
    problem: the spec's (at `spec.<path>`), `problems` the caller found in its other inputs, and
    what `checks` finds in the compiled mesh (which must allow for names `problems` refused)."""
    found = list(problems)
    compiled: CompiledMesh | None = None
    try:
        mesh = parse_mesh(spec)
    except SpecError as refused:
        found += [_in_spec(p) for p in refused.problems]
    else:
        if mesh.dataplane != DATA_PLANE:
            found.append(
                Problem(
                    "spec.dataplane",
                    f"{owner.split()[0]} is a part of the {DATA_PLANE} data plane, and this spec chooses "
                    f"{mesh.dataplane}: use MeshStack for a {mesh.dataplane} mesh",
                )
            )
        try:
            compiled = compile_checked(mesh, DATA_PLANE, deploying=True)
        except SpecError as refused:
            found += [_in_spec(p) for p in refused.problems]
            compiled = compile_mesh(mesh)
        found += checks(compiled)
    if found or compiled is None:
        raise SpecError(found, f"{owner} inputs")
    return compiled


def no_mesh_tls(mesh: CompiledMesh) -> list[Problem]:
    """Mesh TLS needs the certificates MeshStack makes for the whole mesh; a part on its own would
    run in plaintext, so it is refused."""
    if not mesh.tls.enabled:
        return []
    return [
        Problem(
            "spec.tls",
            "mesh TLS is configured by MeshStack, which makes the mesh's certificate authority; this "
            "component alone would run in plaintext. Use MeshStack, or set tls.mode: DISABLED",
        )
    ]


def _in_spec(problem: Problem) -> Problem:
    return Problem(f"spec.{problem.path}" if problem.path else "spec", problem.message)
