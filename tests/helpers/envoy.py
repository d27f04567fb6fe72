"""Envoy bootstraps in tests: have the real Envoy validate them, and read the parts tests look at."""

from __future__ import annotations

import itertools
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fargate_mesh.localmesh.launch import envoy_validate
from fargate_mesh.model import CompiledMesh
from fargate_mesh.render.envoy import render_all
from fargate_mesh.render.envoy.plan import fargate_plan, loopback_plan


def rendered(mesh: CompiledMesh, plan: str) -> dict[str, dict[str, Any]]:
    """Every bootstrap of the mesh under the "fargate" plan, or the "loopback" one from port 20000."""
    if plan == "fargate":
        return render_all(mesh, fargate_plan(mesh))
    ports = itertools.count(20_000)
    return render_all(mesh, loopback_plan(mesh, lambda: next(ports)))


def validate_files(files: list[Path]) -> dict[str, str]:
    """`envoy --mode validate` on each file, in parallel; Envoy's output for each one it rejects."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(files, pool.map(envoy_validate, files), strict=True))
    return {p.name: r.stdout + r.stderr for p, r in results.items() if r.returncode != 0}


def validate_all(configs: dict[str, dict[str, Any]], folder: Path) -> dict[str, str]:
    """Write each config to folder/<name>.json and validate them all (see validate_files)."""
    files = []
    for name, config in configs.items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        files.append(path)
    return validate_files(files)


def hcm(listener: dict[str, Any]) -> dict[str, Any]:
    """A listener's HTTP connection manager config."""
    return listener["filter_chains"][0]["filters"][0]["typed_config"]


def listeners(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in config["static_resources"]["listeners"]}


def clusters(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in config["static_resources"]["clusters"]}


def vhosts(listener: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in hcm(listener)["route_config"]["virtual_hosts"]}


def differences(left: Any, right: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Every leaf where two JSON documents differ, as (path, left, right); a key or item on one side
    only is a difference with None on the other. Lists of named objects (listeners, clusters) are
    matched by name, so a path reads `static_resources.clusters.cds_ingress_....connect_timeout`."""
    if isinstance(left, dict) and isinstance(right, dict):
        found = []
        for key in [*left, *(k for k in right if k not in left)]:
            found += differences(left.get(key), right.get(key), f"{path}.{key}" if path else key)
        return found
    if isinstance(left, list) and isinstance(right, list):
        if _named(left) and _named(right):
            return differences({i["name"]: i for i in left}, {i["name"]: i for i in right}, path)
        if len(left) == len(right):
            return [
                d
                for i, (a, b) in enumerate(zip(left, right, strict=True))
                for d in differences(a, b, f"{path}[{i}]")
            ]
    return [] if left == right else [(path, left, right)]


def _named(items: list[Any]) -> bool:
    """Every item is an object with a name of its own (no two alike, so matching by name loses none)."""
    names = [i.get("name") if isinstance(i, dict) else None for i in items]
    return bool(items) and all(isinstance(n, str) for n in names) and len(set(names)) == len(names)
