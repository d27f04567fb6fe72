"""Create a recorded stack's resources in a moto account, in dependency order, one outcome each.

Order: VPC, subnets, security groups (prerequisites only: moto's ECS CreateService checks
that awsvpc subnets exist) → Cloud Map namespace → Cloud Map services → mesh → virtual nodes
→ virtual routers → routes → virtual services → virtual gateways → gateway routes → ECS
cluster → task definitions → ECS services.

Before each call the references it makes are resolved in the account, and those that do
not resolve are reported as ``missing`` (moto itself accepts a route to a node that does not
exist, or a Cloud Map service in a namespace that does not):
- App Mesh refers by name: route targets, virtual service providers, gateway route targets,
  node backends (checked once everything exists: backends may be mutual), and a node's Cloud
  Map namespace/service names.
- Cloud Map and ECS refer by id/ARN: a recorded output value (the mocks' id or ARN) is
  replaced by the id/ARN moto assigned to the same resource; a value that matches no created
  resource is missing.

What moto 5.2.5 itself rejects: App Mesh resources in a missing mesh, routes on a missing
router, gateway routes on a missing gateway, name conflicts of nodes, routers, routes,
gateways and gateway routes; a container without name or image; a service on a missing
cluster, task definition or subnet, or with a launch type other than EC2/FARGATE; a second
private DNS namespace on the same VPC. It checks almost no values: it stores ``"HTTP"`` as a
listener protocol. Enums, ranges and patterns are botocore_validate's job.

moto 5.2.5 gap, stated rather than faked: ``CreateVirtualService`` is not implemented (moto
answers 404 "Not yet implemented"). Virtual services are checked by botocore validation
only, plus, here, their provider reference and name conflicts; their outcome has
``accepted=None``.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import boto3
import moto
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tests.contract.translate import ApiRequest, TranslationError, translate

REGION = "us-east-1"
_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    # moto otherwise loads thousands of AMIs into every fresh EC2 backend (over a second).
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}
# No retries: a rejected request should fail once, quickly.
_CLIENT_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"})

MESH = "aws:appmesh/mesh:Mesh"
VIRTUAL_NODE = "aws:appmesh/virtualNode:VirtualNode"
VIRTUAL_ROUTER = "aws:appmesh/virtualRouter:VirtualRouter"
ROUTE = "aws:appmesh/route:Route"
VIRTUAL_SERVICE = "aws:appmesh/virtualService:VirtualService"
VIRTUAL_GATEWAY = "aws:appmesh/virtualGateway:VirtualGateway"
GATEWAY_ROUTE = "aws:appmesh/gatewayRoute:GatewayRoute"
NAMESPACE = "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace"
CLOUD_MAP_SERVICE = "aws:servicediscovery/service:Service"
CLUSTER = "aws:ecs/cluster:Cluster"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
# Created only because moto's ECS CreateService checks that awsvpc subnets exist; their own
# requests are not contract-checked (not App Mesh, ECS or Cloud Map).
NETWORK_TYPES = (VPC, SUBNET, SECURITY_GROUP)
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"

APPMESH_TYPES = (MESH, VIRTUAL_NODE, VIRTUAL_ROUTER, ROUTE, VIRTUAL_SERVICE, VIRTUAL_GATEWAY, GATEWAY_ROUTE)
DEPLOY_ORDER = (
    *NETWORK_TYPES,
    NAMESPACE,
    CLOUD_MAP_SERVICE,
    *APPMESH_TYPES,
    CLUSTER,
    TASK_DEFINITION,
    ECS_SERVICE,
)
ROUTE_KINDS = ("httpRoute", "http2Route", "grpcRoute", "tcpRoute")


@dataclass
class Outcome:
    """What happened to one resource in the moto account."""

    request: ApiRequest | None = None
    accepted: bool | None = None  # None: not sent (moto lacks the operation, or translation failed)
    error: str | None = None
    missing: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return ([self.error] if self.error else []) + [f"unresolved reference: {m}" for m in self.missing]


Key = tuple[str, str]  # (type, logical name)


def deploy(resources: Iterable[Mapping[str, Any]]) -> dict[Key, Outcome]:
    """Create ``resources`` (a recording's) in a fresh moto account; the outcome per (type, name)."""
    # Fake credentials only for the duration, so nothing else in the session sees them.
    with mock.patch.dict(os.environ, _FAKE_ENV), moto.mock_aws():
        return _Account().deploy(resources)


class _Account:
    def __init__(self) -> None:
        self.clients = {
            name: boto3.client(name, region_name=REGION, config=_CLIENT_CONFIG)
            for name in ("appmesh", "ec2", "ecs", "servicediscovery")
        }
        self.ids: dict[str, str] = {}  # recorded id/ARN -> moto id/ARN
        self.virtual_services: dict[str, set[str]] = {}  # mesh -> names that exist (see module doc)
        self.outcomes: dict[Key, Outcome] = {}

    def deploy(self, resources: Iterable[Mapping[str, Any]]) -> dict[Key, Outcome]:
        by_type: dict[str, list[Mapping[str, Any]]] = {}
        for resource in resources:
            by_type.setdefault(resource["type"], []).append(resource)
        for resource in by_type.get(VPC, []):
            self._vpc(resource)
        for resource in by_type.get(SUBNET, []):
            self._subnet(resource)
        for resource in by_type.get(SECURITY_GROUP, []):
            self._security_group(resource)
        for token in DEPLOY_ORDER:
            if token in NETWORK_TYPES:
                continue
            handler = self._handlers()[token]
            for resource in by_type.get(token, []):
                outcome = Outcome()
                self.outcomes[(token, resource["name"])] = outcome
                try:
                    request = translate(resource)
                except TranslationError as error:
                    outcome.error = f"translation: {error}"
                    continue
                # A copy: handlers swap recorded ids for moto's in place.
                outcome.request = ApiRequest(
                    request.service, request.operation, copy.deepcopy(request.params)
                )
                handler(resource, outcome.request, outcome)
        for resource in by_type.get(VIRTUAL_NODE, []):
            self._check_backends(resource)
        return self.outcomes

    def _handlers(self) -> dict[str, Callable[[Mapping[str, Any], ApiRequest, Outcome], None]]:
        return {
            NAMESPACE: self._namespace,
            CLOUD_MAP_SERVICE: self._cloud_map_service,
            MESH: self._send,
            VIRTUAL_NODE: self._virtual_node,
            VIRTUAL_ROUTER: self._send,
            ROUTE: self._route,
            VIRTUAL_SERVICE: self._virtual_service,
            VIRTUAL_GATEWAY: self._send,
            GATEWAY_ROUTE: self._gateway_route,
            CLUSTER: self._cluster,
            TASK_DEFINITION: self._task_definition,
            ECS_SERVICE: self._ecs_service,
        }

    # -- calls -----------------------------------------------------------------------------
    def _call(self, service: str, method: str, **params: Any) -> dict[str, Any] | None:
        """The response, or None when the named resource does not exist (for lookups)."""
        try:
            return getattr(self.clients[service], method)(**params)
        except ClientError as error:
            if "NotFound" in error.response.get("Error", {}).get("Code", ""):
                return None
            raise

    def _send(
        self, resource: Mapping[str, Any], request: ApiRequest, outcome: Outcome
    ) -> dict[str, Any] | None:
        try:
            response = getattr(self.clients[request.service], request.method)(**request.params)
        except (ClientError, BotoCoreError) as error:
            outcome.accepted, outcome.error = False, f"moto rejected {request.operation}: {error}"
            return None
        outcome.accepted = True
        return response

    def _remember(self, resource: Mapping[str, Any], keys: Iterable[str], moto_value: str) -> None:
        for key in keys:
            value = resource.get("outputs", {}).get(key)
            if isinstance(value, str) and value:
                self.ids[value] = moto_value

    def _resolve(self, value: Any, what: str, outcome: Outcome) -> Any:
        """moto's id/ARN for a recorded one; reported missing when no created resource has it."""
        if isinstance(value, str) and value in self.ids:
            return self.ids[value]
        outcome.missing.append(f"{what} {value!r} is not a resource created before it")
        return value

    # -- network prerequisites -------------------------------------------------------------
    def _vpc(self, resource: Mapping[str, Any]) -> None:
        cidr = resource["inputs"].get("cidrBlock", "10.0.0.0/16")
        vpc_id = self.clients["ec2"].create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        self._remember(resource, ("id",), vpc_id)

    def _subnet(self, resource: Mapping[str, Any]) -> None:
        inputs = resource["inputs"]
        vpc_id = self.ids.get(inputs.get("vpcId", ""))
        if vpc_id is None or "cidrBlock" not in inputs:
            return  # an existing VPC's subnet: nothing to recreate, ECS services will report it
        extra = {"AvailabilityZone": inputs["availabilityZone"]} if "availabilityZone" in inputs else {}
        subnet = self.clients["ec2"].create_subnet(VpcId=vpc_id, CidrBlock=inputs["cidrBlock"], **extra)
        self._remember(resource, ("id",), subnet["Subnet"]["SubnetId"])

    def _security_group(self, resource: Mapping[str, Any]) -> None:
        inputs = resource["inputs"]
        extra = {"VpcId": self.ids[inputs["vpcId"]]} if inputs.get("vpcId") in self.ids else {}
        group = self.clients["ec2"].create_security_group(
            GroupName=inputs.get("name") or resource["name"],
            Description=inputs.get("description") or "contract test",
            **extra,
        )
        self._remember(resource, ("id",), group["GroupId"])

    # -- Cloud Map -------------------------------------------------------------------------
    def _namespace(self, resource: Mapping[str, Any], request: ApiRequest, outcome: Outcome) -> None:
        # The VPC may be an existing one given by id; moto does not check it, so only swap ours.
        request.params["Vpc"] = self.ids.get(request.params.get("Vpc", ""), request.params.get("Vpc"))
        response = self._send(resource, request, outcome)
        if response is None:
            return
        operation = self.clients["servicediscovery"].get_operation(OperationId=response["OperationId"])
        namespace_id = operation["Operation"]["Targets"]["NAMESPACE"]
        arn = self.clients["servicediscovery"].get_namespace(Id=namespace_id)["Namespace"]["Arn"]
        self._remember(resource, ("id",), namespace_id)
        self._remember(resource, ("arn",), arn)

    def _cloud_map_service(self, resource: Mapping[str, Any], request: ApiRequest, outcome: Outcome) -> None:
        params = request.params
        if "NamespaceId" in params:
            params["NamespaceId"] = self._resolve(params["NamespaceId"], "NamespaceId", outcome)
        dns = params.get("DnsConfig", {})
        if "NamespaceId" in dns:
            dns["NamespaceId"] = self._resolve(dns["NamespaceId"], "DnsConfig.NamespaceId", outcome)
        response = self._send(resource, request, outcome)
        if response is not None:
            self._remember(resource, ("id",), response["Service"]["Id"])
            self._remember(resource, ("arn",), response["Service"]["Arn"])

    # -- App Mesh --------------------------------------------------------------------------
    def _virtual_node(self, resource: Mapping[str, Any], request: ApiRequest, outcome: Outcome) -> None:
        cloud_map = request.params.get("spec", {}).get("serviceDiscovery", {}).get("awsCloudMap")
        if cloud_map:
            self._check_cloud_map_names(cloud_map["namespaceName"], cloud_map["serviceName"], outcome)
        self._send(resource, request, outcome)

    def _check_cloud_map_names(self, namespace: str, service: str, outcome: Outcome) -> None:
        sd = self.clients["servicediscovery"]
        namespaces = {ns["Name"]: ns["Id"] for ns in sd.list_namespaces()["Namespaces"]}
        if namespace not in namespaces:
            outcome.missing.append(f"Cloud Map namespace {namespace!r} (have: {sorted(namespaces)})")
            return
        # moto fills NamespaceId only when given at the top level; AWS copies DnsConfig's.
        names = {
            s["Name"]
            for s in sd.list_services()["Services"]
            if (s.get("NamespaceId") or s.get("DnsConfig", {}).get("NamespaceId")) == namespaces[namespace]
        }
        if service not in names:
            outcome.missing.append(f"Cloud Map service {service!r} in {namespace!r} (have: {sorted(names)})")

    def _route(self, resource: Mapping[str, Any], request: ApiRequest, outcome: Outcome) -> None:
        mesh = request.params.get("meshName", "")
        spec = request.params.get("spec", {})
        for kind in ROUTE_KINDS:
            for target in spec.get(kind, {}).get("action", {}).get("weightedTargets", []):
                node = target.get("virtualNode", "")
                found = self._call("appmesh", "describe_virtual_node", meshName=mesh, virtualNodeName=node)
                if found is None:
                    outcome.missing.append(f"{kind} target virtual node {node!r} in mesh {mesh!r}")
        self._send(resource, request, outcome)

    def _virtual_service(self, resource: Mapping[str, Any], request: ApiRequest, outcome: Outcome) -> None:
        mesh = request.params.get("meshName", "")
        provider = request.params.get("spec", {}).get("provider", {})
        if "virtualRouter" in provider:
            name = provider["virtualRouter"].get("virtualRouterName", "")
            found = self._call("appmesh", "describe_virtual_router", meshName=mesh, virtualRouterName=name)
            if found is None:
                outcome.missing.append(f"provider virtual router {name!r} in mesh {mesh!r}")
        if "virtualNode" in provider:
            name = provider["virtualNode"].get("virtualNodeName", "")
            found = self._call("appmesh", "describe_virtual_node", meshName=mesh, virtualNodeName=name)
            if found is None:
                outcome.missing.append(f"provider virtual node {name!r} in mesh {mesh!r}")
        if self._call("appmesh", "describe_mesh", meshName=mesh) is None:
            outcome.missing.append(f"mesh {mesh!r}")
        # Nothing is sent: moto 5.2.5 has no CreateVirtualService (accepted stays None), so the
        # name conflict App Mesh would report (ConflictException) is checked here.
        name = request.params.get("virtualServiceName", "")
        if name in self.virtual_services.get(mesh, set()):
            outcome.error = f"a virtual service named {name!r} already exists in mesh {mesh!r}"
        elif not outcome.missing:
            self.virtual_services.setdefault(mesh, set()).add(name)

    def _gateway_route(self, resource: Mapping[str, Any], request: ApiRequest, outcome: Outcome) -> None:
        mesh = request.params.get("meshName", "")
        spec = request.params.get("spec", {})
        for kind in ("httpRoute", "http2Route", "grpcRoute"):
            target = spec.get(kind, {}).get("action", {}).get("target", {})
            name = target.get("virtualService", {}).get("virtualServiceName")
            if name is not None and name not in self.virtual_services.get(mesh, set()):
                outcome.missing.append(f"{kind} target virtual service {name!r} in mesh {mesh!r}")
        self._send(resource, request, outcome)

    def _check_backends(self, resource: Mapping[str, Any]) -> None:
        outcome = self.outcomes[(VIRTUAL_NODE, resource["name"])]
        if outcome.request is None:
            return
        mesh = outcome.request.params.get("meshName", "")
        for backend in outcome.request.params.get("spec", {}).get("backends", []):
            name = backend.get("virtualService", {}).get("virtualServiceName")
            if name is not None and name not in self.virtual_services.get(mesh, set()):
                outcome.missing.append(f"backend virtual service {name!r} in mesh {mesh!r}")

    # -- ECS -------------------------------------------------------------------------------
    def _cluster(self, resource: Mapping[str, Any], request: ApiRequest, outcome: Outcome) -> None:
        response = self._send(resource, request, outcome)
        if response is not None:
            self._remember(resource, ("id", "arn", "name"), response["cluster"]["clusterArn"])

    def _task_definition(self, resource: Mapping[str, Any], request: ApiRequest, outcome: Outcome) -> None:
        response = self._send(resource, request, outcome)
        if response is not None:
            arn = response["taskDefinition"]["taskDefinitionArn"]
            self._remember(resource, ("id", "arn", "arnWithoutRevision"), arn)

    def _ecs_service(self, resource: Mapping[str, Any], request: ApiRequest, outcome: Outcome) -> None:
        params = request.params
        params["cluster"] = self._resolve(params.get("cluster"), "cluster", outcome)
        params["taskDefinition"] = self._resolve(params.get("taskDefinition"), "taskDefinition", outcome)
        for registry in params.get("serviceRegistries", []):
            registry["registryArn"] = self._resolve(registry.get("registryArn"), "registryArn", outcome)
        awsvpc = params.get("networkConfiguration", {}).get("awsvpcConfiguration", {})
        for key in ("subnets", "securityGroups"):
            awsvpc[key] = [self._resolve(v, key, outcome) for v in awsvpc.get(key, [])]
        self._send(resource, request, outcome)
