"""Gateway routes as Application Load Balancer listener rules (dataplane: serviceConnect).

Translation only: the compiled gateway routes are already in evaluation order, so a rule's priority is
its place in that order. Each condition is pulumi-aws's `aws.lb.ListenerRule` input shape
(pulumi_aws/lb/_inputs.py, ListenerRuleCondition*, ListenerRuleTransform*). Matching on the ALB only
approximates the spec's (ELB user guide, "Condition types for listener rules"): header, query and
host compares ignore case, and `*` and `?` in a value are wildcards; docs/serviceconnect.md lists it.

What the ALB cannot carry at all (more than 5 condition values, 100 rules, long regexes) was refused
by model/capabilities.py before this runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fargate_mesh.model.capabilities import alb_condition_values, alb_regex
from fargate_mesh.model.compiled import CompiledGatewayRoute, CompiledMesh
from fargate_mesh.spec import GatewayMatch, HeaderMatch

ALB_MAX_TARGET_GROUPS_PER_FORWARD = 5  # ELB user guide, "Quotas for your Application Load Balancers"

Condition = dict[str, Any]


@dataclass(frozen=True)
class ListenerRule:
    name: str  # the gateway route's name
    service: str  # whose target group it forwards to
    priority: int
    conditions: tuple[Condition, ...]
    transforms: tuple[dict[str, Any], ...]
    path: str  # gateway.routes[0]


def _header_condition(header: HeaderMatch) -> Condition:
    if header.present:  # `*` matches any value; an absent header is refused (model/capabilities.py)
        return {"http_header": {"http_header_name": header.name, "values": ["*"]}}
    if header.regex is not None:
        return {"http_header": {"http_header_name": header.name, "regex_values": [alb_regex(header.regex)]}}
    value = {
        "exact": header.exact,
        "prefix": f"{header.prefix}*",
        "suffix": f"*{header.suffix}",
    }[next(k for k in ("exact", "prefix", "suffix") if getattr(header, k) is not None)]
    return {"http_header": {"http_header_name": header.name, "values": [value]}}


def _path_condition(match: GatewayMatch) -> Condition | None:
    if match.path is not None:
        if match.path.regex is not None:
            return {"path_pattern": {"regex_values": [alb_regex(match.path.regex)]}}
        return {"path_pattern": {"values": [match.path.exact]}}
    prefix = match.effective_prefix or "/"
    return None if prefix == "/" else {"path_pattern": {"values": [f"{prefix}*"]}}


def conditions(match: GatewayMatch) -> list[Condition]:
    """One condition per value (an ALB condition ORs its values; the spec ANDs its matches). A
    catch-all match gets the path pattern `/*`: a rule needs a condition."""
    result: list[Condition] = []
    if match.hostname is not None:
        host = match.hostname.exact or f"*{match.hostname.suffix}"
        result.append({"host_header": {"values": [host]}})
    path = _path_condition(match)
    if path is not None:
        result.append(path)
    if match.method is not None:
        result.append({"http_request_method": {"values": [match.method]}})
    result += [_header_condition(h) for h in match.headers]
    result += [
        {"query_strings": [{"key": q.name, "value": "*" if q.present else q.exact}]}
        for q in match.query_parameters
    ]
    assert len(result) == alb_condition_values(match), "one condition value per match (capabilities counts)"
    return result or [{"path_pattern": {"values": ["/*"]}}]


def transforms(route: CompiledGatewayRoute) -> list[dict[str, Any]]:
    """The route's rewrites: the path's prefix (url-rewrite) and the Host header (host-header-rewrite
    to the target's name, App Mesh's default)."""
    result: list[dict[str, Any]] = []
    prefix = route.match.effective_prefix
    rewrite = route.rewrite
    if rewrite.path is not None:
        result.append(
            {
                "type": "url-rewrite",
                "url_rewrite_config": {"rewrite": {"regex": "^.*$", "replace": rewrite.path}},
            }
        )
    if prefix is not None and (rewrite.prefix is not None or rewrite.strip_prefix):
        if rewrite.prefix is not None:
            regex, replace = f"^{re.escape(prefix)}(.*)$", f"{rewrite.prefix}$1"
        else:
            regex, replace = f"^{re.escape(prefix.rstrip('/'))}/?(.*)$", "/$1"
        result.append(
            {"type": "url-rewrite", "url_rewrite_config": {"rewrite": {"regex": regex, "replace": replace}}}
        )
    if rewrite.hostname:
        result.append(
            {
                "type": "host-header-rewrite",
                "host_header_rewrite_config": {
                    "rewrite": {"regex": "^.*$", "replace": route.target_dns_name}
                },
            }
        )
    return result


def listener_rules(mesh: CompiledMesh) -> list[ListenerRule]:
    """A rule per gateway route, priorities 1, 2, ... in evaluation order."""
    return [
        ListenerRule(
            name=route.name,
            service=route.service,
            priority=i,
            conditions=tuple(conditions(route.match)),
            transforms=tuple(transforms(route)),
            path=route.path,
        )
        for i, route in enumerate(mesh.gateway.routes, start=1)
    ]


def forward(target_groups: Sequence[tuple[Any, int]]) -> dict[str, Any]:
    """A forward action over (target group ARN, weight) pairs."""
    if not 1 <= len(target_groups) <= ALB_MAX_TARGET_GROUPS_PER_FORWARD:
        raise ValueError(
            f"a forward action takes 1..{ALB_MAX_TARGET_GROUPS_PER_FORWARD} target groups "
            f"(got {len(target_groups)})"
        )
    return {
        "type": "forward",
        "forward": {"target_groups": [{"arn": arn, "weight": weight} for arn, weight in target_groups]},
    }
