"""Run the consumer's programs under fargate_mesh.testing's mocks; print what they registered as JSON."""

from __future__ import annotations

import json
from typing import Any

import components
import pulumi
from components.edge import shop_edge
from components.join import reviews_in_shared_mesh
from components.platform import SPEC, shop_platform

import fargate_mesh
from fargate_mesh.testing import Recording, deploy


def edge_on_existing_vpc() -> dict[str, Any]:
    # As a StackReference would give them: the VPC id and the subnet list are Outputs.
    vpc_id = pulumi.Output.from_input("vpc-0abc")
    subnets = pulumi.Output.from_input(["subnet-pub-a", "subnet-pub-b"])
    return {"url": shop_edge(vpc_id, subnets).url}


def summary(rec: Recording) -> dict[str, Any]:
    return {"urns": sorted(rec.urns()), "outputs": rec.outputs, "resources": rec.resources}


print(
    json.dumps(
        {
            "fargate_mesh": fargate_mesh.__file__,
            "components": components.__file__,
            "edge": summary(deploy(edge_on_existing_vpc)),
            "platform": summary(deploy(lambda: {"url": shop_platform(SPEC).url})),
            "join": summary(deploy(lambda: {"service": reviews_in_shared_mesh().virtual_service_name})),
            "two_platforms": summary(
                deploy(
                    lambda: {"east": shop_platform(SPEC, "east").url, "west": shop_platform(SPEC, "west").url}
                )
            ),
        }
    )
)
