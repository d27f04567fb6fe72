"""How the app's outbound calls reach its sidecar without App Mesh's iptables rules: HTTP_PROXY.

ECS's proxyConfiguration (type APPMESH) is the redirection App Mesh's Envoy is documented with, and
nothing documents it for another proxy after App Mesh's end of support, so the app is told instead:
- `HTTP_PROXY`/`http_proxy` name the sidecar's egress listener (127.0.0.1:15001). Clients that honour
  them (Python's requests and httpx, curl, Go's net/http, ...) send plain-HTTP calls there in absolute
  form, and the egress listener routes them by host as App Mesh's would, answering 404 for a host the
  service did not declare (its DROP_ALL).
- `NO_PROXY`/`no_proxy` exempt the task metadata endpoint (169.254.170.2: task credentials) and the
  instance metadata address (169.254.169.254), as App Mesh's EgressIgnoredIPs do, and the task itself.
- Never `HTTPS_PROXY`: the app speaks plain HTTP to the mesh and the sidecar originates TLS; an
  HTTPS_PROXY would send the SDKs' calls to AWS through a listener that cannot CONNECT.
The trade-off: a client that ignores these variables (or connects by IP) bypasses the sidecar, where
iptables caught every connection. Security groups still admit only declared callers, and only on the
callee's sidecar port, so such a call can reach external hosts but no other service.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate.html
"""

from __future__ import annotations

from fargate_mesh.facts import ENVOY_EGRESS_PORT

TASK_METADATA_IP = "169.254.170.2"
INSTANCE_METADATA_IP = "169.254.169.254"
NO_PROXY = ("localhost", "127.0.0.1", TASK_METADATA_IP, INSTANCE_METADATA_IP)


def proxy_environment(egress_port: int = ENVOY_EGRESS_PORT) -> dict[str, str]:
    """The app's proxy variables, upper and lower case (clients read one or the other)."""
    proxy = f"http://127.0.0.1:{egress_port}"
    no_proxy = ",".join(NO_PROXY)
    return {"HTTP_PROXY": proxy, "http_proxy": proxy, "NO_PROXY": no_proxy, "no_proxy": no_proxy}
