"""Envoy clusters: to a local app, to another node's sidecar, to an external host, to an internal listener.

Policies and where they sit:
- Circuit breakers: App Mesh's thresholds (2147483647) on every cluster, because Envoy's own defaults
  (1024 connections/pending/requests, 3 concurrent retries) would throttle a mesh long before the app
  does. A service's `connectionPool` sets them on its sidecars' cluster for the app (App Mesh applies
  a listener's connection pool between the local Envoy and its own app): past a limit, that Envoy
  answers 503 at once (response flag UO) and counts it in `upstream_rq_pending_overflow`.
- Outlier detection: set on the server's spec, enforced on every *caller's* cluster for that node (a
  peer sidecar's egress cluster, the gateway's cluster), as App Mesh does.
- Active health checks: App Mesh sets the health check on the node's listener and does not say which
  Envoy runs it; here it runs on every cluster that targets the node (a peer sidecar's egress cluster,
  the gateway's cluster), checking through the node's sidecar ingress, so a check covers the sidecar
  and the app together. `no_traffic_interval` is the spec's interval: without
  it Envoy checks a cluster that carries no traffic only every 60 s, so a caller would see a failure or
  a recovery up to a minute late.
- What a failed check does: Envoy's panic threshold stays at its default (50 %). When fewer than
  half of a cluster's hosts are healthy, Envoy balances over all of them, healthy or not. A version's
  cluster has one host per task, and locally always exactly one, so a version whose only task fails
  its checks still gets its weighted share of requests: the failure shows in admin `/clusters`
  (`failed_active_hc`) and in the `health_check.*` and `lb_healthy_panic` stats, but diverts no
  traffic. With several tasks (on AWS) an unhealthy task is skipped while at least half are healthy.
  Either way a check never moves weight to another version: weights pick a cluster, and App Mesh's
  weighted targets are fixed too. This is deliberate: App Mesh documents no panic threshold (its
  "Envoy defaults set by App Mesh" page lists none), so Envoy's default is kept; with panic mode off,
  a one-task version would answer 503 (no healthy upstream) instead, which is no better.
- No check on the sidecar's own cluster for its app: the callers' checks already reach the app through
  the sidecar, and one more checker there could change nothing (one host, panic mode).
"""

from __future__ import annotations

from typing import Any

from fargate_mesh.model import CompiledExternal, CompiledService
from fargate_mesh.render.envoy.addresses import internal_address, is_ip, load_assignment, socket_address
from fargate_mesh.render.envoy.discovery import dns_discovery
from fargate_mesh.render.envoy.durations import envoy_duration
from fargate_mesh.render.envoy.plan import Endpoint
from fargate_mesh.spec import ConnectionPool, HealthCheck, OutlierDetection

MAX = 2_147_483_647
MESH_CONNECT_TIMEOUT = "1s"
# The internet is slower than a VPC; App Mesh's DNS nodes get Envoy's default.
EXTERNAL_CONNECT_TIMEOUT = "5s"
ALLOW_ALL_CLUSTER = "cds_egress_allow_all"
# Shared by the dynamic forward proxy filter (sidecar.py) and its cluster: they must name one cache.
ALLOW_ALL_DNS_CACHE = {"name": "egress_allow_all", "dns_lookup_family": "V4_PREFERRED"}


def circuit_breakers(pool: ConnectionPool | None = None) -> dict[str, Any]:
    """App Mesh's thresholds, or the service's connection pool where it sets one (a limit the spec
    leaves out stays at App Mesh's)."""
    limits = pool or ConnectionPool()
    return {
        "thresholds": [
            {
                "priority": "DEFAULT",
                "max_connections": limits.max_connections or MAX,
                "max_pending_requests": limits.max_pending_requests or MAX,
                "max_requests": limits.max_requests or MAX,
                "max_retries": MAX,
            }
        ]
    }


def _base(name: str, endpoints: list[Endpoint], connect_timeout: str, dns_type: str) -> dict[str, Any]:
    cluster: dict[str, Any] = {
        "name": name,
        "connect_timeout": connect_timeout,
        "lb_policy": "ROUND_ROBIN",
        "circuit_breakers": circuit_breakers(),
        "load_assignment": load_assignment(name, [socket_address(e) for e in endpoints]),
    }
    if all(is_ip(e.host) for e in endpoints):
        cluster["type"] = "STATIC"
    else:
        cluster["type"] = dns_type
        cluster["dns_lookup_family"] = "V4_PREFERRED"
    return cluster


def _http2(cluster: dict[str, Any], protocol: str) -> dict[str, Any]:
    if protocol in ("http2", "grpc"):
        cluster["typed_extension_protocol_options"] = {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                "explicit_http_config": {"http2_protocol_options": {}},
            }
        }
    return cluster


def app_cluster(name: str, service: CompiledService, app: Endpoint) -> dict[str, Any]:
    """A sidecar's cluster for its own app, limited by the service's connection pool."""
    cluster = _http2(_base(name, [app], MESH_CONNECT_TIMEOUT, "STRICT_DNS"), service.protocol)
    cluster["circuit_breakers"] = circuit_breakers(service.connection_pool)
    return cluster


def node_cluster(
    name: str, service: CompiledService, peers: list[Endpoint], resolver: Endpoint | None = None
) -> dict[str, Any]:
    """A caller's cluster for one version of a service: where peers reach that version's sidecar
    ingress. IPs are static; a name (a Cloud Map name) is discovered by DNS, one host per address in
    the answer, through `resolver` when the plan names one (discovery.py)."""
    cluster = _base(name, peers, MESH_CONNECT_TIMEOUT, "STRICT_DNS")
    if cluster["type"] == "STRICT_DNS":
        del cluster["type"], cluster["dns_lookup_family"]  # both are in the extension's config
        cluster["cluster_type"] = dns_discovery(resolver)
    cluster = _http2(cluster, service.protocol)
    cluster["health_checks"] = [health_check(service.health_check, service.dns_name, service.protocol)]
    if service.outlier_detection is not None:
        cluster["outlier_detection"] = outlier_detection(service.outlier_detection)
    return cluster


def health_check(check: HealthCheck, host: str, protocol: str) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "timeout": envoy_duration(check.timeout),
        "interval": envoy_duration(check.interval),
        "no_traffic_interval": envoy_duration(check.interval),
        "healthy_threshold": check.healthy_threshold,
        "unhealthy_threshold": check.unhealthy_threshold,
    }
    if protocol == "grpc":
        # App Mesh's grpc health check: the gRPC health checking protocol (grpc.health.v1), no path.
        rendered["grpc_health_check"] = {"authority": host}
        return rendered
    http: dict[str, Any] = {"path": check.path, "host": host}
    if protocol == "http2":
        http["codec_client_type"] = "HTTP2"
    rendered["http_health_check"] = http
    return rendered


def outlier_detection(policy: OutlierDetection) -> dict[str, Any]:
    return {
        "consecutive_5xx": policy.max_server_errors,
        "interval": envoy_duration(policy.interval),
        "base_ejection_time": envoy_duration(policy.base_ejection_duration),
        "max_ejection_percent": policy.max_ejection_percent,
        # App Mesh ejects on consecutive errors only, never on success-rate statistics.
        "enforcing_success_rate": 0,
    }


def external_cluster(
    name: str, backend: CompiledExternal, at: Endpoint, ca_file: str | None
) -> dict[str, Any]:
    """An external backend: DNS-resolved, and TLS originated here when the backend uses TLS.

    LOGICAL_DNS (one connection target, re-resolved) suits hosts behind large anycast/CDN address
    sets. SNI and the certificate name are the spec's host, not the plan's address: the plan may send
    the traffic somewhere else (a proxy, a stub), but the identity checked is the one the app asked for.
    ca_file: the CA bundle the certificate is validated with. There is no default: where it lives
    depends on the machine or image Envoy runs in, so the caller says (localmesh finds this host's).
    """
    cluster = _base(name, [at], EXTERNAL_CONNECT_TIMEOUT, "LOGICAL_DNS")
    if backend.tls:
        if ca_file is None:
            raise ValueError(
                f"external backend {backend.name!r} uses TLS: pass ca_file, the CA bundle Envoy "
                "validates its certificate with"
            )
        cluster["transport_socket"] = {
            "name": "envoy.transport_sockets.tls",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
                "sni": backend.host,
                "common_tls_context": {
                    "validation_context": {
                        "trusted_ca": {"filename": ca_file},
                        "match_typed_subject_alt_names": [
                            {"san_type": "DNS", "matcher": {"exact": backend.host}}
                        ],
                    }
                },
            },
        }
    return cluster


def internal_cluster(name: str, listener: str) -> dict[str, Any]:
    """A cluster whose endpoint is an internal listener of the same Envoy (no socket, no port)."""
    return {
        "name": name,
        "type": "STATIC",
        "connect_timeout": MESH_CONNECT_TIMEOUT,
        "circuit_breakers": circuit_breakers(),
        "load_assignment": load_assignment(name, [internal_address(listener)]),
    }


def dynamic_forward_proxy_cluster() -> dict[str, Any]:
    """ALLOW_ALL's cluster: any host the request names, resolved by DNS (the internet's timeout)."""
    return {
        "name": ALLOW_ALL_CLUSTER,
        "connect_timeout": EXTERNAL_CONNECT_TIMEOUT,
        "lb_policy": "CLUSTER_PROVIDED",
        "circuit_breakers": circuit_breakers(),
        "cluster_type": {
            "name": "envoy.clusters.dynamic_forward_proxy",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig",
                "dns_cache_config": ALLOW_ALL_DNS_CACHE,
            },
        },
    }
