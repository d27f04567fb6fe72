"""A spec whose names are longer than AWS's limits deploys with names that fit (naming.fit).

The real program is recorded under Pulumi mocks with a 40-character mesh name and a service and
version whose role names would pass IAM's 64; Pulumi names those resources "<logical>-<7 hex>".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from fargate_mesh.facts import IAM_ROLE_NAME_MAX, LOAD_BALANCER_NAME_MAX, PULUMI_AUTONAME_SUFFIX
from tests.aws.recorded import run_recording

MESH_NAME = "a-rather-long-mesh-name-for-the-platform"  # 40 characters
SERVICE = "inventory-reservations-and-allocations"  # 38
VERSION = "release-2026-12-07-a"  # 20


@pytest.fixture(scope="module")
def resources(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    mesh = {
        "name": MESH_NAME,
        "namespace": "shop.local",
        "domain": "api.myshop.com",
        "hostedZone": "myshop.com",
        "gateway": {"routes": [{"match": {"prefix": "/"}, "service": SERVICE}]},
        "services": {
            SERVICE: {"image": "public.ecr.aws/example/inv:1.0", "versions": {VERSION: {"weight": 100}}}
        },
    }
    stack_file = Path(tmp_path_factory.mktemp("long-names")) / "Pulumi.long.yaml"
    stack_file.write_text(yaml.safe_dump({"config": {"aws:region": "us-east-1", "myshop:mesh": mesh}}))
    recorded, proc = run_recording("long", stack_file)
    assert proc.returncode == 0, recorded.get("error") or proc.stderr
    return list(recorded["resources"])


def autonamed(resources: list[dict[str, Any]], type_: str) -> list[str]:
    """Logical names of resources of `type_` that Pulumi names itself (no explicit name)."""
    return [r["name"] for r in resources if r["type"] == type_ and not r["inputs"].get("name")]


def test_role_names_fit_iam(resources: list[dict[str, Any]]) -> None:
    """GIVEN the recorded stack
    WHEN its IAM roles' logical names get Pulumi's suffix
    THEN every role name fits IAM's 64 characters, the long service's roles shortened to just fit"""
    roles = autonamed(resources, "aws:iam/role:Role")
    # The service's task and execution roles would be longer: they were shortened, not dropped.
    assert (
        sum(
            name.startswith(MESH_NAME) and len(name) == IAM_ROLE_NAME_MAX - PULUMI_AUTONAME_SUFFIX
            for name in roles
        )
        >= 2
    ), roles
    assert all(len(name) + PULUMI_AUTONAME_SUFFIX <= IAM_ROLE_NAME_MAX for name in roles), roles


def test_the_load_balancer_name_fits(resources: list[dict[str, Any]]) -> None:
    """GIVEN the recorded stack, whose mesh name alone passes 32 characters
    WHEN the load balancer's logical name gets Pulumi's suffix
    THEN it fits the 32 characters of a load balancer name"""
    (alb,) = autonamed(resources, "aws:lb/loadBalancer:LoadBalancer")
    assert len(alb) + PULUMI_AUTONAME_SUFFIX <= LOAD_BALANCER_NAME_MAX, alb
