"""`python -m meshapp_kit.healthcheck /health`: the container health check of a sample app.

Where no proxy of ours probes the app (ECS Service Connect), ECS runs this inside the container: a
GET of the path on the app's own port (PORT, else 8080) on loopback. Exit 0 for a 2xx or 3xx
answer, 1 for anything else. Standard library only, so every image that holds the kit can run it.
"""

from __future__ import annotations

import http.client
import os
import sys

TIMEOUT_SECONDS = 3.0


def probe(path: str, port: int, timeout: float = TIMEOUT_SECONDS) -> str | None:
    """None when the app answers `path` with 2xx or 3xx; else why not."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"User-Agent": "meshapp-healthcheck"})
        status = connection.getresponse().status
    except OSError as err:
        return f"GET {path} on port {port} failed: {err}"
    finally:
        connection.close()
    return None if 200 <= status < 400 else f"GET {path} on port {port} answered {status}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].startswith("/"):
        print("usage: python -m meshapp_kit.healthcheck /path", file=sys.stderr)
        return 2
    raw_port = os.environ.get("PORT", "").strip() or "8080"
    if not raw_port.isdigit():
        print(f"PORT must be a port number, got {raw_port!r}", file=sys.stderr)
        return 2
    problem = probe(args[0], int(raw_port))
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
