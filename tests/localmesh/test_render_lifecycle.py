"""The Envoy container's command and health check as data: their shape, their limits, valid bash.

They run against the real Envoy in test_envoy_lifecycle.py; here is what needs no process.
"""

from __future__ import annotations

import subprocess

import pytest

from fargate_mesh.render.envoy.lifecycle import Lifecycle, container_command, health_check
from fargate_mesh.render.envoy.plan import Endpoint


def test_the_default_command_drains_for_15s_within_a_25s_stop_timeout():
    """GIVEN the default lifecycle and a bootstrap passed inline
    WHEN the container command is built
    THEN bash runs the wrapper with the admin address and drain period, then the Envoy command line
         with the bootstrap, a 15 s immediate drain and the extra options, in that order"""
    command = container_command(["--config-yaml", "{}"], extra_args=["-l", "info"])
    assert command[:2] == ["bash", "-c"]
    assert command[3:] == [
        "envoy-lifecycle",
        "127.0.0.1",
        "9901",
        "15",
        "envoy",
        "--config-yaml",
        "{}",
        "--drain-time-s",
        "15",
        "--drain-strategy",
        "immediate",
        "-l",
        "info",
    ]
    assert Lifecycle().stop_timeout_seconds == 25


def test_the_health_check_is_exec_form_bash_against_the_admin_ready_endpoint():
    """GIVEN an admin interface on 0.0.0.0:9901 reached at 127.0.0.1 and a 4 s ECS timeout
    WHEN the health check is built
    THEN it is CMD (no shell assumed), runs bash with the admin address, and waits at most 3 s for the
         answer so it never outlives ECS's timeout"""
    check = health_check(Lifecycle(admin=Endpoint("127.0.0.1", 9901), timeout_seconds=4))
    assert check["command"][:3] == ["CMD", "bash", "-c"]
    assert check["command"][4:] == ["envoy-ready", "127.0.0.1", "9901", "3"]
    assert "GET /ready" in check["command"][3]
    assert {k: check[k] for k in ("interval", "timeout", "retries", "startPeriod")} == {
        "interval": 5,
        "timeout": 4,
        "retries": 3,
        "startPeriod": 10,
    }


@pytest.mark.parametrize(
    "script", [container_command([])[2], health_check()["command"][3]], ids=["wrapper", "health-check"]
)
def test_both_scripts_are_valid_bash(script: str):
    result = subprocess.run(["bash", "-n", "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_every_out_of_range_setting_is_reported_at_once():
    """GIVEN a drain longer than the stop timeout allows and health check settings outside ECS's ranges
    WHEN the lifecycle is made
    THEN one ValueError names each field and what is allowed"""
    with pytest.raises(ValueError) as bad:
        Lifecycle(drain_seconds=22, stop_timeout_seconds=25, interval_seconds=2, retries=11)
    message = str(bad.value)
    assert "drain_seconds: 22 leaves less than 5s before stop_timeout_seconds (25)" in message
    assert "interval_seconds: 2 is not between 5 and 300" in message
    assert "retries: 11 is not between 1 and 10" in message


@pytest.mark.parametrize("stop", [0, 121])
def test_the_stop_timeout_stays_within_fargates_range(stop: int):
    with pytest.raises(ValueError, match=f"stop_timeout_seconds: {stop} is not between 1 and 120"):
        Lifecycle(drain_seconds=0, stop_timeout_seconds=stop)
