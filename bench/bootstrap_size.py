"""How big `dataplane: envoy`'s bootstraps and task definitions get, against ECS's 64 KiB.

    python bench/bootstrap_size.py [--services 30] [--versions 2] [--callees 3]

For dev, prod and a generated mesh (N services, each with versions, a header canary, a path route
and a weighted default, calling a few others, every service behind a gateway route), prints per
mesh: the largest bootstrap raw (compact JSON, as shipped) and escaped (as a JSON string in the
container's command, how it counts in a RegisterTaskDefinition request), the largest task definition
request with that bootstrap inline (the containers the data plane really builds), and how each
delivery was chosen (render/envoy/delivery.py). Figures are also given as ratios: to the 64 KiB
limit and to dev's, measured in the same run. Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fargate_mesh.components.ecs import containers
from fargate_mesh.components.envoy.dataplane import fargate_bootstraps
from fargate_mesh.components.envoy.proxy import EnvoyProxy, S3Bootstrap
from fargate_mesh.model import CompiledMesh, compile_checked
from fargate_mesh.render.envoy import GATEWAY
from fargate_mesh.render.envoy.delivery import (
    TASK_DEFINITION_LIMIT_BYTES,
    choose_delivery,
    compact_json,
    escaped_size,
)
from fargate_mesh.spec import load_stack_file, parse_mesh

ROOT = Path(__file__).resolve().parents[1]
LOGS = containers.awslogs("/ecs/mesh/service-with-a-long-name", "us-east-1", "v1")
APP_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mesh/app:0123456789ab@sha256:" + "0" * 64


def generated(services: int, versions: int, callees: int) -> dict[str, Any]:
    """A mesh of `services` services with routes, each calling the next `callees` services."""
    names = [f"service-{i:02d}" for i in range(services)]
    version_names = [f"v{i + 1}" for i in range(versions)]
    spec_services = {}
    for i, name in enumerate(names):
        last = version_names[-1]
        spec_services[name] = {
            "port": 8080,
            "healthCheck": {"path": "/health"},
            "backends": [names[(i + k) % services] for k in range(1, callees + 1)],
            "retryPolicy": {"maxRetries": 2, "perRetryTimeout": "2s", "httpRetryEvents": ["gateway-error"]},
            "timeout": {"perRequest": "10s"},
            "versions": {v: {} for v in version_names},
            "routes": [
                {
                    "name": "canary",
                    "priority": 1,
                    "match": {"headers": [{"name": "x-canary", "exact": "true"}]},
                    "targets": {last: 100},
                },
                {
                    "name": "admin",
                    "priority": 5,
                    "match": {"prefix": f"/v1/{name}/admin"},
                    "targets": {version_names[0]: 100},
                },
                {
                    "name": "default",
                    "priority": 10,
                    "match": {"prefix": "/"},
                    "targets": {v: 100 // versions for v in version_names},
                },
            ],
        }
    return {
        "name": "bench",
        "dataplane": "envoy",
        "namespace": "bench.local",
        "domain": "api.bench.example.com",
        "hostedZone": "example.com",
        "gateway": {"port": 8080, "routes": [{"match": {"prefix": f"/v1/{n}"}, "service": n} for n in names]},
        "services": spec_services,
    }


def task_definition_bytes(mesh: CompiledMesh, workload: str, bootstrap: dict[str, Any], shipped: bool) -> int:
    """The RegisterTaskDefinition request of one task, as the data plane builds its containers (app,
    Envoy, X-Ray daemon; the init container when the bootstrap goes to S3). shipped: with the delivery
    the data plane chooses; else with the bootstrap inline, whatever its size."""
    delivery = choose_delivery(bootstrap)
    s3 = None
    if not shipped:
        delivery = dataclasses.replace(delivery, mode="inline")
    elif delivery.mode == "s3":
        bucket = "shop-envoy-bootstrap-20261207000000000000000001"
        s3 = S3Bootstrap(
            f"s3://{bucket}/{delivery.object_key}", f"arn:aws:s3:::{bucket}/{delivery.object_key}"
        )
    proxy_is_gateway = workload == GATEWAY
    proxy = EnvoyProxy(delivery, s3=s3, gateway_port=mesh.gateway.port if proxy_is_gateway else None)
    defs = []
    if not proxy_is_gateway:
        (version,) = [v for s in mesh.services.values() for v in s.versions.values() if v.node == workload]
        env = {**version.env, **proxy.app_environment}
        defs.append(
            containers.app_container(
                image=APP_IMAGE, port=8080, env=env, log_configuration=LOGS, depends_on=proxy.app_depends_on
            )
        )
    defs += proxy.containers(LOGS, tracing=True)
    defs.append(containers.xray_container(image=mesh.xray_image, log_configuration=LOGS))
    request = {
        "family": f"{mesh.name}-{workload}",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "512",
        "memory": "1024",
        "taskRoleArn": "arn:aws:iam::123456789012:role/a-task-role-with-a-long-name-0123456789",
        "executionRoleArn": "arn:aws:iam::123456789012:role/an-execution-role-0123456789",
        "containerDefinitions": defs,
    }
    return len(json.dumps(request, separators=(",", ":")).encode())


def measure(mesh: CompiledMesh) -> dict[str, Any]:
    bootstraps = fargate_bootstraps(mesh)
    raw = {k: len(compact_json(b).encode()) for k, b in bootstraps.items()}
    escaped = {k: escaped_size(compact_json(b)) for k, b in bootstraps.items()}
    tasks = {k: task_definition_bytes(mesh, k, b, shipped=False) for k, b in bootstraps.items()}
    shipped = {k: task_definition_bytes(mesh, k, b, shipped=True) for k, b in bootstraps.items()}
    modes = [choose_delivery(b).mode for b in bootstraps.values()]
    biggest = max(escaped, key=escaped.__getitem__)
    return {
        "proxies": len(bootstraps),
        "largest": biggest,
        "raw": raw[biggest],
        "escaped": escaped[biggest],
        "task": max(tasks.values()),
        "shipped": max(shipped.values()),
        "inline": modes.count("inline"),
        "s3": modes.count("s3"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=30)
    parser.add_argument("--versions", type=int, default=2)
    parser.add_argument("--callees", type=int, default=3)
    args = parser.parse_args(argv)
    meshes = {
        stack: compile_checked(load_stack_file(ROOT / "stacks" / f"Pulumi.{stack}.yaml"), "envoy")
        for stack in ("dev", "prod")
    }
    label = f"{args.services} services"
    meshes[label] = compile_checked(
        parse_mesh(generated(args.services, args.versions, args.callees)), "envoy"
    )
    results = {name: measure(mesh) for name, mesh in meshes.items()}
    base = results["dev"]
    limit = TASK_DEFINITION_LIMIT_BYTES
    print(f"ECS task definition limit: {limit} bytes (64 KiB); ratios: to that limit, and to dev's figure\n")
    header = (
        f"{'mesh':<12} {'proxies':>7}  {'largest bootstrap':<17} {'raw B':>7} {'escaped B':>9} {'/limit':>6} "
        f"{'/dev':>5}  {'task def, all inline B':>22} {'/limit':>6}  {'task def, as shipped B':>22} {'/limit':>6}  delivery"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        print(
            f"{name:<12} {r['proxies']:>7}  {r['largest']:<17} {r['raw']:>7} {r['escaped']:>9} "
            f"{r['escaped'] / limit:>6.2f} {r['escaped'] / base['escaped']:>5.1f}  "
            f"{r['task']:>22} {r['task'] / limit:>6.2f}  {r['shipped']:>22} {r['shipped'] / limit:>6.2f}  "
            f"{r['inline']} inline, {r['s3']} S3"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
