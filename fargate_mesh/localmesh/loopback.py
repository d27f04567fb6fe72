"""Loopback addresses of their own for local "tasks", so each can listen on Fargate's fixed ports.

On Linux the whole of 127.0.0.0/8 reaches this machine without configuration, so a task at
127.X.Y.10 can serve :8080 beside another at 127.X.Y.11. A random /24 keeps runs that happen at the
same time (parallel tests, two meshes) apart without coordination: two runs share a block with
probability 1 in 65,024. 127.0.0.0/24 is never picked, because 127.0.0.1 (and 127.0.0.53, a local
stub resolver) are everyone's.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class LoopbackBlock:
    """127.X.Y.0/24: `host(n)` is 127.X.Y.n."""

    second: int
    third: int

    def __post_init__(self) -> None:
        if not (1 <= self.second <= 254 and 0 <= self.third <= 255):
            raise ValueError(f"127.{self.second}.{self.third}.0/24 is not a block localmesh may use")

    def host(self, number: int) -> str:
        if not 1 <= number <= 254:
            raise ValueError(f"host number {number} is not between 1 and 254")
        return f"127.{self.second}.{self.third}.{number}"

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(f"127.{self.second}.{self.third}.0/24")


def random_block(rng: random.Random | None = None) -> LoopbackBlock:
    pick = rng or random.SystemRandom()
    return LoopbackBlock(pick.randint(1, 254), pick.randint(0, 255))
