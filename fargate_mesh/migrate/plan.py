"""The migration procedure from an App Mesh stack to a stack on another data plane, as data.

Each Step says what to run, how to check it worked, and how to undo it. Values only AWS knows (the
ALBs' names and zones, the hosted zone's id) are shell variables set by the first step, so the
printed procedure runs as it is in a shell with the AWS CLI and the Pulumi CLI logged in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fargate_mesh.migrate import route53
from fargate_mesh.model.dataplanes import INFO
from fargate_mesh.spec import Mesh

DEFAULT_SHIFT = (10, 50, 100)  # percent of clients on the target after each step
ALB_ALIAS_TTL_SECONDS = 60  # what Route 53 answers for an alias to an ALB; clients may cache longer
PROJECT = "myshop"

# Shell variables the first step sets; the change batches name them.
FROM_ALB = route53.AliasTarget("$FROM_ALB", "$FROM_ALB_ZONE")
TO_ALB = route53.AliasTarget("$TO_ALB", "$TO_ALB_ZONE")


class MigrationError(ValueError):
    """The pair of stacks cannot be migrated this way; the message says why, all problems at once."""


@dataclass(frozen=True)
class Step:
    title: str
    why: str
    run: list[str]
    check: list[str]
    rollback: list[str]
    # The Route 53 change batches `run` and `rollback` send (for tests against the API model).
    batches: list[dict[str, Any]] = field(default_factory=list)
    rollback_batches: list[dict[str, Any]] = field(default_factory=list)
    # Percent of clients on the target stack once this step ran, if it moves them.
    target_percent: int | None = None


def endpoint_urn(stack: str, mesh: Mesh, resource: str) -> str:
    """The URN of a resource of the stack's PublicEndpoint (components/public_endpoint.py)."""
    parent = "fargatemesh:platform:MeshPlatform$fargatemesh:edge:PublicEndpoint"
    if resource == "":
        return f"urn:pulumi:{stack}::{PROJECT}::{parent}::{mesh.name}"
    return f"urn:pulumi:{stack}::{PROJECT}::{parent}$aws:route53/record:Record::{mesh.name}-{resource}"


def check_pair(source: Mesh, target: Mesh, shift: Sequence[int]) -> None:
    problems = []
    if source.dataplane != "appmesh":
        problems.append(f"--from: its dataplane is {source.dataplane}; this procedure leaves appmesh")
    if target.dataplane == "appmesh":
        problems.append("--to: its dataplane is appmesh; choose a stack on another data plane (e.g. envoy)")
    elif not INFO[target.dataplane].deployable:
        problems.append(f"--to: {target.dataplane} cannot be deployed with Pulumi yet")
    if source.hosted_zone != target.hosted_zone:
        problems.append(
            f"hostedZone: {source.hosted_zone} and {target.hosted_zone} differ; weighted records need one zone"
        )
    if source.domain == target.domain:
        problems.append(f"domain: both are {source.domain}; the target needs its own name to be tested on")
    if source.name == target.name:
        problems.append(
            f"name: both are {source.name}; the stacks' clusters, log groups and roles would collide"
        )
    if not shift or list(shift) != sorted(set(shift)) or shift[-1] != 100 or shift[0] <= 0:
        problems.append(
            f"shift: {list(shift)} must rise strictly from above 0 to 100 (percent on the target)"
        )
    if problems:
        raise MigrationError("; ".join(problems))


def _change(batch: dict[str, Any], zone: str = "$ZONE_ID") -> str:
    body = json.dumps(batch, indent=2)
    return f'aws route53 change-resource-record-sets --hosted-zone-id "{zone}" --change-batch "$(cat <<JSON\n{body}\nJSON\n)"'


def _weights(
    name: str, source_id: str, target_id: str, percent: int, action: route53.Action = "UPSERT"
) -> dict[str, Any]:
    return route53.batch(
        f"{percent}% of {name} to {target_id}",
        route53.weighted_alias(action, name, source_id, 100 - percent, FROM_ALB),
        route53.weighted_alias(action, name, target_id, percent, TO_ALB),
    )


def migration_steps(
    source_stack: str, source: Mesh, target_stack: str, target: Mesh, shift: Sequence[int] = DEFAULT_SHIFT
) -> list[Step]:
    check_pair(source, target, shift)
    name, zone = source.domain, source.hosted_zone
    src, dst = source_stack, target_stack
    alb_zone = "aws elbv2 describe-load-balancers --query \"LoadBalancers[?DNSName=='${0}'].CanonicalHostedZoneId\" --output text"
    probes = [
        target.gateway.alb_health_check_path(),
        *sorted({r.match.effective_prefix or "/" for r in target.gateway.routes}),
    ]
    steps = [
        Step(
            f"Deploy {dst} beside {src}",
            f"An ECS service cannot be in App Mesh and on {target.dataplane} at once, so {dst} is a whole "
            f"second stack (its own VPC, ALB, cluster and services) at its own name, {target.domain}. "
            f"{src} keeps serving {name} untouched.",
            [
                f"pulumi stack select {dst} || pulumi stack init {dst}",
                f"pulumi up --stack {dst}",
                f"ZONE_ID=$(aws route53 list-hosted-zones-by-name --dns-name {zone}. --query 'HostedZones[0].Id' --output text | cut -d/ -f3)",
                f"FROM_ALB=$(pulumi stack output albDnsName --stack {src})",
                f"TO_ALB=$(pulumi stack output albDnsName --stack {dst})",
                "FROM_ALB_ZONE=$(" + alb_zone.format("FROM_ALB") + ")",
                "TO_ALB_ZONE=$(" + alb_zone.format("TO_ALB") + ")",
            ],
            [
                f"curl -fsS -o /dev/null -w '%{{http_code}} {path}\\n' https://{target.domain}{path}"
                for path in probes
            ],
            [f"pulumi destroy --stack {dst}   # {src} was never touched"],
        ),
        Step(
            f"Let {dst}'s ALB answer for {name}",
            f"Clients will reach {dst}'s ALB as {name}, so its HTTPS listener needs a certificate for that name. "
            f"ACM validates it at once: {src}'s validation record for the same name is already in {zone}.",
            [
                f"CERT_ARN=$(aws acm request-certificate --domain-name {name} --validation-method DNS --query CertificateArn --output text)",
                'aws acm wait certificate-validated --certificate-arn "$CERT_ARN"',
                'TO_LISTENER=$(aws elbv2 describe-listeners --load-balancer-arn "$(aws elbv2 describe-load-balancers '
                '--query "LoadBalancers[?DNSName==\'$TO_ALB\'].LoadBalancerArn" --output text)" '
                "--query 'Listeners[?Port==`443`].ListenerArn' --output text)",
                'aws elbv2 add-listener-certificates --listener-arn "$TO_LISTENER" --certificates CertificateArn="$CERT_ARN"',
            ],
            [
                f'curl -fsS -o /dev/null -w "%{{http_code}}\\n" --resolve {name}:443:"$(dig +short "$TO_ALB" | head -1)" https://{name}{probes[0]}'
            ],
            [
                'aws elbv2 remove-listener-certificates --listener-arn "$TO_LISTENER" --certificates CertificateArn="$CERT_ARN"',
                'aws acm delete-certificate --certificate-arn "$CERT_ARN"',
            ],
        ),
    ]
    hand_over = route53.batch(
        f"{name}: weighted, all on {src}",
        route53.simple_alias("DELETE", name, FROM_ALB),
        route53.weighted_alias("CREATE", name, src, 100, FROM_ALB),
        route53.weighted_alias("CREATE", name, dst, 0, TO_ALB),
    )
    hand_back = route53.batch(
        f"{name}: a simple alias to {src} again",
        route53.weighted_alias("DELETE", name, src, 100, FROM_ALB),
        route53.weighted_alias("DELETE", name, dst, 0, TO_ALB),
        route53.simple_alias("CREATE", name, FROM_ALB),
    )
    alias_urn = endpoint_urn(src, source, "alias")
    steps.append(
        Step(
            f"Turn {name} into weighted records, all on {src}",
            f"A name has one simple record or weighted ones, never both: one atomic batch swaps them. "
            f"{src} stops managing the record first (do not run `pulumi up --stack {src}` until the last step, "
            "it would try to make the record again).",
            [f"pulumi state delete --stack {src} --yes '{alias_urn}'", _change(hand_over)],
            [
                f'aws route53 list-resource-record-sets --hosted-zone-id "$ZONE_ID" --query "ResourceRecordSets[?Name==\'{name}.\']"',
                f"dig +short {name}   # still {src}'s ALB's addresses",
            ],
            [
                _change(hand_back),
                f"pulumi import --stack {src} --yes --parent 'endpoint={endpoint_urn(src, source, '')}' "
                f'aws:route53/record:Record {source.name}-alias "${{ZONE_ID}}_{name}_A"',
            ],
            batches=[hand_over],
            rollback_batches=[hand_back],
            target_percent=0,
        )
    )
    previous = 0
    for percent in shift:
        forward = _weights(name, src, dst, percent)
        back = _weights(name, src, dst, previous)
        alarms = f"{target.name}-gateway-5xx {target.name}-gateway-unhealthy-hosts"
        steps.append(
            Step(
                f"Send {percent}% of {name} to {dst}",
                f"Route 53 answers each query by weight; clients move as their cached answers expire "
                f"(the alias's TTL is {ALB_ALIAS_TTL_SECONDS} s, some clients keep answers longer). Wait at "
                f"least that long and watch {dst}'s gateway alarms and error rates before the next step.",
                [_change(forward)],
                [
                    f"aws cloudwatch describe-alarms --alarm-names {alarms} --query 'MetricAlarms[].[AlarmName,StateValue]' --output text   # OK, OK",
                    f"sleep {ALB_ALIAS_TTL_SECONDS * 2}",
                ],
                [_change(back) + f"   # back to {previous}% on {dst}"],
                batches=[forward],
                rollback_batches=[back],
                target_percent=percent,
            )
        )
        previous = percent
    retire = route53.batch(f"{name}: {src} retired", route53.weighted_alias("DELETE", name, src, 0, FROM_ALB))
    restore = route53.batch(
        f"{name}: {src} back at weight 0", route53.weighted_alias("CREATE", name, src, 0, FROM_ALB)
    )
    steps.append(
        Step(
            f"Retire {src}",
            f"Once {dst} has served all of {name} for as long as you trust it (a day or more: clients that "
            f"cache DNS for long still reach {src} meanwhile), remove {src}'s record and the stack. "
            f"Keep {src}'s certificate validation record: {dst}'s certificate for {name} renews through it. "
            f"After `pulumi destroy` the way back is `pulumi up --stack {src}` and these steps again from the third.",
            [
                _change(retire),
                f"pulumi state delete --stack {src} --yes '{endpoint_urn(src, source, 'cert-validation')}'",
                f"pulumi destroy --stack {src}",
            ],
            [f"dig +short {name}   # only {dst}'s ALB's addresses"],
            [_change(restore) + "   # before the destroy only; then shift back step by step"],
            batches=[retire],
            rollback_batches=[restore],
            target_percent=100,
        )
    )
    return steps


def render(steps: Sequence[Step], source_stack: str, target_stack: str) -> str:
    """The procedure as text: numbered steps, each with run, check and rollback."""
    lines = [
        f"Migrating {source_stack} (App Mesh) to {target_stack}: a parallel stack, then Route 53 weighted records.",
        "Run each step in one shell (later steps use the variables the first sets); check before moving on;",
        "if a check fails, run that step's rollback, then the rollbacks of the steps before it, newest first.",
        "",
    ]
    for number, step in enumerate(steps, 1):
        lines += [f"## {number}. {step.title}", "", step.why, "", "run:"]
        lines += [f"  {command}" for command in step.run]
        lines += ["check:"] + [f"  {command}" for command in step.check]
        lines += ["rollback:"] + [f"  {command}" for command in step.rollback] + [""]
    return "\n".join(lines)
