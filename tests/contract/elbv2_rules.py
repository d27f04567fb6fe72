"""An `aws.lb.ListenerRule`'s recorded inputs as the ELBv2 CreateRule request (and a listener's default
actions, which are the same action shapes, as CreateListener's DefaultActions).

pulumi-aws nests each condition under its field (`pathPattern: {values}`), the API names the field
(`Field: path-pattern` with `PathPatternConfig: {Values}`); pulumi's forward target groups are
`{arn, weight}`, the API's `{TargetGroupArn, Weight}`; a transform's one `rewrite` block is the API's
list `Rewrites`. Written from pulumi_aws/lb/_inputs.py (ListenerRuleCondition*, ListenerRuleAction*,
ListenerRuleTransform*) against botocore's `elbv2` model. Like translate.py, it refuses a key it has
no rule for rather than dropping it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.contract.translate import TranslationError

PROVIDER_SIDE = frozenset({"region", "tagsAll"})

# pulumi condition key -> (API Field, API config member, {pulumi key: API key}).
CONDITIONS: dict[str, tuple[str, str, dict[str, str]]] = {
    "pathPattern": ("path-pattern", "PathPatternConfig", {"values": "Values", "regexValues": "RegexValues"}),
    "hostHeader": ("host-header", "HostHeaderConfig", {"values": "Values", "regexValues": "RegexValues"}),
    "httpHeader": (
        "http-header",
        "HttpHeaderConfig",
        {"httpHeaderName": "HttpHeaderName", "values": "Values", "regexValues": "RegexValues"},
    ),
    "httpRequestMethod": ("http-request-method", "HttpRequestMethodConfig", {"values": "Values"}),
}


def _renamed(value: Mapping[str, Any], names: Mapping[str, str], where: str) -> dict[str, Any]:
    unknown = set(value) - set(names)
    if unknown:
        raise TranslationError(f"{where}: no rule for {sorted(unknown)}")
    return {names[k]: v for k, v in value.items() if v is not None}


def _condition(condition: Mapping[str, Any], where: str) -> dict[str, Any]:
    given = {k: v for k, v in condition.items() if v is not None}
    if len(given) != 1:
        raise TranslationError(f"{where}: a condition sets exactly one field, got {sorted(given)}")
    ((key, value),) = given.items()
    if key == "queryStrings":
        pairs = [_renamed(q, {"key": "Key", "value": "Value"}, f"{where}.queryStrings") for q in value]
        return {"Field": "query-string", "QueryStringConfig": {"Values": pairs}}
    if key not in CONDITIONS:
        raise TranslationError(f"{where}: no rule for condition {key!r}")
    field, member, names = CONDITIONS[key]
    return {"Field": field, member: _renamed(value, names, f"{where}.{key}")}


def _whole_weights(group: dict[str, Any]) -> dict[str, Any]:
    """Pulumi's wire format carries every number as a double; the provider sends integers."""
    weight = group.get("Weight")
    if isinstance(weight, float) and weight.is_integer():
        group["Weight"] = int(weight)
    return group


def _action(action: Mapping[str, Any], where: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in action.items():
        if value is None:
            continue
        if key == "type":
            result["Type"] = value
        elif key == "order":
            result["Order"] = value
        elif key == "targetGroupArn":
            result["TargetGroupArn"] = value
        elif key == "forward":
            groups = [
                _whole_weights(_renamed(g, {"arn": "TargetGroupArn", "weight": "Weight"}, f"{where}.forward"))
                for g in value["targetGroups"]
            ]
            result["ForwardConfig"] = {"TargetGroups": groups}
        elif key == "fixedResponse":
            result["FixedResponseConfig"] = _renamed(
                value,
                {"contentType": "ContentType", "messageBody": "MessageBody", "statusCode": "StatusCode"},
                f"{where}.fixedResponse",
            )
        else:
            raise TranslationError(f"{where}: no rule for action key {key!r}")
    return result


def _transform(transform: Mapping[str, Any], where: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in transform.items():
        if value is None:
            continue
        if key == "type":
            result["Type"] = value
        elif key in ("urlRewriteConfig", "hostHeaderRewriteConfig"):
            rewrite = _renamed(value["rewrite"], {"regex": "Regex", "replace": "Replace"}, f"{where}.{key}")
            result[key[:1].upper() + key[1:]] = {"Rewrites": [rewrite]}
        else:
            raise TranslationError(f"{where}: no rule for transform key {key!r}")
    return result


def create_rule(resource: Mapping[str, Any]) -> dict[str, Any]:
    name = str(resource.get("name"))
    inputs = {k: v for k, v in resource["inputs"].items() if k not in PROVIDER_SIDE and v is not None}
    params: dict[str, Any] = {}
    for key, value in inputs.items():
        where = f"{name}.{key}"
        if key == "listenerArn":
            params["ListenerArn"] = value
        elif key == "priority":
            params["Priority"] = int(value)
        elif key == "conditions":
            params["Conditions"] = [_condition(c, f"{where}[{i}]") for i, c in enumerate(value)]
        elif key == "actions":
            params["Actions"] = [_action(a, f"{where}[{i}]") for i, a in enumerate(value)]
        elif key == "transforms":
            params["Transforms"] = [_transform(t, f"{where}[{i}]") for i, t in enumerate(value)]
        elif key == "tags":
            params["Tags"] = [{"Key": k, "Value": v} for k, v in value.items()]
        else:
            raise TranslationError(f"{where}: no rule for listener rule input {key!r}")
    return params


def default_actions(listener: Mapping[str, Any]) -> list[dict[str, Any]]:
    """An `aws.lb.Listener`'s recorded default actions as CreateListener's DefaultActions."""
    name = str(listener.get("name"))
    return [
        _action(a, f"{name}.defaultActions[{i}]") for i, a in enumerate(listener["inputs"]["defaultActions"])
    ]
