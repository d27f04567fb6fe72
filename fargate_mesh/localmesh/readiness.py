"""Readiness of a local mesh's processes: an HTTP URL that answers 200 once a process serves.

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


def probe(client: httpx.Client, check: Probe) -> str | None:
    """None when the URL answers 200, else what happened instead ("answered 503", "connection refused")."""
    try:
        status = client.get(check.url).status_code
    except httpx.ConnectError:
        return "connection refused"
    except httpx.TimeoutException:
        return "no answer in time"
    except httpx.HTTPError as err:
        return f"{type(err).__name__}: {err}"
    return None if status == 200 else f"answered {status}"
