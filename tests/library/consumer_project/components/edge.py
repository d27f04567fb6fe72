"""Edge only: fargate-mesh's PublicEndpoint in front of a VPC this program does not own."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from fargate_mesh.components import PublicEndpoint, PublicEndpointArgs


def shop_edge(
    vpc_id: pulumi.Input[str], public_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
) -> PublicEndpoint:
    return PublicEndpoint(
        "shop",
        PublicEndpointArgs(
            domain="api.myshop.com",
            hosted_zone="myshop.com",
            vpc_id=vpc_id,
            public_subnet_ids=public_subnet_ids,
            target_port=8080,
            health_check_path="/health",
        ),
    )
