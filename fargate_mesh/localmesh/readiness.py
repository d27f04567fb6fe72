"""Readiness of a local mesh's processes: an HTTP URL that answers 200 once a process serves.

Used at startup (every probe of a wave until all pass) and when a task is started again.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import httpx

from fargate_mesh.localmesh.processes import ManagedProcess


@dataclass(frozen=True, eq=False)  # identity: a startup wait keys its pending probes by them
class Probe:
    what: str  # shown when it does not pass, e.g. "prices-v1 app health /health"
    url: str
    process: ManagedProcess  # the process it proves ready
    # An https URL: who the probe trusts and presents (tls_probe_context), and the name the listener's
    # certificate must carry (sent as SNI and checked), since the URL's host is an address.
    tls: ssl.SSLContext | None = None
    server_name: str | None = None


def tls_probe_context(ca: str, chain: str | None = None, key: str | None = None) -> ssl.SSLContext:
    """Trust the mesh CA only; present a certificate when a mutual listener asks for one."""
    context = ssl.create_default_context(cafile=ca)
    if chain is not None:
        context.load_cert_chain(chain, key)
    return context


def _get(client: httpx.Client, check: Probe) -> httpx.Response:
    if check.tls is None:
        return client.get(check.url)
    with httpx.Client(verify=check.tls, trust_env=False, timeout=client.timeout) as secure:
        extensions = {"sni_hostname": check.server_name} if check.server_name else None
        return secure.get(check.url, extensions=extensions)


def probe(client: httpx.Client, check: Probe) -> str | None:
    """None when the URL answers 200, else what happened instead ("answered 503", "connection refused")."""
    try:
        status = _get(client, check).status_code
    except httpx.ConnectError:
        return "connection refused"
    except httpx.TimeoutException:
        return "no answer in time"
    except httpx.HTTPError as err:
        return f"{type(err).__name__}: {err}"
    return None if status == 200 else f"answered {status}"
