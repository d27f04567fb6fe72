"""IAM for ECS tasks: roles only ECS tasks of this account can assume, with one inline policy each,
scoped to named resources. No wildcard actions; `*` resources only where AWS allows nothing else
(ecr:GetAuthorizationToken, X-Ray writes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from fargate_mesh import naming

Statement = dict[str, Any]

XRAY_WRITE_ACTIONS = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
]
ECR_PULL_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
]


def assume_role_policy(account_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """ECS tasks may assume the role, only on behalf of this account (confused-deputy guard)."""
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


def policy_document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def xray_statement() -> Statement:
    # X-Ray write APIs have no resource-level permissions: "*" is the only valid resource.
    return {"Sid": "XRayWrite", "Effect": "Allow", "Action": list(XRAY_WRITE_ACTIONS), "Resource": "*"}


def log_statement(log_group_arns: Sequence[pulumi.Input[str]]) -> Statement:
    streams = [pulumi.Output.concat(arn, ":log-stream:*") for arn in log_group_arns]
    return {
        "Sid": "WriteOwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": streams,
    }


def ecr_pull_statements(repository_arns: Sequence[pulumi.Input[str]]) -> list[Statement]:
    if not repository_arns:
        return []
    return [
        # GetAuthorizationToken has no resource-level permissions: "*" is the only valid resource.
        {"Sid": "EcrLogin", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Sid": "EcrPull",
            "Effect": "Allow",
            "Action": list(ECR_PULL_ACTIONS),
            "Resource": list(repository_arns),
        },
    ]


def execution_statements(
    log_group_arns: Sequence[pulumi.Input[str]], repository_arns: Sequence[pulumi.Input[str]] = ()
) -> list[Statement]:
    """What ECS itself needs to start the task: write its logs, pull its private images."""
    return [log_statement(log_group_arns), *ecr_pull_statements(repository_arns)]


@dataclass
class TaskRole:
    role: aws.iam.Role
    policy: aws.iam.RolePolicy | None  # None: the role may do nothing (IAM refuses an empty policy)
    # Managed policies attached for the app (the workload's task_policy_arns); none by default.
    attachments: list[aws.iam.RolePolicyAttachment] = field(default_factory=list)

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.role.arn

    @property
    def grants(self) -> list[pulumi.Resource]:
        """What must exist before the role can do all it is meant to: tasks wait for these."""
        return [*([self.policy] if self.policy else []), *self.attachments]


def task_role(
    name: str,
    *,
    parent: pulumi.Resource,
    account_id: pulumi.Input[str],
    statements: Sequence[Statement],
    description: str,
    tags: Mapping[str, str],
    policy_name: str | None = None,
    managed_policy_arns: Mapping[str, pulumi.Input[str]] | None = None,
) -> TaskRole:
    """A role for ECS tasks with one inline policy, if it has statements (children of `parent`).
    The policy is called `policy_name` (default `<name>-inline`): it only has to be unique within
    its role, and a name that does not follow the logical one survives a component's rename.
    Each of `managed_policy_arns` (label → policy ARN) is attached as `<name>-<label>`."""
    name = naming.role_logical_name(name)
    role = aws.iam.Role(
        name,
        assume_role_policy=assume_role_policy(account_id),
        description=description,
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    attachments = attach_managed_policies(name, role, managed_policy_arns or {}, parent)
    if not statements:
        return TaskRole(role, None, attachments)
    policy = aws.iam.RolePolicy(
        name,
        role=role.id,
        name=policy_name or f"{name}-inline",
        policy=policy_document(statements),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return TaskRole(role, policy, attachments)


def attach_managed_policies(
    role_name: str, role: aws.iam.Role, policy_arns: Mapping[str, pulumi.Input[str]], parent: pulumi.Resource
) -> list[aws.iam.RolePolicyAttachment]:
    """One attachment per label, named `<role>-<label>`. Named by label, not position: attachments
    named by position would move to another policy when one is removed, and IAM has one attachment
    per (role, policy), so replacing one attachment of a policy by another detaches it."""
    return [
        aws.iam.RolePolicyAttachment(
            f"{role_name}-{label}",
            role=role.name,
            policy_arn=arn,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for label, arn in policy_arns.items()
    ]


def log_group_arn(
    parent: pulumi.Resource, account: pulumi.Input[str], region: pulumi.Input[str], name: pulumi.Input[str]
) -> pulumi.Output[str]:
    """The ARN of a log group known by name (one made elsewhere), in this account and region."""
    partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=parent)).partition
    return pulumi.Output.concat("arn:", partition, ":logs:", region, ":", account, ":log-group:", name)


def account_id(parent: pulumi.Resource) -> pulumi.Output[str]:
    return aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=parent)).account_id
