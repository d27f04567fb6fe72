"""docs/reuse.md's examples run as written, under fargate_mesh.testing's mocks."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pytest
import yaml

from fargate_mesh import components
from fargate_mesh.provider.schema import provider
from fargate_mesh.testing import Recording, deploy, set_recording_mocks
from tests.examples import REPO_ROOT, example, markers
from tests.helpers.ecs_tasks import containers, inline_bootstrap
from tests.helpers.envoy import clusters
from tests.helpers.pulumi import over_the_wire, registered

DOC = "docs/reuse.md"
TESTED = [
    "network",
    "public-endpoint",
    "firewall",
    "app-image",
    "foundation",
    "app-mesh",
    "routing",
    "ingress-gateway",
    "fargate-service",
    "two-platforms",
    "bring-your-own",
    "join-mesh",
    "task-roles",
    "envoy-join-mesh",
    "envoy-gateway",
    "connect-service",
    "yaml-join-mesh",
    "yaml-envoy-join-mesh",
    "unit-test",
]
SHARED_MESH = ("shared", "210987654321")
# Another stack's cluster, namespace and private subnets, as the data plane examples read them.
SHOP = {
    "namespaceId": "ns-0shop",
    "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/shop",
    "clusterName": "shop",
    "privateSubnetIds": ["subnet-0qa", "subnet-0qb"],
}


def peer_hosts(bootstrap: dict[str, Any]) -> set[str]:
    """Every host name a bootstrap's clusters dial."""
    return {
        e["endpoint"]["address"]["socket_address"]["address"]
        for cluster in clusters(bootstrap).values()
        for group in cluster.get("load_assignment", {}).get("endpoints", [])
        for e in group["lb_endpoints"]
    }


def run(marker: str, **mock_options: Any) -> Recording:
    code = compile(example(marker, DOC), f"{DOC}:{marker}", "exec")
    return deploy(lambda: exec(code, {}), set_recording_mocks(**mock_options))


def test_every_example_in_the_page_is_run_here():
    """GIVEN the examples marked in docs/reuse.md
    WHEN listed
    THEN each one has a test below (a new example cannot go unrun)."""
    assert markers(DOC) == TESTED


def test_every_public_component_has_a_runnable_python_example():
    """GIVEN every public component of fargate_mesh.components
    WHEN the page's Python examples (each run by a test here) are read
    THEN each component is constructed in at least one of them."""
    code = "\n".join(
        example(marker, DOC)
        for marker in TESTED
        if marker not in ("yaml-join-mesh", "yaml-envoy-join-mesh", "unit-test")
    )
    public = [getattr(components, name) for name in components.__all__]
    missing = [
        c.__name__
        for c in public
        if isinstance(c, type) and issubclass(c, pulumi.ComponentResource) and f"{c.__name__}(" not in code
    ]
    assert not missing


def test_network_example():
    """GIVEN the Network example (three AZs, a NAT gateway each)
    WHEN it runs
    THEN it makes one VPC with its CIDR, three public and three private subnets and three NATs."""
    rec = run("network")
    (vpc,) = rec.of_type("aws:ec2/vpc:Vpc")
    assert vpc["inputs"]["cidrBlock"] == "10.20.0.0/16"
    assert len(rec.of_type("aws:ec2/subnet:Subnet")) == 6
    assert len(rec.of_type("aws:ec2/natGateway:NatGateway")) == 3


def test_public_endpoint_example_on_another_stacks_vpc():
    """GIVEN the edge example, which reads the VPC from another stack
    WHEN it runs with that stack's outputs given to the mocks
    THEN the ALB is in those subnets and the target group in that VPC, with deletion protection."""
    network = {"vpcId": "vpc-0net", "publicSubnetIds": ["subnet-0p1", "subnet-0p2"]}
    rec = run("public-endpoint", stack_outputs={"acme/network/prod": network})
    (alb,) = rec.of_type("aws:lb/loadBalancer:LoadBalancer")
    assert alb["inputs"]["subnets"] == network["publicSubnetIds"]
    assert alb["inputs"]["enableDeletionProtection"] is True
    (target_group,) = rec.of_type("aws:lb/targetGroup:TargetGroup")
    assert target_group["inputs"]["vpcId"] == "vpc-0net"


def test_firewall_example():
    """GIVEN the firewall example
    WHEN it runs
    THEN web admits the ALB and orders admits web, on 8080, by reference, and the ALB's group
    gets its egress to web."""
    rec = run("firewall")
    groups = {g["name"]: g["outputs"]["id"] for g in rec.of_type("aws:ec2/securityGroup:SecurityGroup")}
    ingress = {
        (r["inputs"]["securityGroupId"], r["inputs"]["referencedSecurityGroupId"], r["inputs"]["fromPort"])
        for r in rec.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    }
    assert ingress == {
        (groups["shop-sg-web"], "sg-0alb", 8080),
        (groups["shop-sg-orders"], groups["shop-sg-web"], 8080),
    }
    assert rec.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", securityGroupId="sg-0alb")


def test_app_image_example(monkeypatch: pytest.MonkeyPatch):
    """GIVEN the AppImage example, run from the repository (where apps/products is)
    WHEN it runs
    THEN it makes the repository with immutable tags and builds the image from that folder."""
    monkeypatch.chdir(REPO_ROOT)
    rec = run("app-image")
    (repo,) = rec.of_type("aws:ecr/repository:Repository")
    assert repo["inputs"]["name"] == "shop/products"
    assert repo["inputs"]["imageTagMutability"] == "IMMUTABLE"
    (image,) = rec.of_type("docker-build:index:Image")
    assert image["inputs"]["context"] == {"location": "apps/products"}


def test_foundation_example_in_another_stacks_vpc():
    """GIVEN the MeshFoundation example, its VPC from another stack
    WHEN it runs
    THEN it makes one Fargate cluster with Container Insights and one private DNS namespace in
    that VPC."""
    rec = run("foundation", stack_outputs={"acme/network/prod": {"vpcId": "vpc-0net"}})
    (cluster,) = rec.of_type("aws:ecs/cluster:Cluster")
    assert cluster["inputs"]["name"] == "shop"
    assert {"name": "containerInsights", "value": "enabled"} in cluster["inputs"]["settings"]
    (namespace,) = rec.of_type("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace")
    assert namespace["inputs"]["name"] == "shop.local" and namespace["inputs"]["vpc"] == "vpc-0net"


def test_app_mesh_example():
    """GIVEN the AppMesh example
    WHEN it runs
    THEN it makes one mesh named shop whose egress filter is DROP_ALL."""
    (mesh,) = run("app-mesh").of_type("aws:appmesh/mesh:Mesh")
    assert mesh["inputs"]["name"] == "shop"
    assert mesh["inputs"]["spec"]["egressFilter"] == {"type": "DROP_ALL"}


def test_routing_example():
    """GIVEN the ServiceRouting and ExternalService example (orders v1 90 / v2 10, calling payments)
    WHEN it runs
    THEN it makes a node per version whose backends include payments, one router and route with
    the 90/10 split, the orders virtual service, and payments as a DNS node and virtual service,
    and no ECS resource."""
    rec = run("routing")
    nodes = {n["inputs"]["name"]: n for n in rec.of_type("aws:appmesh/virtualNode:VirtualNode")}
    assert set(nodes) == {"orders-v1", "orders-v2", "external-payments"}
    for version in ("orders-v1", "orders-v2"):
        backends = nodes[version]["inputs"]["spec"]["backends"]
        assert [b["virtualService"]["virtualServiceName"] for b in backends] == ["api.payments.example"]
    (route,) = rec.of_type("aws:appmesh/route:Route")
    targets = route["inputs"]["spec"]["httpRoute"]["action"]["weightedTargets"]
    assert {(t["virtualNode"], t["weight"]) for t in targets} == {("orders-v1", 90), ("orders-v2", 10)}
    services = {v["inputs"]["name"] for v in rec.of_type("aws:appmesh/virtualService:VirtualService")}
    assert services == {"orders.shop.local", "api.payments.example"}
    assert not [r for r in rec if r["type"].startswith("aws:ecs/")]


def test_ingress_gateway_example_behind_its_edge():
    """GIVEN the IngressGateway example behind a PublicEndpoint, in another stack's VPC and cluster
    WHEN it runs
    THEN the virtual gateway routes /v1/orders to orders, and the gateway's ECS service registers
    its Envoy in the edge's target group, in that cluster's private subnets, without a public IP."""
    shop = {
        "vpcId": "vpc-0shop",
        "publicSubnetIds": ["subnet-0pa", "subnet-0pb"],
        **SHOP,
    }
    rec = run("ingress-gateway", stack_outputs={"acme/shop/prod": shop})
    (virtual_gateway,) = rec.of_type("aws:appmesh/virtualGateway:VirtualGateway")
    (route,) = rec.of_type("aws:appmesh/gatewayRoute:GatewayRoute")
    assert route["inputs"]["virtualGatewayName"] == virtual_gateway["inputs"]["name"]
    http = route["inputs"]["spec"]["httpRoute"]
    assert http["match"]["prefix"] == "/v1/orders"
    assert http["action"]["target"]["virtualService"]["virtualServiceName"] == "orders.shop.local"
    (target_group,) = rec.of_type("aws:lb/targetGroup:TargetGroup")
    (service,) = rec.of_type("aws:ecs/service:Service")
    (balancer,) = service["inputs"]["loadBalancers"]
    assert balancer["targetGroupArn"] == target_group["outputs"]["arn"]
    network = service["inputs"]["networkConfiguration"]
    assert network["subnets"] == SHOP["privateSubnetIds"] and network["assignPublicIp"] is False
    assert service["inputs"]["cluster"] == SHOP["clusterArn"]


def test_fargate_service_example():
    """GIVEN the FargateService example (a worker outside the mesh, 2 to 6 tasks)
    WHEN it runs
    THEN its task definition runs the worker with the roles given, its service keeps the mesh's
    defaults (no public IP, circuit breaker with rollback), and CPU target tracking is 2 to 6."""
    rec = run("fargate-service")
    (task,) = rec.of_type("aws:ecs/taskDefinition:TaskDefinition")
    assert task["inputs"]["taskRoleArn"] == "arn:aws:iam::123456789012:role/billing-worker"
    assert [c["name"] for c in json.loads(task["inputs"]["containerDefinitions"])] == ["worker"]
    (service,) = rec.of_type("aws:ecs/service:Service")
    assert service["inputs"]["networkConfiguration"]["assignPublicIp"] is False
    assert service["inputs"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    (target,) = rec.of_type("aws:appautoscaling/target:Target")
    assert (target["inputs"]["minCapacity"], target["inputs"]["maxCapacity"]) == (2, 6)


def test_two_platforms_example():
    """GIVEN the example with one platform per region
    WHEN it runs
    THEN no URN is registered twice, and each platform has its own ALB and gateway service."""
    rec = run("two-platforms")
    urns = [r["urn"] for r in rec]
    assert len(urns) == len(set(urns))
    assert len(rec.of_type("aws:lb/loadBalancer:LoadBalancer")) == 2


def test_bring_your_own_example(monkeypatch: pytest.MonkeyPatch):
    """GIVEN the bring-your-own example, its ids from another stack's outputs
    WHEN it runs (from the repository, where the dev stack file and apps are)
    THEN it makes no VPC, cluster, namespace, certificate or mesh; the services run in the given
    cluster and subnets, and every App Mesh resource names the shared mesh and its owner."""
    monkeypatch.chdir(REPO_ROOT)
    shared = {
        "vpcId": "vpc-0shared",
        "publicSubnetIds": ["subnet-0pa", "subnet-0pb"],
        "privateSubnetIds": ["subnet-0qa", "subnet-0qb"],
        "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/shared",
        "clusterName": "shared",
        "namespaceId": "ns-0shared",
        "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/shared",
    }
    rec = run("bring-your-own", stack_outputs={"acme/shared/prod": shared})
    made = {r["type"] for r in rec}
    for kind in (
        "aws:ec2/vpc:Vpc",
        "aws:ecs/cluster:Cluster",
        "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
        "aws:acm/certificate:Certificate",
        "aws:appmesh/mesh:Mesh",
    ):
        assert kind not in made, kind
    services = rec.of_type("aws:ecs/service:Service")
    assert {s["inputs"]["cluster"] for s in services} == {shared["clusterArn"]}
    assert {tuple(s["inputs"]["networkConfiguration"]["subnets"]) for s in services} == {
        ("subnet-0qa", "subnet-0qb")
    }
    app_mesh = [r for r in rec if r["type"].startswith("aws:appmesh/")]
    assert app_mesh and {(r["inputs"]["meshName"], r["inputs"]["meshOwner"]) for r in app_mesh} == {
        SHARED_MESH
    }
    assert (
        rec.one("aws:lb/listener:Listener", port=443)["inputs"]["certificateArn"] == shared["certificateArn"]
    )


def test_join_mesh_example():
    """GIVEN the example of one service joining a shared mesh with its own log group and role
    WHEN it runs
    THEN its node, router, route and virtual service are made in that mesh, for its owner, and no
    log group or execution role is made: its task runs with the role given and logs there."""
    rec = run("join-mesh")
    assert not rec.of_type("aws:cloudwatch/logGroup:LogGroup")
    (task,) = rec.of_type("aws:ecs/taskDefinition:TaskDefinition")
    assert task["inputs"]["executionRoleArn"] == "arn:aws:iam::123456789012:role/platform-ecs-execution"
    assert "/platform/reviews" in task["inputs"]["containerDefinitions"]
    app_mesh = [r for r in rec if r["type"].startswith("aws:appmesh/")]
    assert sorted(r["type"].rsplit(":", 1)[-1] for r in app_mesh) == [
        "Route",
        "VirtualNode",
        "VirtualRouter",
        "VirtualService",
    ]
    assert {(r["inputs"]["meshName"], r["inputs"]["meshOwner"]) for r in app_mesh} == {SHARED_MESH}


def test_task_roles_example():
    """GIVEN the example where orders needs a managed policy of the program's own and payments
    brings its task role
    WHEN it runs
    THEN orders' one task role gets the policy attached, by its ARN, and no other role gets any;
    payments' tasks run as the role given, no task role is made for them, and the role given
    is granted exactly its own virtual node's configuration and X-Ray."""
    rec = run("task-roles")
    policy = rec.one("aws:iam/policy:Policy")
    (attachment,) = rec.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment["name"] == "shop-orders-v1-task-orders-table"
    assert attachment["inputs"]["policyArn"] == policy["outputs"]["arn"]
    role = rec.named("aws:iam/role:Role", "shop-orders-v1-task")
    assert attachment["inputs"]["role"] == role["outputs"]["name"]
    assert not [r for r in rec.of_type("aws:iam/role:Role") if r["name"].startswith("shop-payments-v3")]
    task = rec.one("aws:ecs/taskDefinition:TaskDefinition", family="shop-payments-v3")
    assert task["inputs"]["taskRoleArn"] == "arn:aws:iam::123456789012:role/payments-task"
    grant = rec.one("aws:iam/rolePolicy:RolePolicy", role="payments-task")
    node = rec.one("aws:appmesh/virtualNode:VirtualNode", name="payments-v3")
    statements = {s["Sid"]: s for s in json.loads(grant["inputs"]["policy"])["Statement"]}
    assert set(statements) == {"AppMeshEnvoyConfiguration", "XRayWrite"}
    assert statements["AppMeshEnvoyConfiguration"]["Resource"] == [node["outputs"]["arn"]]


def test_envoy_join_mesh_example():
    """GIVEN the example of reviews joining an envoy mesh another stack runs, calling its ratings
    WHEN it runs with that stack's outputs
    THEN reviews v1 registers in a Cloud Map service of its own in that namespace, runs in that
    cluster and those subnets, and its sidecar's bootstrap (inline) dials both ratings versions by
    their Cloud Map names; the app calls through it; nothing of App Mesh is made."""
    rec = run("envoy-join-mesh", stack_outputs={"acme/shop/prod": SHOP})
    assert not [r for r in rec if r["type"].startswith("aws:appmesh/")]
    discovery = rec.one("aws:servicediscovery/service:Service")
    assert discovery["inputs"]["name"] == "reviews-v1"
    assert discovery["inputs"]["dnsConfig"]["namespaceId"] == SHOP["namespaceId"]
    service = rec.one("aws:ecs/service:Service")
    assert service["inputs"]["cluster"] == SHOP["clusterArn"]
    assert service["inputs"]["networkConfiguration"]["subnets"] == SHOP["privateSubnetIds"]
    assert service["inputs"]["serviceRegistries"]["registryArn"] == discovery["outputs"]["arn"]
    task = containers(rec.one("aws:ecs/taskDefinition:TaskDefinition"))
    assert {"ratings-v1.shop.local", "ratings-v2.shop.local"} <= peer_hosts(inline_bootstrap(task["envoy"]))
    env = {e["name"]: e["value"] for e in task["app"]["environment"]}
    assert env["HTTP_PROXY"] == "http://127.0.0.1:15001"
    assert env["RATINGS_BASE_URL"] == "http://ratings.shop.local:8080"


def test_envoy_gateway_example():
    """GIVEN the example of an envoy gateway behind a PublicEndpoint, routing to two services
    WHEN it runs
    THEN the gateway's tasks register in the endpoint's target group, its ECS service waits for the
    HTTPS listener, and its Envoy's bootstrap dials both services' versions by their Cloud Map names."""
    rec = run("envoy-gateway")
    target_group = rec.one("aws:lb/targetGroup:TargetGroup")
    service = rec.one("aws:ecs/service:Service")
    assert service["inputs"]["loadBalancers"][0]["targetGroupArn"] == target_group["outputs"]["arn"]
    https = rec.one("aws:lb/listener:Listener", port=443)
    assert https["urn"] in service["dependencies"]
    task = containers(rec.one("aws:ecs/taskDefinition:TaskDefinition"))
    assert set(task) == {"envoy", "xray-daemon"}
    assert {"orders-v1.shop.local", "reviews-v1.shop.local"} <= peer_hosts(inline_bootstrap(task["envoy"]))
    assert len(rec.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")) == 2


def test_connect_service_example():
    """GIVEN the example of a Service Connect service behind another stack's HTTPS listener
    WHEN it runs with that stack's outputs
    THEN one ECS service is published in that namespace under reviews' client alias, and its
    gateway route is a listener rule on that listener forwarding to its own target group."""
    edge = {
        **SHOP,
        "namespaceArn": "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-0shop",
        "vpcId": "vpc-0shop",
        "httpsListenerArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/1/2",
        "albArnSuffix": "app/shop/1",
    }
    rec = run("connect-service", stack_outputs={"acme/edge/prod": edge})
    service = rec.one("aws:ecs/service:Service")
    connect = service["inputs"]["serviceConnectConfiguration"]
    assert connect["namespace"] == edge["namespaceArn"]
    assert connect["services"][0]["clientAlias"] == [{"dnsName": "reviews.shop.local", "port": 8080}]
    target_group = rec.one("aws:lb/targetGroup:TargetGroup")
    assert target_group["inputs"]["vpcId"] == edge["vpcId"]
    assert service["inputs"]["loadBalancers"][0]["targetGroupArn"] == target_group["outputs"]["arn"]
    rule = rec.one("aws:lb/listenerRule:ListenerRule")
    assert rule["inputs"]["listenerArn"] == edge["httpsListenerArn"]
    assert rule["inputs"]["actions"][0]["forward"]["targetGroups"][0]["arn"] == target_group["outputs"]["arn"]
    assert not [r for r in rec if r["type"].startswith("aws:appmesh/")]


def test_yaml_join_mesh_example_is_the_python_one_through_the_provider():
    """GIVEN the Pulumi YAML program with one MeshService joining a shared mesh
    WHEN its resource is constructed through the component provider, as the engine would
    THEN it registers what the Python join-mesh example registers, resource for resource."""
    program = yaml.safe_load(example("yaml-join-mesh", DOC, "yaml"))
    ((name, resource),) = program["resources"].items()
    assert resource["type"] == "fargatemesh:index:MeshService"
    assert program["outputs"]["reviews"] == f"${{{name}.virtualServiceName}}"
    through_provider = deploy(
        lambda: provider().construct(name, resource["type"], resource["properties"], None).urn
    )
    python = registered(run("join-mesh"))
    assert len(python) > 10
    assert registered(through_provider, leaving_out=resource["type"]) == python


STACK_REFERENCE = "pulumi:pulumi:StackReference"
YAML_OUTPUT = re.compile(r"^\$\{(?P<resource>[\w-]+)\.outputs\[\"(?P<key>\w+)\"\]\}$")


def with_stack_outputs(value: Any, reference: str, outputs: dict[str, Any]) -> Any:
    """`value` with each `${<reference>.outputs["key"]}` replaced by outputs[key]: what the YAML
    engine resolves before it asks the provider to construct."""
    if isinstance(value, dict):
        return {k: with_stack_outputs(v, reference, outputs) for k, v in value.items()}
    if isinstance(value, list):
        return [with_stack_outputs(v, reference, outputs) for v in value]
    if isinstance(value, str) and (found := YAML_OUTPUT.match(value)) and found["resource"] == reference:
        return outputs[found["key"]]
    return value


def test_yaml_envoy_join_mesh_example_is_the_python_one_through_the_provider():
    """GIVEN the Pulumi YAML program with one EnvoyMeshService joining an envoy mesh, its ids read
    from a stack reference
    WHEN the references are resolved as the engine would, the properties take the wire (numbers as
    doubles) and the resource is constructed through the component provider
    THEN it registers what the Python envoy-join-mesh example registers, resource for resource."""
    program = yaml.safe_load(example("yaml-envoy-join-mesh", DOC, "yaml"))
    resources = program["resources"]
    ((reference, stack),) = [(n, r) for n, r in resources.items() if r["type"] == STACK_REFERENCE]
    assert stack["properties"]["name"] == "acme/shop/prod"
    ((name, resource),) = [(n, r) for n, r in resources.items() if r["type"] != STACK_REFERENCE]
    assert resource["type"] == "fargatemesh:index:EnvoyMeshService"
    assert program["outputs"]["reviewsEcsServices"] == f"${{{name}.ecsServiceNames}}"
    properties = over_the_wire(with_stack_outputs(resource["properties"], reference, SHOP))
    through_provider = deploy(lambda: provider().construct(name, resource["type"], properties, None).urn)
    python = [
        r
        for r in registered(run("envoy-join-mesh", stack_outputs={"acme/shop/prod": SHOP}))
        if r[0] != STACK_REFERENCE
    ]
    assert len(python) > 5
    assert registered(through_provider, leaving_out=resource["type"]) == python


def test_unit_test_example_passes():
    """GIVEN the consumer's unit tests in the page
    WHEN each test function is called
    THEN they pass (and there are two of them)."""
    namespace: dict[str, Any] = {}
    exec(compile(example("unit-test", DOC), f"{DOC}:unit-test", "exec"), namespace)
    tests = [f for name, f in namespace.items() if name.startswith("test_")]
    assert len(tests) == 2
    for test in tests:
        test()
