"""The role ECS assumes to move a load balancer's traffic between target groups during a CANARY,
LINEAR or BLUE_GREEN deployment (ECS developer guide, "Amazon ECS infrastructure IAM role for load
balancers"): the listener rule and the two target groups it shifts between, nothing else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.base import child
from fargate_mesh.components.ecs.iam import policy_document


def load_balancer_traffic_role(
    name: str,
    *,
    listener_rule_arns: Sequence[pulumi.Input[str]],
    target_group_arns: Sequence[pulumi.Input[str]],
    description: str,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> aws.iam.Role:
    role = aws.iam.Role(
        name,
        description=description,
        assume_role_policy=pulumi.Output.json_dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ecs.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
        tags=dict(tags),
        opts=child(parent),
    )
    aws.iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=policy_document(
            [
                # Describe calls take no resource-level permissions.
                {
                    "Effect": "Allow",
                    "Action": [
                        "elasticloadbalancing:DescribeListeners",
                        "elasticloadbalancing:DescribeRules",
                        "elasticloadbalancing:DescribeTargetGroups",
                        "elasticloadbalancing:DescribeTargetHealth",
                    ],
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Action": ["elasticloadbalancing:ModifyRule"],
                    "Resource": list(listener_rule_arns),
                },
                {
                    "Effect": "Allow",
                    "Action": [
                        "elasticloadbalancing:RegisterTargets",
                        "elasticloadbalancing:DeregisterTargets",
                    ],
                    "Resource": list(target_group_arns),
                },
            ]
        ),
        opts=child(parent),
    )
    return role
