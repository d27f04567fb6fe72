"""`localmesh up --demo`: once the mesh is ready, send a few requests and show where they went.

Generic over the spec: for each gateway route with a plain prefix, requests without headers show the
weighted split; for each router route that matches exact header values, requests with those headers
show where the header sends them. The version comes from the app's `x-app-version` header.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import httpx

from fargate_mesh.localmesh.route_table import describe_targets
from fargate_mesh.localmesh.runner import LocalMesh
from fargate_mesh.model import CompiledMesh

SPLIT_REQUESTS = 200
HEADER_REQUESTS = 20


def _count(client: httpx.Client, url: str, headers: dict[str, str], n: int) -> Counter[str]:
    seen: Counter[str] = Counter()
    for _ in range(n):
        try:
            response = client.get(url, headers=headers)
        except httpx.HTTPError as err:
            seen[f"error {type(err).__name__}"] += 1
            continue
        version = response.headers.get("x-app-version")
        seen[version if version and response.status_code < 500 else f"HTTP {response.status_code}"] += 1
    return seen


def _show(seen: Counter[str]) -> str:
    total = sum(seen.values())
    return ", ".join(f"{k} {v} ({100 * v / total:.0f}%)" for k, v in sorted(seen.items()))


def demo_requests(mesh: CompiledMesh) -> list[tuple[str, str, dict[str, str], str]]:
    """(label, path, headers, expectation) for every request batch the demo sends."""
    batches = []
    for route in mesh.gateway.routes:
        match = route.match
        if match.path is not None or match.headers or match.query_parameters or match.hostname:
            continue
        path = match.effective_prefix or "/"
        service = mesh.services[route.service]
        for router_route in service.routes:
            rmatch = router_route.match
            plain = rmatch.path is None and not rmatch.query_parameters and rmatch.method is None
            exact = all(h.exact is not None and not h.invert for h in rmatch.headers)
            if not (plain and exact and path.startswith(rmatch.effective_prefix or "/")):
                continue
            headers = {h.name: h.exact or "" for h in rmatch.headers}
            label = f"{path} " + (" ".join(f"{k}: {v}" for k, v in headers.items()) or "(no headers)")
            batches.append((label, path, headers, describe_targets(router_route.written_targets)))
    return batches


def run_demo(running: LocalMesh, say: Callable[[str], None]) -> None:
    say("demo: where requests to the gateway go (version from the x-app-version response header)")
    with running.gateway_client() as client:
        for label, path, headers, expected in demo_requests(running.compiled):
            n = HEADER_REQUESTS if headers else SPLIT_REQUESTS
            seen = _count(client, running.gateway_url + path, headers, n)
            say(f"  {label}: {n} requests → {_show(seen)}   (spec: {expected})")
