"""Readiness of a local mesh's processes: an HTTP URL that answers 200 once a process serves, or for
a grpc service, a gRPC health check (grpc.health.v1.Health/Check over h2c) that answers SERVING.

Used at startup (every probe of a wave until all pass) and when a task is started again.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from fargate_mesh.localmesh.processes import ManagedProcess


@dataclass(frozen=True, eq=False)  # identity: a startup wait keys its pending probes by them
class Probe:
    what: str  # shown when it does not pass, e.g. "prices-v1 app health /health"
    url: str
    process: ManagedProcess  # the process it proves ready
    grpc: bool = False  # a gRPC health check at url (http://host:port), not a GET


GRPC_HEALTH_CHECK = "/grpc.health.v1.Health/Check"
# A gRPC message frame: not compressed, 0 bytes (HealthCheckRequest{}); the answer SERVING is
# HealthCheckResponse{status: 1}, two bytes.
_EMPTY_MESSAGE = b"\x00\x00\x00\x00\x00"
_SERVING = b"\x00\x00\x00\x00\x02\x08\x01"


def probe(client: httpx.Client, check: Probe) -> str | None:
    """None when the URL answers 200, else what happened instead ("answered 503", "connection refused")."""
    try:
        if check.grpc:
            return _grpc_health(check.url)
        status = client.get(check.url).status_code
    except httpx.ConnectError:
        return "connection refused"
    except httpx.TimeoutException:
        return "no answer in time"
    except httpx.HTTPError as err:
        return f"{type(err).__name__}: {err}"
    return None if status == 200 else f"answered {status}"


def _grpc_health(url: str) -> str | None:
    # h2c with prior knowledge, as gRPC clients speak to a plain-text server.
    with httpx.Client(http1=False, http2=True, trust_env=False, timeout=2) as h2:
        response = h2.post(
            url + GRPC_HEALTH_CHECK,
            content=_EMPTY_MESSAGE,
            headers={"content-type": "application/grpc", "te": "trailers"},
        )
    if response.status_code != 200:
        return f"answered {response.status_code}"
    return None if response.content == _SERVING else f"not SERVING (answered {response.content!r})"
