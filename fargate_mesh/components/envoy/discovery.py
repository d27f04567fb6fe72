"""A version's own Cloud Map service: how peers' Envoys find its tasks by plain DNS.

App Mesh filtered one Cloud Map service per mesh service on task attributes through the API; DNS
cannot filter, so every version gets a service of its own (products-v1 in shop.local), and each
version's ECS service registers its tasks there. Envoy resolves `products-v1.shop.local` and
balances over the addresses (render/envoy/discovery.py).
- A records, MULTIVALUE: one record per healthy task, up to eight in an answer (Route 53 returns
  at most eight healthy records, picked anew per query: a version with more tasks is reached through
  a shifting subset of eight; docs/dataplanes/envoy.md).
- The TTL bounds how long a stopped task stays in callers' clusters, hence the retries, outlier
  detection and health checks on every peer cluster.
- ECS reports each task's health through the custom health check.
https://docs.aws.amazon.com/cloud-map/latest/dg/services-values.html
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.base import child

DNS_TTL_SECONDS = 10  # as App Mesh's service: short, since callers re-resolve at the TTL


def version_discovery(
    name: str,
    *,
    service_name: str,
    namespace_id: pulumi.Input[str],
    parent: pulumi.Resource,
    tags: Mapping[str, str],
    ttl: int = DNS_TTL_SECONDS,
) -> aws.servicediscovery.Service:
    return aws.servicediscovery.Service(
        name,
        name=service_name,
        dns_config={
            "namespace_id": namespace_id,
            "dns_records": [{"type": "A", "ttl": ttl}],
            "routing_policy": "MULTIVALUE",
        },
        # failure_threshold is deprecated (AWS uses 1), but without a value the provider sends no
        # HealthCheckCustomConfig (see components/appmesh/service.py).
        health_check_custom_config={"failure_threshold": 1},
        tags=dict(tags),
        opts=child(parent, delete_before_replace=True),
    )
