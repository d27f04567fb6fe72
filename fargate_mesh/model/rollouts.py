"""Where ECS, not route weights, moves traffic between versions (dataplane: serviceConnect).

A service there runs one ECS service: its steady version is the one every route but the test route
sends traffic to, and a change of that version is an ECS deployment that follows the service's
`rollout`. Under BLUE_GREEN, one route that matches a single header exactly and targets the steady
version is the test route: while a deployment is in its test stage, requests with that header reach
the new revision (Service Connect's test traffic rules).
"""

from __future__ import annotations

from fargate_mesh.model.compiled import CompiledRoute, CompiledService
from fargate_mesh.spec import HeaderMatch


def test_header(route: CompiledRoute) -> HeaderMatch | None:
    """The route's one header, when it matches nothing but that header's exact value."""
    match = route.match
    only_header = (
        len(match.headers) == 1
        and not match.query_parameters
        and match.method is None
        and match.path is None
        and match.effective_prefix == "/"
    )
    header = match.headers[0] if only_header else None
    if header is None or header.exact is None or header.invert or len(route.targets) != 1:
        return None
    return header


def steady_versions(service: CompiledService, test: CompiledRoute | None = None) -> list[str]:
    """The versions routes other than `test` send traffic to, in spec order."""
    wanted = {t.version for r in service.routes if r is not test for t in r.targets}
    return [v for v in service.versions if v in wanted]


def test_route(service: CompiledService) -> CompiledRoute | None:
    """The service's test route: under a BLUE_GREEN rollout, the first route that only matches a
    header exactly and targets the one steady version."""
    if service.rollout is None or service.rollout.strategy != "BLUE_GREEN":
        return None
    route = next((r for r in service.routes if test_header(r) is not None), None)
    if route is None or steady_versions(service, route) != [route.targets[0].version]:
        return None
    return route


def steady_version(service: CompiledService) -> str:
    """The version the service's one ECS service runs (the capability check has made it unique)."""
    versions = steady_versions(service, test_route(service))
    if len(versions) != 1:
        raise ValueError(
            f"{service.path}: {len(versions)} versions carry steady traffic; check capabilities first"
        )
    return versions[0]
