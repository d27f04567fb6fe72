"""Pulumi mocks that answer like AWS would and record every resource and invoke.

Install them with `set_recording_mocks()` before a program runs (in-process unit tests, or a
subprocess that runs a whole `__main__.py` and writes what it registered).

Outputs are the inputs plus what AWS would fill in: `id`, `name`, a realistic `arn` per type and
the few computed attributes the program reads (ALB dns_name/zone_id, certificate validation
options, repository URL, image ref, namespace id ...). Everything is derived from the type and
logical name, so two runs of the same program record the same values.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.rpc import _special_secret_sig, _special_sig_key
from pulumi.runtime.settings import get_project, get_stack

ACCOUNT = "123456789012"
REGION = "us-east-1"
# Route 53 zone id of ALBs in us-east-1 (what AWS returns as the load balancer's zone_id).
ALB_ZONE_ID = "Z35SXDOTRQ7X7K"
HOSTED_ZONE_ID = "Z0123456789MOCKZONE"
AZ_NAMES = [f"{REGION}{s}" for s in "abcdef"]

# Per-thread request metadata: the SDK calls the monitor from a thread pool, and the monitor
# calls new_resource synchronously in the same thread, so this pairs a request with its record.
_request = threading.local()


def _digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("::".join(parts).encode()).hexdigest()[:length]


def unwrap_secrets(value: Any, path: str = "", found: list[str] | None = None) -> Any:
    """The value with Pulumi's secret envelopes removed; the paths that were secret go in `found`."""
    if isinstance(value, dict):
        if value.get(_special_sig_key) == _special_secret_sig:
            if found is not None:
                found.append(path)
            return unwrap_secrets(value.get("value"), path, found)
        return {k: unwrap_secrets(v, f"{path}.{k}" if path else k, found) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v, f"{path}[{i}]", found) for i, v in enumerate(value)]
    return value


def _last(value: Any) -> str:
    """The name part of an ARN or id input (cluster ARN → cluster name)."""
    return str(value).rsplit("/", 1)[-1] if value else ""


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers resources and invokes like AWS would; keeps every one in `resources` and `calls`."""

    def __init__(
        self,
        region: str = REGION,
        account: str = ACCOUNT,
        stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.region = region
        self.account = account
        # What a `pulumi.StackReference("<org>/<project>/<stack>")` reads, by stack name.
        self.stack_outputs = {name: dict(outputs) for name, outputs in (stack_outputs or {}).items()}
        self.resources: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    # -- resources ---------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        meta = getattr(_request, "meta", None)
        if meta is None or meta.get("type") != args.typ or meta.get("name") != args.name:
            meta = None
        # A resource renamed with an alias is the same resource: it keeps the ids AWS gave it.
        identity = (meta or {}).get("identity") or args.name
        resource_id, extra = self._computed(args.typ, identity, inputs)
        outputs = {**inputs, **extra}
        outputs.setdefault("name", inputs.get("name", identity))
        outputs.setdefault("id", resource_id)
        if "tags" in inputs:
            outputs.setdefault("tagsAll", inputs["tags"])
        # Recorded without secret envelopes, so tests read values; which inputs were secret is kept.
        secret_paths: list[str] = []
        record: dict[str, Any] = {
            "type": args.typ,
            "name": args.name,
            "custom": bool(args.custom),
            "inputs": unwrap_secrets(inputs, "", secret_paths),
            "outputs": unwrap_secrets(outputs),
            "secretInputs": secret_paths,
        }
        if meta is not None:
            record.update({k: v for k, v in meta.items() if k not in ("type", "name", "identity")})
        with self._lock:
            self.resources.append(record)
        return resource_id, outputs

    def _arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:aws:{service}:{self.region if region else ''}:{self.account if account else ''}:{resource}"
        )

    def _computed(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The physical id and the attributes AWS computes for one resource."""
        h = _digest(typ, name)
        phys = inputs.get("name") or name
        handler = _COMPUTED.get(typ)
        if handler is not None:
            return handler(self, phys, h, inputs)
        if typ.startswith("aws:"):
            # aws:<module>/<resource>:<Type> → a plausible ARN for anything not listed above.
            module = typ.split(":")[1].split("/")[0]
            return f"{phys}-{h[:8]}", {"arn": self._arn(module, f"{typ.rsplit(':', 1)[-1].lower()}/{phys}")}
        return f"{name}-id", {}

    # -- invokes -------------------------------------------------------------------------------
    # Pulumi accepts the result alone as well as (result, failures); we never fail an invoke.
    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        result = self._answer(args.token, dict(args.args))
        with self._lock:
            self.calls.append({"token": args.token, "args": dict(args.args), "result": result})
        return result

    def _answer(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {
                "id": self.region,
                "names": [n.replace(REGION, self.region) for n in AZ_NAMES],
                "zoneIds": [f"use1-az{i + 1}" for i in range(len(AZ_NAMES))],
                "groupNames": [self.region],
            }
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "id": self.account,
                "accountId": self.account,
                "arn": f"arn:aws:iam::{self.account}:user/mock",
                "userId": "AIDAMOCK",
            }
        if token == "aws:index/getRegion:getRegion":
            return {
                "id": self.region,
                "name": self.region,
                "region": self.region,
                "endpoint": f"ec2.{self.region}.amazonaws.com",
                "description": "mock region",
            }
        if token == "aws:index/getPartition:getPartition":
            return {
                "id": "aws",
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "reverseDnsPrefix": "com.amazonaws",
            }
        if token == "aws:route53/getZone:getZone":
            zone = str(args.get("name", "example.com")).rstrip(".")
            return {
                "id": HOSTED_ZONE_ID,
                "zoneId": HOSTED_ZONE_ID,
                "name": zone,
                "arn": f"arn:aws:route53:::hostedzone/{HOSTED_ZONE_ID}",
                "privateZone": bool(args.get("privateZone", False)),
                "nameServers": ["ns-1.awsdns-00.org"],
                "resourceRecordSetCount": 2,
            }
        if token == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            registry = args.get("registryId") or self.account
            return {
                "id": self.region,
                "registryId": registry,
                "userName": "AWS",
                "password": "mock-ecr-password",
                "authorizationToken": "QVdTOm1vY2s=",
                "proxyEndpoint": f"https://{registry}.dkr.ecr.{self.region}.amazonaws.com",
                "expiresAt": "2030-01-01T00:00:00Z",
            }
        return {}


# -- computed attributes per resource type ---------------------------------------------------
Handler = Callable[[RecordingMocks, str, str, dict[str, Any]], tuple[str, dict[str, Any]]]


def _appmesh(kind: str, parent_key: str | None = None, parent_kind: str | None = None) -> Handler:
    def handler(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if kind == "mesh":
            path = f"mesh/{phys}"
        else:
            path = f"mesh/{inputs.get('meshName')}"
            if parent_key:
                path += f"/{parent_kind}/{inputs.get(parent_key)}"
            path += f"/{kind}/{phys}"
        return h, {
            "arn": m._arn("appmesh", path),
            "meshOwner": m.account,
            "resourceOwner": m.account,
            "createdDate": "2025-01-01T00:00:00Z",
            "lastUpdatedDate": "2025-01-01T00:00:00Z",
        }

    return handler


def _ecs_cluster(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = m._arn("ecs", f"cluster/{phys}")
    return arn, {"arn": arn}


def _task_definition(
    m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    family = inputs.get("family", phys)
    return family, {
        "arn": m._arn("ecs", f"task-definition/{family}:1"),
        "arnWithoutRevision": m._arn("ecs", f"task-definition/{family}"),
        "revision": 1,
    }


def _ecs_service(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = m._arn("ecs", f"service/{_last(inputs.get('cluster'))}/{phys}")
    return arn, {"arn": arn}


def _iam_role(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return phys, {"arn": m._arn("iam", f"role/{phys}", region=False), "uniqueId": f"AROA{h[:16].upper()}"}


def _role_policy(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return f"{inputs.get('role')}:{phys}", {}


def _log_group(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return phys, {"arn": m._arn("logs", f"log-group:{phys}")}


def _bucket(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """S3 names a bucket given only a prefix with 26 more characters; its ARN has no region or account."""
    name = inputs.get("bucket") or f"{inputs.get('bucketPrefix', 'terraform-')}{h[:26]}"
    return name, {
        "bucket": name,
        "arn": f"arn:aws:s3:::{name}",
        "bucketDomainName": f"{name}.s3.amazonaws.com",
    }


def _namespace(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ns = f"ns-{h[:16]}"
    return ns, {"arn": m._arn("servicediscovery", f"namespace/{ns}"), "hostedZone": f"Z{h[:12].upper()}"}


def _sd_service(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    srv = f"srv-{h[:16]}"
    return srv, {"arn": m._arn("servicediscovery", f"service/{srv}")}


def _load_balancer(
    m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    suffix = f"app/{phys[:32]}/{h[:16]}"
    arn = m._arn("elasticloadbalancing", f"loadbalancer/{suffix}")
    return arn, {
        "arn": arn,
        "arnSuffix": suffix,
        "dnsName": f"{phys[:32]}-{int(h[:8], 16) % 10**10}.{m.region}.elb.amazonaws.com",
        "zoneId": ALB_ZONE_ID,
        "vpcId": "vpc-mock",
    }


def _target_group(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    suffix = f"targetgroup/{phys[:32]}/{h[:16]}"
    arn = m._arn("elasticloadbalancing", suffix)
    return arn, {"arn": arn, "arnSuffix": suffix}


def _listener(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = m._arn("elasticloadbalancing", f"listener/app/{phys}/{h[:16]}")
    return arn, {"arn": arn}


def _certificate(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = m._arn("acm", f"certificate/{h[:8]}-{h[8:12]}-4{h[12:15]}-8{h[15:17]}0-{h[:12]}")
    domains = [inputs.get("domainName", phys), *inputs.get("subjectAlternativeNames", [])]
    options = [
        {
            "domainName": d,
            "resourceRecordName": f"_{_digest(d, length=32)}.{d}.",
            "resourceRecordType": "CNAME",
            "resourceRecordValue": f"_{_digest('v', d, length=32)}.mhbtsbpdnt.acm-validations.aws.",
        }
        for d in domains
    ]
    return arn, {"arn": arn, "domainValidationOptions": options, "status": "PENDING_VALIDATION"}


def _certificate_validation(
    m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    return "2025-01-01 00:00:00 +0000 UTC", {"certificateArn": inputs.get("certificateArn")}


def _record(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    name = str(inputs.get("name", phys)).rstrip(".")
    return f"{inputs.get('zoneId')}_{name}_{inputs.get('type')}", {"fqdn": name}


def _repository(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return phys, {
        "arn": m._arn("ecr", f"repository/{phys}"),
        "registryId": m.account,
        "repositoryUrl": f"{m.account}.dkr.ecr.{m.region}.amazonaws.com/{phys}",
    }


def _image(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    digest = "sha256:" + _digest("image", phys, *map(str, inputs.get("tags", [])), length=64)
    tags = inputs.get("tags") or [f"{phys}:latest"]
    return digest, {"digest": digest, "ref": f"{tags[0]}@{digest}"}


def _ec2(prefix: str, kind: str) -> Handler:
    def handler(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        rid = f"{prefix}-{h}"
        extra: dict[str, Any] = {"arn": m._arn("ec2", f"{kind}/{rid}"), "ownerId": m.account}
        if prefix == "eipalloc":
            extra |= {"allocationId": rid, "publicIp": f"203.0.113.{int(h[:2], 16) % 250 + 1}"}
        if prefix == "sgr":
            extra |= {"securityGroupRuleId": rid}
        if prefix == "vpc":
            extra |= {"defaultSecurityGroupId": f"sg-{h[::-1]}", "mainRouteTableId": f"rtb-{h[::-1]}"}
        return rid, extra

    return handler


def _scaling_target(
    m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    return str(inputs.get("resourceId", phys)), {
        "arn": m._arn("application-autoscaling", f"scalable-target/{h}"),
    }


def _scaling_policy(
    m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    return phys, {
        "arn": m._arn(
            "autoscaling", f"scalingPolicy:{h}:resource/ecs/{inputs.get('resourceId')}:policyName/{phys}"
        ),
        "alarmArns": [],
    }


def _metric_alarm(m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return phys, {"arn": m._arn("cloudwatch", f"alarm:{phys}")}


def _stack_reference(
    m: RecordingMocks, phys: str, h: str, inputs: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    return phys, {"outputs": m.stack_outputs.get(phys, {}), "secretOutputNames": []}


_COMPUTED: dict[str, Handler] = {
    "pulumi:pulumi:StackReference": _stack_reference,
    "aws:appmesh/mesh:Mesh": _appmesh("mesh"),
    "aws:appmesh/virtualNode:VirtualNode": _appmesh("virtualNode"),
    "aws:appmesh/virtualRouter:VirtualRouter": _appmesh("virtualRouter"),
    "aws:appmesh/virtualService:VirtualService": _appmesh("virtualService"),
    "aws:appmesh/virtualGateway:VirtualGateway": _appmesh("virtualGateway"),
    "aws:appmesh/route:Route": _appmesh("route", "virtualRouterName", "virtualRouter"),
    "aws:appmesh/gatewayRoute:GatewayRoute": _appmesh("gatewayRoute", "virtualGatewayName", "virtualGateway"),
    "aws:ecs/cluster:Cluster": _ecs_cluster,
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:ecs/service:Service": _ecs_service,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": _namespace,
    "aws:servicediscovery/service:Service": _sd_service,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:acm/certificate:Certificate": _certificate,
    "aws:acm/certificateValidation:CertificateValidation": _certificate_validation,
    "aws:route53/record:Record": _record,
    "aws:ecr/repository:Repository": _repository,
    "docker-build:index:Image": _image,
    "aws:ec2/vpc:Vpc": _ec2("vpc", "vpc"),
    "aws:ec2/subnet:Subnet": _ec2("subnet", "subnet"),
    "aws:ec2/internetGateway:InternetGateway": _ec2("igw", "internet-gateway"),
    "aws:ec2/eip:Eip": _ec2("eipalloc", "elastic-ip"),
    "aws:ec2/natGateway:NatGateway": _ec2("nat", "natgateway"),
    "aws:ec2/routeTable:RouteTable": _ec2("rtb", "route-table"),
    "aws:ec2/route:Route": _ec2("r", "route"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _ec2("rtbassoc", "route-table-association"),
    "aws:ec2/securityGroup:SecurityGroup": _ec2("sg", "security-group"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _ec2("sg", "security-group"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _ec2("sgr", "security-group-rule"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _ec2("sgr", "security-group-rule"),
    "aws:appautoscaling/target:Target": _scaling_target,
    "aws:appautoscaling/policy:Policy": _scaling_policy,
}


ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


def qualified_type(urn: str) -> str:
    """The type part of a URN: the parents' types and its own, joined by `$`."""
    return urn.split("::")[2]


def urn_name(urn: str) -> str:
    return urn.split("::", 3)[3]


def engine_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """The URN the Pulumi engine gives a resource: its parent's whole qualified type (not only the
    parent's own type, as Pulumi's MockMonitor makes it) before its own, none for the stack root."""
    if parent and qualified_type(parent) != ROOT_STACK_TYPE:
        type_ = f"{qualified_type(parent)}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


class RecordingMonitor(MockMonitor):
    """A mock monitor that also keeps what the engine would see but Mocks are not told:
    the URN, the parent, dependencies, aliases and resource options (deleteBeforeReplace,
    ignoreChanges). URNs are made as the engine makes them, so a recording's URNs are those of a
    real stack's state."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self._names: dict[str, tuple[str, str]] = {}  # URN → (name, identity)

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return engine_urn(get_stack(), get_project(), parent, type_, name)

    def alias_urns(self, request: Any) -> list[str]:
        """The request's aliases as URNs, resolved as the engine resolves an alias spec: what the
        spec leaves out is the resource's own name, type, parent, project and stack."""
        urns = list(request.aliasURNs)
        for alias in request.aliases:
            if alias.WhichOneof("alias") == "urn":
                urns.append(alias.urn)
                continue
            spec = alias.spec
            parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            urns.append(
                engine_urn(
                    spec.stack or get_stack(),
                    spec.project or get_project(),
                    parent,
                    spec.type or request.type,
                    spec.name or request.name,
                )
            )
        return sorted(set(urns))

    def identity(self, request: Any) -> str:
        """The name a resource had first, which its ids derive from: an alias's name, else the
        name inherited from a renamed parent (its name's parent-name prefix swapped for the old
        one, as the engine's inherited child aliases do), else its own."""
        for alias in request.aliases:
            if alias.WhichOneof("alias") == "spec" and alias.spec.name:
                return str(alias.spec.name)
        parent_name, parent_identity = self._names.get(request.parent, ("", ""))
        if parent_name != parent_identity and request.name.startswith(parent_name):
            return parent_identity + str(request.name)[len(parent_name) :]
        return str(request.name)

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        identity = self.identity(request)
        self._names[urn] = (request.name, identity)
        _request.meta = {
            "type": request.type,
            "name": request.name,
            "identity": identity,
            "urn": urn,
            "parent": request.parent or None,
            "dependencies": sorted(set(request.dependencies)),
            "aliases": self.alias_urns(request),
            "options": {
                "deleteBeforeReplace": bool(request.deleteBeforeReplace),
                "ignoreChanges": list(request.ignoreChanges),
                "protect": bool(request.protect),
                "retainOnDelete": bool(request.retainOnDelete),
            },
        }
        try:
            return super().RegisterResource(request)  # type: ignore[no-untyped-call]  # Pulumi's own
        finally:
            _request.meta = None


def set_recording_mocks(
    project: str = "myshop",
    stack: str = "test",
    region: str = REGION,
    preview: bool = False,
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
) -> RecordingMocks:
    """Install fresh recording mocks (with the recording monitor) for this process; return them.

    `stack_outputs` gives the outputs of other stacks the program reads with StackReference,
    keyed by the referenced stack's name ("org/network/prod")."""
    mocks = RecordingMocks(region=region, stack_outputs=stack_outputs)
    # Pulumi's runtime uses the thread's current event loop; an earlier asyncio.run() (e.g. in
    # another test folder) leaves none set, so give each program a fresh one.
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi.runtime.set_mocks(
        mocks, project=project, stack=stack, preview=preview, monitor=RecordingMonitor(mocks)
    )
    return mocks
