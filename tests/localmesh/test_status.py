"""How `localmesh status` reads one host's health_status from a caller's admin /clusters (the
ejection case is also shown end to end in test_e2e_status; failing health checks take 10 s or more
to show there, with App Mesh's shortest interval and threshold)."""

from __future__ import annotations

from typing import Any

import pytest

from fargate_mesh.localmesh.status import host_health


@pytest.mark.parametrize(
    ("health_status", "said"),
    [
        ({"eds_health_status": "HEALTHY"}, "healthy"),
        ({"eds_health_status": "HEALTHY", "failed_active_health_check": True}, "failing health checks"),
        ({"eds_health_status": "HEALTHY", "failed_outlier_check": True}, "ejected"),
        (
            {"failed_active_health_check": True, "failed_outlier_check": True},
            "failing health checks, ejected",
        ),
        ({"eds_health_status": "HEALTHY", "pending_active_hc": True}, "not checked yet"),
        ({"eds_health_status": "DRAINING"}, "draining"),
    ],
)
def test_host_health(health_status: dict[str, Any], said: str) -> None:
    assert host_health(health_status) == said
