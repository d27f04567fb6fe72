"""The environment an app starts with: one rule, whichever data plane starts it.

Later entries win:
  1. `<NAME>_BASE_URL=http://<dns name>:<port>` for each backend the service calls, mesh services
     and external hosts alike (plain HTTP: the caller's sidecar routes it and originates TLS);
  2. the service's `env`;
  3. the version's `env`;
  4. APP_VERSION (the version's name), PORT (where the app listens) and, for a `protocol: http2`
     service, APP_PROTOCOL=http2 (its sidecar speaks h2c to it, so the app must serve h2c).
The names in 4, HOST and the proxy variables are reserved (spec/service.py RESERVED_ENV): a spec that
sets one is refused, so no data plane can override what another one keeps. PORT is the service's port
in a task on AWS; a runner whose address plan puts the app elsewhere (localmesh on loopback) says where
with `listening_on`, which sets PORT and HOST and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from fargate_mesh.spec import Service

if TYPE_CHECKING:
    from fargate_mesh.model.compiled import Callee


def app_env(service: Service, version: str, callees: Sequence[Callee]) -> dict[str, str]:
    env = {callee.env_var: callee.base_url for callee in callees}
    env |= service.env
    env |= service.versions[version].env
    env |= {"APP_VERSION": version, "PORT": str(service.port)}
    if service.protocol == "http2":
        env["APP_PROTOCOL"] = "http2"
    return env


def listening_on(env: Mapping[str, str], host: str, port: int) -> dict[str, str]:
    """The same environment for an app told to listen at host:port instead."""
    return {**env, "HOST": host, "PORT": str(port)}
