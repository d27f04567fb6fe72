"""Loopback blocks give local tasks addresses of their own, in 127.0.0.0/8 but never 127.0.0.0/24."""

from __future__ import annotations

import ipaddress
import random
import socket

import pytest

from fargate_mesh.localmesh.loopback import LoopbackBlock, random_block


def test_random_blocks_avoid_the_shared_block_and_differ():
    """GIVEN many random blocks
    WHEN their networks are compared
    THEN none is 127.0.0.0/24 and they are spread out (no two of 50 alike from a seeded generator)"""
    rng = random.Random(7)
    blocks = [random_block(rng) for _ in range(50)]
    assert all(b.network.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")) and b.second != 0 for b in blocks)
    assert len({b.network for b in blocks}) == 50


def test_a_host_of_a_block_can_be_bound_on_a_fixed_port():
    """GIVEN two blocks' host 10
    WHEN both bind the same TCP port
    THEN both succeed: each task can use Fargate's fixed ports on its own address"""
    first = random_block()
    second = LoopbackBlock(first.second, (first.third + 1) % 256)
    with socket.socket() as a, socket.socket() as b:
        a.bind((first.host(10), 0))
        b.bind((second.host(10), a.getsockname()[1]))


@pytest.mark.parametrize(("second", "third"), [(0, 5), (255, 0), (10, 256)])
def test_blocks_outside_the_usable_range_are_refused(second: int, third: int):
    with pytest.raises(ValueError, match=f"127.{second}.{third}.0/24"):
        LoopbackBlock(second, third)


@pytest.mark.parametrize("number", [0, 255])
def test_network_and_broadcast_numbers_are_refused(number: int):
    with pytest.raises(ValueError, match=str(number)):
        random_block().host(number)
