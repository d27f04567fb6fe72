"""The Route 53 changes that move clients between two ALBs: one name, two weighted alias records.

A name holds either one simple record or weighted ones, never both, so the hand-over from the
source stack's simple alias to two weighted aliases is one change batch (Route 53 applies a batch
atomically: clients see the old answer or the new one, never none).
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-weighted.html
https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Action = Literal["CREATE", "DELETE", "UPSERT"]


@dataclass(frozen=True)
class AliasTarget:
    """An ALB as Route 53 aliases it: its DNS name and its canonical hosted zone."""

    dns_name: str
    zone_id: str


def _alias(target: AliasTarget) -> dict[str, Any]:
    return {"HostedZoneId": target.zone_id, "DNSName": target.dns_name, "EvaluateTargetHealth": True}


def simple_alias(action: Action, name: str, target: AliasTarget) -> dict[str, Any]:
    """The record a stack's PublicEndpoint makes: A, alias to its ALB."""
    return {"Action": action, "ResourceRecordSet": {"Name": name, "Type": "A", "AliasTarget": _alias(target)}}


def weighted_alias(
    action: Action, name: str, identifier: str, weight: int, target: AliasTarget
) -> dict[str, Any]:
    if not 0 <= weight <= 255:
        raise ValueError(f"weight {weight} is not between 0 and 255 (Route 53)")
    return {
        "Action": action,
        "ResourceRecordSet": {
            "Name": name,
            "Type": "A",
            "SetIdentifier": identifier,
            "Weight": weight,
            "AliasTarget": _alias(target),
        },
    }


def batch(comment: str, *changes: dict[str, Any]) -> dict[str, Any]:
    """A ChangeBatch (what `aws route53 change-resource-record-sets --change-batch` takes)."""
    return {"Comment": comment, "Changes": list(changes)}
