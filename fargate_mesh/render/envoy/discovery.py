"""How an Envoy cluster finds the tasks behind a Cloud Map name: DNS, refreshed, optionally through a
given resolver.

On Fargate the system resolver (the VPC's, from /etc/resolv.conf) answers Cloud Map's names; on this
machine localmesh's DNS server does (localmesh/dns.py). So the two plans differ only in `resolver`.

The settings live in the `envoy.clusters.dns` extension (`DnsCluster`), which Envoy 1.40 prefers:
the same fields directly on the Cluster (`dns_refresh_rate`, `respect_dns_ttl`) are deprecated
there, and `envoy --mode validate` warns about them.
https://www.envoyproxy.io/docs/envoy/v1.40.0/api-v3/extensions/clusters/dns/v3/dns_cluster.proto
https://www.envoyproxy.io/docs/envoy/v1.40.0/api-v3/extensions/network/dns_resolver/cares/v3/cares_dns_resolver.proto

- Every address in an answer is a host of its own, as with STRICT_DNS
  (`all_addresses_in_single_endpoint` false): Cloud Map answers one A record per task.
- `respect_dns_ttl`: refresh when the records expire, so a task that stopped leaves the cluster one
  TTL after Cloud Map dropped it; `dns_refresh_rate` applies when the answer carries no TTL.
- IPv4 only: Cloud Map registers A records for awsvpc tasks, so asking for AAAA first would only add
  a round trip per refresh.
- `use_resolvers_as_fallback` false: with a resolver given, only that resolver is asked, so a
  local mesh can never resolve a name through this machine's own DNS instead.
"""

from __future__ import annotations

from typing import Any

from fargate_mesh.render.envoy.addresses import socket_address
from fargate_mesh.render.envoy.plan import Endpoint

DNS_REFRESH_RATE = "5s"  # Envoy's default, stated so the docs and the config agree


def dns_discovery(resolver: Endpoint | None = None, refresh_rate: str = DNS_REFRESH_RATE) -> dict[str, Any]:
    """The `cluster_type` of a cluster whose endpoints are DNS names (it replaces `type: STRICT_DNS`).

    resolver: the DNS server to ask (localmesh's); None for the system's resolver (Fargate's VPC).
    """
    config: dict[str, Any] = {
        "@type": "type.googleapis.com/envoy.extensions.clusters.dns.v3.DnsCluster",
        "dns_refresh_rate": refresh_rate,
        "respect_dns_ttl": True,
        "dns_lookup_family": "V4_ONLY",
        "all_addresses_in_single_endpoint": False,
    }
    if resolver is not None:
        config["typed_dns_resolver_config"] = {
            "name": "envoy.network.dns_resolver.cares",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig",
                "resolvers": [socket_address(resolver)],
                "use_resolvers_as_fallback": False,
                # Names are fully qualified; a search domain could only turn a miss into a wrong hit.
                "dns_resolver_options": {"no_default_search_domain": True},
            },
        }
    return {"name": "envoy.clusters.dns", "typed_config": config}
