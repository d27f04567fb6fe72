"""The order routes are evaluated in, for router routes and gateway routes alike.

App Mesh documents the first two rules: routes with a priority come first, lowest number first;
routes without one follow, longest prefix first (App Mesh user guide, "Routes" and "Gateway routes").
Routes that share a priority are ranked among themselves as unprioritised routes are: App Mesh sorts
the routes it writes into Envoy by path length, and a priority only moves a route ahead of that sort
(aws-app-mesh-roadmap #77, where priorities were introduced). Where App Mesh says nothing, this order
is the product's own, and every data plane the product renders keeps it. Routes of one priority, and
routes without a priority, are ranked by
  1. the literal length of their path: an exact path counts its length and wins a tie with a prefix
     (it is the narrower match); a regex ranks after every literal path, since its reach cannot be
     measured; a gRPC match's path is /<service>/ (a prefix) or /<service>/<method> (exact);
  2. then the number of extra conditions (headers, query parameters, method, scheme, hostname, gRPC
     metadata), so that a header canary on `/` is not shadowed by a plain `/`;
  3. then the order written in the spec (the sort is stable).
The first route that matches a request serves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from fargate_mesh.spec import GatewayMatch, HttpMatch


class Prioritised(Protocol):
    @property
    def priority(self) -> int | None: ...

    @property
    def match(self) -> HttpMatch: ...


R = TypeVar("R", bound=Prioritised)

# Ranks after every literal path of any length.
_REGEX_LENGTH = -1


def conditions(match: HttpMatch) -> int:
    count = (
        len(match.headers)
        + len(match.query_parameters)
        + len(match.metadata)
        + (match.method is not None)
        + (match.scheme is not None)
    )
    if isinstance(match, GatewayMatch) and match.hostname is not None:
        count += 1
    return count


def _specificity(match: HttpMatch) -> tuple[int, int, int]:
    literal = match.literal_path()
    if literal is None:
        length, kind = _REGEX_LENGTH, 0
    else:
        length, kind = len(literal[1]), 0 if literal[0] == "path" else 1
    return (-length, kind, -conditions(match))


def ordered(routes: Sequence[R]) -> list[R]:
    """The routes in evaluation order."""
    with_priority = sorted(
        (r for r in routes if r.priority is not None), key=lambda r: (r.priority or 0, _specificity(r.match))
    )
    without = sorted((r for r in routes if r.priority is None), key=lambda r: _specificity(r.match))
    return [*with_priority, *without]
