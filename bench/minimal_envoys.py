"""The floor for an Envoy chain on this machine: two minimal Envoys in front of one app.

Each Envoy is a listener, the router filter and one static cluster, nothing else (no admin, no access
log, no health checks, no retries, no stats sinks), started as localmesh starts its own (one worker,
hot restart off). The front one forwards to the back one, the back one to the app: the same two hops
as the gateway and the sidecar, so the rendered chain's cost can be read as a ratio of this one.
Both bootstraps pass `envoy --mode validate` before they start.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fargate_mesh.localmesh.launch import envoy_argv, envoy_binary, envoy_validate
from fargate_mesh.localmesh.ports import PortAllocator

READY_TIMEOUT_S = 15.0


def minimal_bootstrap(name: str, listen: tuple[str, int], upstream: tuple[str, int]) -> dict:
    """listener on `listen` → HTTP connection manager → router → static cluster at `upstream`."""
    hcm = {
        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": name,
        "route_config": {
            "virtual_hosts": [
                {
                    "name": "all",
                    "domains": ["*"],
                    "routes": [{"match": {"prefix": "/"}, "route": {"cluster": "upstream"}}],
                }
            ]
        },
        "http_filters": [
            {
                "name": "envoy.filters.http.router",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
                },
            }
        ],
    }
    return {
        "static_resources": {
            "listeners": [
                {
                    "name": name,
                    "address": {"socket_address": {"address": listen[0], "port_value": listen[1]}},
                    "filter_chains": [
                        {
                            "filters": [
                                {"name": "envoy.filters.network.http_connection_manager", "typed_config": hcm}
                            ]
                        }
                    ],
                }
            ],
            "clusters": [
                {
                    "name": "upstream",
                    "type": "STATIC",
                    "load_assignment": {
                        "cluster_name": "upstream",
                        "endpoints": [
                            {
                                "lb_endpoints": [
                                    {
                                        "endpoint": {
                                            "address": {
                                                "socket_address": {
                                                    "address": upstream[0],
                                                    "port_value": upstream[1],
                                                }
                                            }
                                        }
                                    }
                                ]
                            }
                        ],
                    },
                }
            ],
        }
    }


@dataclass
class MinimalChain:
    front: tuple[str, int]  # where a client sends its requests
    pids: dict[str, int]  # "minimal front envoy", "minimal back envoy"


def _answers(address: tuple[str, int], path: str) -> bool:
    """One GET through the chain gets a 200 (both Envoys listen and the back one reaches the app)."""
    request = f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode()
    try:
        with socket.create_connection(address, timeout=1) as sock:
            sock.sendall(request)
            return sock.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


@contextlib.contextmanager
def minimal_chain(
    app: tuple[str, int], run_dir: Path, path: str, concurrency: int = 1
) -> Iterator[MinimalChain]:
    """Two minimal Envoys on free 127.0.0.1 ports in front of `app`, stopped on exit, whatever happens."""
    ports = PortAllocator()
    front, back = ("127.0.0.1", ports()), ("127.0.0.1", ports())
    configs = {
        "minimal back envoy": minimal_bootstrap("back", back, app),
        "minimal front envoy": minimal_bootstrap("front", front, back),
    }
    envoy = envoy_binary()
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs = contextlib.ExitStack()
    try:
        for name, config in configs.items():
            file = run_dir / f"{name.replace(' ', '-')}.json"
            file.write_text(json.dumps(config, indent=1))
            checked = envoy_validate(file, envoy)
            if checked.returncode != 0:
                raise RuntimeError(f"{file} fails envoy --mode validate:\n{checked.stdout}{checked.stderr}")
            log = logs.enter_context((run_dir / f"{name.replace(' ', '-')}.log").open("wb"))
            procs[name] = subprocess.Popen(
                envoy_argv(envoy, file, concurrency=concurrency, log_level="warning"),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not _answers(front, path):
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs.values()):
                raise RuntimeError(f"the minimal Envoys did not answer {path}; logs in {run_dir}")
            time.sleep(0.05)
        yield MinimalChain(front, {name: p.pid for name, p in procs.items()})
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        logs.close()
