"""Security properties of both shipped stacks, checked on what the real program registers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fargate_mesh import naming
from fargate_mesh.facts import ENVOY_INGRESS_PORT
from tests.aws.recorded import Recording
from tests.helpers.meshes import stack_mesh

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
ALB = "aws:lb/loadBalancer:LoadBalancer"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ANYWHERE = {"0.0.0.0/0", "::/0"}

# Where "*" is the only resource AWS accepts: these actions, and only these, may use it.
STAR_RESOURCE_ACTIONS = {
    "ecr:GetAuthorizationToken",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
}
# Resources AWS does not tag (or that have no tags argument in pulumi_aws).
UNTAGGABLE = {
    "aws:ec2/route:Route",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:acm/certificateValidation:CertificateValidation",
    "aws:route53/record:Record",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:appautoscaling/policy:Policy",
}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_documents(rec: Recording) -> Iterator[tuple[str, dict[str, Any]]]:
    for r in rec.of_type(ROLE_POLICY):
        yield r["name"], json.loads(r["inputs"]["policy"])
    for r in rec.of_type("aws:iam/policy:Policy"):
        yield r["name"], json.loads(r["inputs"]["policy"])
    for r in rec.of_type(ROLE):
        for inline in r["inputs"].get("inlinePolicies", []):
            yield r["name"], json.loads(inline["policy"])


def containers(task: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in json.loads(task["inputs"]["containerDefinitions"])}


def test_nothing_is_open_to_the_internet_but_the_alb_on_80_and_443(shipped):
    """GIVEN a shipped stack
    WHEN every ingress rule (standalone, legacy or inline) is read
    THEN the only ones from 0.0.0.0/0 or ::/0 are the ALB security group's TCP 80 and 443."""
    alb_groups = {sg for alb in shipped.of_type(ALB) for sg in alb["inputs"]["securityGroups"]}
    open_rules = []
    for r in shipped.of_type(INGRESS):
        i = r["inputs"]
        if {i.get("cidrIpv4"), i.get("cidrIpv6")} & ANYWHERE:
            open_rules.append((i["securityGroupId"], i["ipProtocol"], i["fromPort"], i["toPort"]))
    for r in shipped.of_type(LEGACY_RULE):
        i = r["inputs"]
        if (
            i.get("type") == "ingress"
            and set(i.get("cidrBlocks", []) + i.get("ipv6CidrBlocks", [])) & ANYWHERE
        ):
            open_rules.append((i["securityGroupId"], i["protocol"], i["fromPort"], i["toPort"]))
    for r in shipped.of_type(SG):
        for rule in r["inputs"].get("ingress", []):
            if set(rule.get("cidrBlocks", []) + rule.get("ipv6CidrBlocks", [])) & ANYWHERE:
                open_rules.append((r["outputs"]["id"], rule["protocol"], rule["fromPort"], rule["toPort"]))
    (alb_group,) = alb_groups
    assert sorted(open_rules) == [(alb_group, "tcp", 80, 80), (alb_group, "tcp", 443, 443)]


def test_task_security_groups_admit_only_declared_callers(shipped):
    """GIVEN a shipped stack
    WHEN each workload's ingress rules are read
    THEN the gateway admits only the ALB on the gateway port, and a service admits only the gateway
    (when a gateway route targets it) and the services that declare it as a backend, on its port
    (App Mesh: the app's, which iptables hands to Envoy) or its sidecar's (envoy: 15000)."""
    mesh = stack_mesh(shipped.data["stack"])

    def port_of(service: str) -> int:
        return ENVOY_INGRESS_PORT if mesh.dataplane == "envoy" else mesh.services[service].port

    gateway_name = naming.gateway_name(mesh.name)
    alb_group = shipped.of_type(ALB)[0]["inputs"]["securityGroups"][0]
    group_of: dict[str, str] = {}
    for name in [gateway_name, *mesh.services]:
        (service,) = [s for s in shipped.of_type(ECS_SERVICE) if s["inputs"]["name"] in (name, f"{name}-v1")]
        group_of[name] = service["inputs"]["networkConfiguration"]["securityGroups"][0]
    name_of = {g: n for n, g in group_of.items()} | {alb_group: "alb"}
    admitted: dict[str, set[tuple[str, int]]] = {n: set() for n in group_of}
    for r in shipped.of_type(INGRESS):
        i = r["inputs"]
        if i["securityGroupId"] == alb_group:
            continue
        assert "cidrIpv4" not in i and "cidrIpv6" not in i, "task ingress must reference a security group"
        assert i["fromPort"] == i["toPort"] and i["ipProtocol"] == "tcp"
        admitted[name_of[i["securityGroupId"]]].add((name_of[i["referencedSecurityGroupId"]], i["fromPort"]))
    expected: dict[str, set[tuple[str, int]]] = {n: set() for n in group_of}
    expected[gateway_name].add(("alb", mesh.gateway.port))
    for route in mesh.gateway.routes:
        expected[route.service].add((gateway_name, port_of(route.service)))
    for caller, service in mesh.services.items():
        for backend in service.backends:
            if backend in mesh.services:
                expected[backend].add((caller, port_of(backend)))
    assert admitted == expected


def test_no_wildcard_actions_and_star_resources_only_where_aws_requires(shipped):
    """GIVEN every IAM policy of a shipped stack
    WHEN their statements are read
    THEN no action contains '*', none uses NotAction/NotResource, and resource '*' appears only
    with ecr:GetAuthorizationToken or the X-Ray write actions."""
    documents = list(policy_documents(shipped))
    assert documents
    for name, doc in documents:
        for statement in doc["Statement"]:
            assert not {"NotAction", "NotResource"} & set(statement), name
            actions = as_list(statement["Action"])
            assert all("*" not in a for a in actions), (name, actions)
            if "*" in as_list(statement["Resource"]):
                assert set(actions) <= STAR_RESOURCE_ACTIONS, (name, actions)
    roles = shipped.of_type(ROLE)
    assert all(not r["inputs"].get("managedPolicyArns") for r in roles)
    assert not shipped.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")


def test_every_role_is_for_ecs_tasks_of_this_account(shipped):
    """GIVEN every IAM role of a shipped stack
    WHEN its trust policy is read
    THEN only ecs-tasks.amazonaws.com may assume it, on behalf of this account."""
    for role in shipped.of_type(ROLE):
        (statement,) = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert statement["Action"] == "sts:AssumeRole"
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_each_envoy_may_read_only_its_own_mesh_resource(shipped):
    """GIVEN every task definition of a shipped stack
    WHEN its task role's App Mesh statements are read
    THEN they allow StreamAggregatedResources on exactly the node or gateway ARN its Envoy
    announces, and that ARN belongs to a recorded virtual node or gateway. A stack on another data
    plane announces none and may stream nothing from App Mesh."""
    if stack_mesh(shipped.data["stack"]).dataplane != "appmesh":
        assert "APPMESH_RESOURCE_ARN" not in json.dumps([t["inputs"] for t in shipped.of_type(TASK_DEF)])
        assert "appmesh:" not in json.dumps([p["inputs"] for p in shipped.of_type(ROLE_POLICY)])
        return
    mesh_arns = {
        r["outputs"]["arn"]
        for t in ("aws:appmesh/virtualNode:VirtualNode", "aws:appmesh/virtualGateway:VirtualGateway")
        for r in shipped.of_type(t)
    }
    tasks = shipped.of_type(TASK_DEF)
    assert tasks
    for task in tasks:
        envoy_arn = {e["name"]: e["value"] for e in containers(task)["envoy"]["environment"]}[
            "APPMESH_RESOURCE_ARN"
        ]
        assert envoy_arn in mesh_arns
        role = shipped.by_output(ROLE, "arn", task["inputs"]["taskRoleArn"])
        (policy,) = [p for p in shipped.of_type(ROLE_POLICY) if p["inputs"]["role"] == role["outputs"]["id"]]
        statements = [
            s
            for s in json.loads(policy["inputs"]["policy"])["Statement"]
            if any(a.startswith("appmesh:") for a in as_list(s["Action"]))
        ]
        assert [(as_list(s["Action"]), as_list(s["Resource"])) for s in statements] == [
            (["appmesh:StreamAggregatedResources"], [envoy_arn])
        ], task["inputs"]["family"]


def test_tasks_get_no_public_ip_and_run_in_private_subnets(shipped):
    """GIVEN every ECS service of a shipped stack
    WHEN its network configuration is read
    THEN it assigns no public IP and uses only private subnets."""
    private = {
        s["outputs"]["id"]
        for s in shipped.of_type("aws:ec2/subnet:Subnet")
        if s["inputs"]["tags"]["tier"] == "private"
    }
    for service in shipped.of_type(ECS_SERVICE):
        network = service["inputs"]["networkConfiguration"]
        assert network["assignPublicIp"] is False
        assert set(network["subnets"]) <= private


def test_every_log_group_has_the_spec_retention_and_every_container_logs_to_one(shipped):
    """GIVEN a shipped stack
    WHEN log groups and container log configurations are read
    THEN every log group keeps logs for the spec's retention, and every container logs with
    awslogs to one of them."""
    retention = stack_mesh(shipped.data["stack"]).log_retention_days
    groups = {g["inputs"]["name"]: g for g in shipped.of_type(LOG_GROUP)}
    assert groups
    assert all(g["inputs"]["retentionInDays"] == retention for g in groups.values())
    for task in shipped.of_type(TASK_DEF):
        for container in containers(task).values():
            config = container["logConfiguration"]
            assert config["logDriver"] == "awslogs"
            assert config["options"]["awslogs-group"] in groups


def test_everything_taggable_is_tagged(shipped):
    """GIVEN a shipped stack
    WHEN every AWS resource is read
    THEN each one that takes tags carries mesh=<name> and managed-by=pulumi."""
    mesh = stack_mesh(shipped.data["stack"])
    for r in shipped:
        if not r["type"].startswith("aws:") or r["type"] in UNTAGGABLE:
            continue
        tags = r["inputs"].get("tags") or {}
        assert tags.get("mesh") == mesh.name and tags.get("managed-by") == "pulumi", (r["type"], r["name"])


def test_edge_is_tls_only_and_images_are_immutable(shipped):
    """GIVEN a shipped stack
    WHEN the listeners and repositories are read
    THEN HTTPS uses a TLS 1.3/1.2 policy, HTTP only redirects, and repositories are immutable
    and scanned on push."""
    for listener in shipped.of_type("aws:lb/listener:Listener"):
        i = listener["inputs"]
        if i["protocol"] == "HTTPS":
            assert i["sslPolicy"].startswith("ELBSecurityPolicy-TLS13-1-2")
        else:
            assert [a["type"] for a in i["defaultActions"]] == ["redirect"]
    for repo in shipped.of_type("aws:ecr/repository:Repository"):
        assert repo["inputs"]["imageTagMutability"] == "IMMUTABLE"
        assert repo["inputs"]["imageScanningConfiguration"] == {"scanOnPush": True}
