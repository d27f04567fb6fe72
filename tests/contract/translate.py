"""Turn a recorded Pulumi resource into the AWS API request the provider would send for it.

Input: ``{"type": "aws:appmesh/virtualNode:VirtualNode", "name": ..., "inputs": {...}}`` with
inputs as Pulumi's mocks receive them (pulumi-aws wire names, camelCase). Output: an
``ApiRequest`` (service, operation, boto3 keyword arguments).

How: the inputs are walked alongside botocore's input shape for the operation. A Pulumi key
maps to the API member of the same name, unless one of the explicit tables below says
otherwise. The tables were written by diffing pulumi-aws 7.51's input classes
(``pulumi_aws/appmesh/_inputs.py``, ``ecs/task_definition.py``, ``ecs/service.py``,
``servicediscovery/service.py``) against botocore's ``appmesh``, ``ecs`` and
``servicediscovery`` models. Most App Mesh names coincide: pulumi pluralises list blocks and
so does the API (``listeners``, ``backends``, ``headers``, ``weightedTargets``,
``queryParameters``); the differences are the entries in ``RENAMES`` and the structural rules.

The translator REFUSES (``TranslationError``) anything it does not know: a key that is
neither an API member, nor renamed, nor listed as provider-side; or a value whose shape
(object/list/scalar) differs from the API's without a rule. A field the program starts
using must be looked at once, never silently dropped or silently mangled.

Values are not judged here: an enum, a range or a missing required member is left for
``botocore_validate`` to report, so that a program defect surfaces as a validation error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore import xform_name
from botocore.model import Shape

from tests.contract.botocore_validate import operation_model

# Pulumi type token -> (botocore service, operation).
OPERATIONS: dict[str, tuple[str, str]] = {
    "aws:appmesh/mesh:Mesh": ("appmesh", "CreateMesh"),
    "aws:appmesh/virtualNode:VirtualNode": ("appmesh", "CreateVirtualNode"),
    "aws:appmesh/virtualRouter:VirtualRouter": ("appmesh", "CreateVirtualRouter"),
    "aws:appmesh/route:Route": ("appmesh", "CreateRoute"),
    "aws:appmesh/virtualService:VirtualService": ("appmesh", "CreateVirtualService"),
    "aws:appmesh/virtualGateway:VirtualGateway": ("appmesh", "CreateVirtualGateway"),
    "aws:appmesh/gatewayRoute:GatewayRoute": ("appmesh", "CreateGatewayRoute"),
    "aws:ecs/cluster:Cluster": ("ecs", "CreateCluster"),
    "aws:ecs/taskDefinition:TaskDefinition": ("ecs", "RegisterTaskDefinition"),
    "aws:ecs/service:Service": ("ecs", "CreateService"),
    "aws:servicediscovery/service:Service": ("servicediscovery", "CreateService"),
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": (
        "servicediscovery",
        "CreatePrivateDnsNamespace",
    ),
    "aws:lb/listenerRule:ListenerRule": ("elbv2", "CreateRule"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("iam", "AttachRolePolicy"),
}

# Cloud Map's and IAM's APIs are PascalCase; pulumi's wire names are camelCase. Everything else is as is.
_PASCAL_CASE_SERVICES = frozenset({"servicediscovery", "iam"})

# (service, API structure shape, pulumi key) -> API member path (one name, or several to nest
# the value deeper, as ECS does for pulumi's flattened deployment settings).
RENAMES: dict[tuple[str, str, str], tuple[str, ...]] = {
    # Resource names: pulumi calls them all ``name``.
    ("appmesh", "CreateMeshInput", "name"): ("meshName",),
    ("appmesh", "CreateVirtualNodeInput", "name"): ("virtualNodeName",),
    ("appmesh", "CreateVirtualRouterInput", "name"): ("virtualRouterName",),
    ("appmesh", "CreateRouteInput", "name"): ("routeName",),
    ("appmesh", "CreateVirtualServiceInput", "name"): ("virtualServiceName",),
    ("appmesh", "CreateVirtualGatewayInput", "name"): ("virtualGatewayName",),
    ("appmesh", "CreateGatewayRouteInput", "name"): ("gatewayRouteName",),
    ("ecs", "CreateClusterRequest", "name"): ("clusterName",),
    ("ecs", "CreateServiceRequest", "name"): ("serviceName",),
    ("iam", "AttachRolePolicyRequest", "role"): ("RoleName",),
    # Terraform list blocks that pulumi pluralises where the API name is singular.
    ("appmesh", "SubjectAlternativeNameMatchers", "exacts"): ("exact",),
    ("appmesh", "LoggingFormat", "jsons"): ("json",),
    ("appmesh", "GrpcRouteMatch", "metadatas"): ("metadata",),
    # Node connection pools: pulumi lists, API single objects (see SINGLE_ITEM_LISTS).
    ("appmesh", "VirtualNodeConnectionPool", "https"): ("http",),
    ("appmesh", "VirtualNodeConnectionPool", "http2s"): ("http2",),
    ("appmesh", "VirtualNodeConnectionPool", "tcps"): ("tcp",),
    # Cloud Map: pascal-casing alone would give ``Ttl``.
    ("servicediscovery", "DnsRecord", "ttl"): ("TTL",),
    # ECS service: pulumi flattens or renames what the API nests.
    ("ecs", "CreateServiceRequest", "networkConfiguration"): ("networkConfiguration", "awsvpcConfiguration"),
    ("ecs", "CreateServiceRequest", "deploymentCircuitBreaker"): (
        "deploymentConfiguration",
        "deploymentCircuitBreaker",
    ),
    ("ecs", "CreateServiceRequest", "alarms"): ("deploymentConfiguration", "alarms"),
    ("ecs", "CreateServiceRequest", "deploymentMaximumPercent"): (
        "deploymentConfiguration",
        "maximumPercent",
    ),
    ("ecs", "CreateServiceRequest", "deploymentMinimumHealthyPercent"): (
        "deploymentConfiguration",
        "minimumHealthyPercent",
    ),
    ("ecs", "CreateServiceRequest", "enableEcsManagedTags"): ("enableECSManagedTags",),
    ("ecs", "CreateServiceRequest", "iamRole"): ("role",),
    ("ecs", "CreateServiceRequest", "capacityProviderStrategies"): ("capacityProviderStrategy",),
    ("ecs", "CreateServiceRequest", "orderedPlacementStrategies"): ("placementStrategy",),
    ("ecs", "LoadBalancer", "elbName"): ("loadBalancerName",),
    ("ecs", "Volume", "configureAtLaunch"): ("configuredAtLaunch",),
    ("ecs", "Volume", "hostPath"): ("host", "sourcePath"),
    ("ecs", "ExecuteCommandLogConfiguration", "s3BucketEncryptionEnabled"): ("s3EncryptionEnabled",),
    # Service Connect: pulumi keeps terraform's singular block name.
    ("ecs", "ServiceConnectService", "clientAlias"): ("clientAliases",),
}

# (service, API list shape) -> entry member names: a pulumi map becomes a list of entries.
MAP_TO_ENTRIES: dict[tuple[str, str], tuple[str, str]] = {
    ("appmesh", "TagList"): ("key", "value"),
    ("appmesh", "AwsCloudMapInstanceAttributes"): ("key", "value"),
    ("ecs", "Tags"): ("key", "value"),
    ("ecs", "ProxyConfigurationProperties"): ("name", "value"),
    ("servicediscovery", "TagList"): ("Key", "Value"),
}

# (service, API structure shape, pulumi key): a pulumi list of one item that the API
# takes as the item itself.
SINGLE_ITEM_LISTS: frozenset[tuple[str, str, str]] = frozenset(
    {
        ("appmesh", "VirtualNodeConnectionPool", "https"),
        ("appmesh", "VirtualNodeConnectionPool", "http2s"),
        ("appmesh", "VirtualNodeConnectionPool", "tcps"),
        ("ecs", "ServiceConnectClientAlias", "testTrafficRules"),
    }
)

# (service, API structure shape, pulumi key): a whole number pulumi types as a string (ECS bake times).
INTEGER_STRINGS: frozenset[tuple[str, str, str]] = frozenset(
    {
        ("ecs", "DeploymentConfiguration", "bakeTimeInMinutes"),
        ("ecs", "CanaryConfiguration", "canaryBakeTimeInMinutes"),
        ("ecs", "LinearConfiguration", "stepBakeTimeInMinutes"),
    }
)

# (service, API structure shape, pulumi key): a pulumi object the API takes as a list of one.
WRAP_IN_LIST: frozenset[tuple[str, str, str]] = frozenset(
    {
        ("ecs", "CreateServiceRequest", "serviceRegistries"),
    }
)

# (service, API structure shape, pulumi key): a JSON document in pulumi, already in API shape.
JSON_STRINGS: frozenset[tuple[str, str, str]] = frozenset(
    {
        ("ecs", "RegisterTaskDefinitionRequest", "containerDefinitions"),
    }
)

# (service, API structure shape, pulumi key) -> {pulumi value: API value}.
VALUE_MAPS: dict[tuple[str, str, str], dict[Any, Any]] = {
    ("ecs", "AwsVpcConfiguration", "assignPublicIp"): {True: "ENABLED", False: "DISABLED"},
}

# Inputs that configure the provider or the resource's lifecycle and never reach the API.
PROVIDER_SIDE: dict[str, frozenset[str]] = {
    "aws:ecs/cluster:Cluster": frozenset({"region"}),
    "aws:ecs/taskDefinition:TaskDefinition": frozenset({"region", "skipDestroy", "trackLatest"}),
    "aws:ecs/service:Service": frozenset(
        {"region", "forceDelete", "forceNewDeployment", "triggers", "waitForSteadyState"}
    ),
    "aws:servicediscovery/service:Service": frozenset({"region", "forceDestroy"}),
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": frozenset({"region"}),
}
_APPMESH_PROVIDER_SIDE = frozenset({"region"})


class TranslationError(ValueError):
    """The translator met an input it has no rule for; teach it, do not drop the input."""


@dataclass(frozen=True)
class ApiRequest:
    """One AWS API call: ``getattr(boto3.client(service), method)(**params)``."""

    service: str
    operation: str
    params: dict[str, Any]

    @property
    def method(self) -> str:
        return xform_name(self.operation)


def translate(resource: Mapping[str, Any]) -> ApiRequest:
    """The API request for one recorded resource (``type``, ``name``, ``inputs``)."""
    token = resource["type"]
    if token == "aws:lb/listenerRule:ListenerRule":
        from tests.contract.elbv2_rules import create_rule

        return ApiRequest("elbv2", "CreateRule", create_rule(resource))
    if token not in OPERATIONS:
        raise TranslationError(f"{resource.get('name')}: no API operation known for type {token}")
    service, operation = OPERATIONS[token]
    shape = operation_model(service, operation).input_shape
    ignored = PROVIDER_SIDE.get(token, _APPMESH_PROVIDER_SIDE)
    inputs = {key: value for key, value in resource["inputs"].items() if key not in ignored}
    walker = _Walker(service, label=str(resource.get("name", token)))
    return ApiRequest(service, operation, walker.structure(inputs, shape, ""))


@dataclass(frozen=True)
class _Walker:
    service: str
    label: str  # the resource's logical name, so an error names what to look at

    def fail(self, path: str, message: str) -> TranslationError:
        return TranslationError(f"{self.label}: {path or 'inputs'}: {message}")

    def structure(self, value: Any, shape: Shape, path: str) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(
                path, f"pulumi gives {type(value).__name__}, the API wants structure {shape.name}"
            )
        out: dict[str, Any] = {}
        for key, item in value.items():
            if item is None:  # an unset optional input: the provider sends nothing
                continue
            rule = (self.service, shape.name, key)
            target = RENAMES.get(rule) or (self.api_name(key),)
            member_shape = shape
            for name in target:
                if member_shape.type_name != "structure" or name not in member_shape.members:
                    raise self.fail(
                        f"{path}.{key}".lstrip("."),
                        f"no API member {name!r} in {member_shape.name}; add a rename or a provider-side entry",
                    )
                member_shape = member_shape.members[name]
            here = f"{path}.{key}".lstrip(".")
            if rule in VALUE_MAPS:
                item = self.mapped(item, VALUE_MAPS[rule], here)
            if rule in INTEGER_STRINGS:
                if not (isinstance(item, str) and item.isdigit()):
                    raise self.fail(here, f"pulumi types it as a string of digits, got {item!r}")
                item = int(item)
            if rule in JSON_STRINGS:
                converted = self.json_document(item, member_shape, here)
            elif rule in SINGLE_ITEM_LISTS:
                converted = self.single_item(item, member_shape, here)
            elif rule in WRAP_IN_LIST:
                converted = [self.value(item, member_shape.member, f"{here}[0]")]
            else:
                converted = self.value(item, member_shape, here)
            _set_path(out, target, converted, self.fail(here, "set twice"))
        return out

    def value(self, value: Any, shape: Shape, path: str) -> Any:
        kind = shape.type_name
        if kind == "structure":
            return self.structure(value, shape, path)
        if kind == "list":
            if isinstance(value, Mapping) and (self.service, shape.name) in MAP_TO_ENTRIES:
                key_name, value_name = MAP_TO_ENTRIES[(self.service, shape.name)]
                return [{key_name: k, value_name: v} for k, v in value.items()]
            if not isinstance(value, list):
                raise self.fail(path, f"pulumi gives {type(value).__name__}, the API wants list {shape.name}")
            return [self.value(item, shape.member, f"{path}[{i}]") for i, item in enumerate(value)]
        if kind == "map":
            if not isinstance(value, Mapping):
                raise self.fail(path, f"pulumi gives {type(value).__name__}, the API wants map {shape.name}")
            return {k: self.value(v, shape.value, f"{path}.{k}") for k, v in value.items()}
        if isinstance(value, Mapping | list):
            raise self.fail(path, f"pulumi gives {type(value).__name__}, the API wants {kind} {shape.name}")
        # Pulumi's wire format carries every number as a double; the provider converts back.
        if kind in ("integer", "long") and isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    def single_item(self, value: Any, shape: Shape, path: str) -> Any:
        if not isinstance(value, list):
            raise self.fail(path, f"pulumi gives {type(value).__name__}, expected a list of exactly one")
        if len(value) != 1:
            # The API has room for exactly one; pulumi would reject more at preview.
            raise self.fail(path, f"{len(value)} items where the API takes exactly one {shape.name}")
        return self.value(value[0], shape, f"{path}[0]")

    def json_document(self, value: Any, shape: Shape, path: str) -> Any:
        if not isinstance(value, str):
            raise self.fail(path, f"pulumi gives {type(value).__name__}, expected a JSON string")
        try:
            # Already in API shape (the program writes it that way): pass through unchanged so
            # that anything wrong in it is reported by validation, not hidden by translation.
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise self.fail(path, f"not valid JSON: {error}") from error

    def mapped(self, value: Any, table: Mapping[Any, Any], path: str) -> Any:
        if value not in table:
            raise self.fail(path, f"{value!r} has no API equivalent in {dict(table)}")
        return table[value]

    def api_name(self, key: str) -> str:
        if self.service in _PASCAL_CASE_SERVICES:
            return key[:1].upper() + key[1:]
        return key


def _set_path(out: dict[str, Any], path: tuple[str, ...], value: Any, clash: Exception) -> None:
    """Set ``value`` at ``path``, merging objects that two pulumi keys fill (ECS deployment settings)."""
    node = out
    for name in path[:-1]:
        node = node.setdefault(name, {})
    last = path[-1]
    if last not in node:
        node[last] = value
    elif isinstance(node[last], dict) and isinstance(value, dict) and not node[last].keys() & value.keys():
        node[last].update(value)
    else:
        raise clash
