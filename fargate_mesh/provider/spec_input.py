"""The mesh spec as a hosted component's input: the spec-derived components (App Mesh's
MeshService, ServiceRouting, ExternalService and IngressGateway; envoy's EnvoyMeshService and
EnvoyGateway; Service Connect's ConnectService) take the spec as a plain object, as a stack file
holds it, and compile it themselves, as MeshPlatformArgs does. Each is a part of one data plane and
says which: the spec is checked for what that data plane can carry, and a spec that chooses
another one is refused (MeshStack deploys every data plane).

Every problem comes back at once, in one SpecError, before anything is registered: the spec's own
under `spec.` (`spec.services.orders.port`), the component's inputs by their names (`service`,
`images.v2`), an unknown name with the names the spec has.
"""

from collections.abc import Callable, Mapping
from typing import Any

from fargate_mesh.components.ecs.task import ExistingTaskResources, task_role_problems
from fargate_mesh.model import CompiledMesh, CompiledService, compile_checked, compile_mesh
from fargate_mesh.spec import Problem, SpecError, parse_mesh
from fargate_mesh.spec.mesh import DataPlane


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
    *,
    dataplane: DataPlane,
) -> CompiledMesh:
    """`spec` compiled for `dataplane`, the one `owner` is a part of, or one SpecError ("<owner>
    inputs are invalid") with every problem: the spec's (at `spec.<path>`, what that data plane
    cannot carry among them), a spec choosing another data plane, `problems` the caller found in
    its other inputs, and what `checks` finds in the compiled mesh (which must allow for names
    `problems` refused)."""
    found = list(problems)
    compiled: CompiledMesh | None = None
    try:
        mesh = parse_mesh(spec)
    except SpecError as refused:
        found += [_in_spec(p) for p in refused.problems]
    else:
        if mesh.dataplane != dataplane:
            found.append(
                Problem(
                    "spec.dataplane",
                    f"{owner.split()[0]} is a part of the {dataplane} data plane, and this spec chooses "
                    f"{mesh.dataplane}: set dataplane: {dataplane}, or use MeshStack for a "
                    f"{mesh.dataplane} mesh",
                )
            )
        try:
            compiled = compile_checked(mesh, dataplane, deploying=True)
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


def image_problems(
    mesh: CompiledMesh, service: str, given: Mapping[str, Any], versions: list[str]
) -> list[Problem]:
    """An image for each of `versions` of `service` (given, or the spec's `image`), and none given
    for a version the service does not have; none when the mesh has no such service (the unknown
    name is reported by unknown_name)."""
    if service not in mesh.services:
        return []
    known = mesh.services[service].versions
    problems = []
    missing = [v for v in versions if known[v].image is None and v not in given]
    if missing:
        problems.append(
            Problem(
                "images", f"no image for versions {missing}: give images.<version>, or image: in the spec"
            )
        )
    problems += [
        Problem(f"images.{v}", f"{service} has no version {v!r}; it has: {', '.join(known)}")
        for v in sorted(set(given) - set(known))
    ]
    return problems


def version_images(service: CompiledService, given: Mapping[str, Any]) -> dict[str, Any]:
    """Version → its image: the one given, else the spec's (image_problems saw one is there)."""
    return {v: given.get(v) or version.image or "" for v, version in service.versions.items()}


def _in_spec(problem: Problem) -> Problem:
    return Problem(f"spec.{problem.path}" if problem.path else "spec", problem.message)


def task_role_input_problems(args: Mapping[str, Any]) -> list[Problem]:
    """A workload's `existing` and `task_policy_arns` inputs checked with the args classes' own rule,
    so they are reported with the spec's problems, in the same error, not in a second round."""
    return task_role_problems(
        ExistingTaskResources(**(args.get("existing") or {})), args.get("task_policy_arns", {})
    )
