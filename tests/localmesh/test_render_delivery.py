"""A bootstrap goes inline while it fits the task definition beside everything else, else via S3."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fargate_mesh.render.envoy.delivery import (
    BOOTSTRAP_PATH,
    INLINE_LIMIT_BYTES,
    RESERVED_BYTES,
    TASK_DEFINITION_LIMIT_BYTES,
    choose_delivery,
    compact_json,
    escaped_size,
)
from fargate_mesh.render.envoy.lifecycle import container_command, health_check

SMALL = {"admin": {"address": {"socket_address": {"address": "0.0.0.0", "port_value": 9901}}}}


def padded(escaped_bytes: int) -> dict[str, Any]:
    """A bootstrap whose escaped size is exactly `escaped_bytes` (padding in a node id)."""
    base = escaped_size(compact_json({"node": {"id": ""}}))
    return {"node": {"id": "x" * (escaped_bytes - base)}}


def test_the_limit_leaves_the_reserve_free_in_64_kib():
    assert TASK_DEFINITION_LIMIT_BYTES == 65536
    assert INLINE_LIMIT_BYTES == 65536 - RESERVED_BYTES == 49152


def test_a_small_bootstrap_goes_inline_on_the_command_line():
    """GIVEN a bootstrap of a few hundred bytes
    WHEN delivery is chosen
    THEN inline: Envoy gets it as --config-yaml, compact JSON that reads back as the same bootstrap"""
    delivery = choose_delivery(SMALL)
    assert delivery.mode == "inline"
    flag, text = delivery.envoy_config_args
    assert flag == "--config-yaml" and json.loads(text) == SMALL
    assert " " not in text


def test_the_size_counted_is_the_json_escaped_string():
    """GIVEN {"a":"x\\\\y"} (12 bytes compact)
    WHEN its size inside a task definition is counted
    THEN 20: two enclosing quotes, and one more byte for each of its 4 quotes and 2 backslashes"""
    text = compact_json({"a": "x\\y"})
    assert len(text) == 12
    assert escaped_size(text) == 12 + 2 + 4 + 2


@pytest.mark.parametrize(("size", "mode"), [(INLINE_LIMIT_BYTES, "inline"), (INLINE_LIMIT_BYTES + 1, "s3")])
def test_the_limit_itself_is_still_inline(size: int, mode: str):
    delivery = choose_delivery(padded(size))
    assert delivery.escaped_bytes == size
    assert delivery.mode == mode


def test_a_large_bootstrap_is_fetched_from_s3_by_a_key_naming_its_content():
    """GIVEN a bootstrap over the inline limit
    WHEN delivery is chosen, for it, for the same content with keys in another order, and for other content
    THEN S3: Envoy reads the init container's file, and the key is the same for the same content only"""
    big = padded(INLINE_LIMIT_BYTES + 1000)
    delivery = choose_delivery(big)
    assert delivery.mode == "s3"
    assert delivery.envoy_config_args == ["-c", BOOTSTRAP_PATH]
    assert delivery.object_key.startswith("envoy-bootstrap/") and delivery.object_key.endswith(".json")
    reordered = dict(reversed(list({**big, "admin": SMALL["admin"]}.items())))
    same = choose_delivery({"admin": SMALL["admin"], **big})
    assert choose_delivery(reordered).object_key == same.object_key
    assert same.object_key != delivery.object_key


def test_the_reserve_can_be_the_measured_rest_of_the_task_definition():
    """GIVEN a 40 KiB bootstrap
    WHEN the rest of the task definition is known to take 30 KiB
    THEN it no longer goes inline, though it would with the default reserve"""
    bootstrap = padded(40 * 1024)
    assert choose_delivery(bootstrap).mode == "inline"
    assert choose_delivery(bootstrap, reserved_bytes=30 * 1024).mode == "s3"


@pytest.mark.parametrize("reserved", [-1, TASK_DEFINITION_LIMIT_BYTES])
def test_an_impossible_reserve_is_refused(reserved: int):
    with pytest.raises(ValueError, match=f"reserved_bytes: {reserved} is not between 0 and 65535"):
        choose_delivery(SMALL, reserved_bytes=reserved)


def test_the_lifecycle_wrapper_and_health_check_take_under_2_kib_of_the_reserve():
    """GIVEN the Envoy container's command without its bootstrap, and its health check
    WHEN sized as they appear in a task definition
    THEN under 2 KiB together, as the reserve's budget in delivery.py assumes"""
    used = len(json.dumps(container_command([]))) + len(json.dumps(health_check()))
    assert used < 2048, used
