"""The envoy stack (stacks/Pulumi.envoy.yaml) with STRICT mutual mesh TLS, recorded from the real program
under mocks, certificates from a created Private CA or from Secrets Manager; and lookups into it."""

from __future__ import annotations

import functools
import json
from typing import Any

from fargate_mesh.components.envoy.proxy import ENVOY_CONTAINER
from fargate_mesh.testing import Recording
from tests.aws.recorded import recorded_with_mesh
from tests.helpers.ecs_tasks import TASK_DEFINITION, containers
from tests.helpers.meshes import stack_data

CERTIFICATE = "aws:acm/certificate:Certificate"
CA = "aws:acmpca/certificateAuthority:CertificateAuthority"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:{}"
# Each task family's identity: the versions carry their service's, the gateway its own.
IDENTITIES = {
    "shop-envoy-gateway": "shop-envoy-gateway.shop.local",
    "shop-envoy-products-v1": "products.shop.local",
    "shop-envoy-products-v2": "products.shop.local",
    "shop-envoy-prices-v1": "prices.shop.local",
}


def tls_envoy(**authority: Any) -> dict[str, Any]:
    tls: dict[str, Any] = {"mode": "STRICT", "mutual": True}
    if authority:
        tls["authority"] = authority
    return stack_data("envoy", **tls)


SECRETS_AUTHORITY = {
    "secrets": {
        "caCertificate": SECRET.format("ca"),
        "identities": {name: SECRET.format(name) for name in ("products", "prices", "gateway")},
    }
}


@functools.cache
def recording(source: str = "privateCa") -> Recording:
    return recorded_with_mesh("envoy", tls_envoy(**SECRETS_AUTHORITY) if source == "secrets" else tls_envoy())


def envoy_tasks(rec: Recording) -> dict[str, dict[str, Any]]:
    return {
        t["inputs"]["family"]: t for t in rec.of_type(TASK_DEFINITION) if ENVOY_CONTAINER in containers(t)
    }


def role_policy(rec: Recording, family: str) -> dict[str, Any]:
    """The task role policy of the task whose family is `family` (shop-envoy-gateway is the ingress)."""
    suffix = "ingress-task" if family.endswith("-gateway") else f"{family.removeprefix('shop-envoy-')}-task"
    [policy] = [p for p in rec.of_type(ROLE_POLICY) if p["name"] == f"shop-envoy-{suffix}"]
    return json.loads(policy["inputs"]["policy"])
