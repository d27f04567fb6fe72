"""The shipped stacks, recorded from the real program: the whole request path is wired, end to end.

Route53 alias → ALB → HTTPS listener → target group → gateway ECS service → virtual gateway
→ gateway routes → virtual services → routers → routes → nodes → Cloud Map → ECS services
"""

from __future__ import annotations

import json
import re
from typing import Any

from fargate_mesh import naming
from fargate_mesh.spec import Mesh
from tests.aws.recorded import Recording
from tests.helpers.meshes import stack_mesh

ALB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
RECORD = "aws:route53/record:Record"
ECS_SERVICE = "aws:ecs/service:Service"
TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
GATEWAY = "aws:appmesh/virtualGateway:VirtualGateway"
GATEWAY_ROUTE = "aws:appmesh/gatewayRoute:GatewayRoute"
VSERVICE = "aws:appmesh/virtualService:VirtualService"
ROUTER = "aws:appmesh/virtualRouter:VirtualRouter"
ROUTE = "aws:appmesh/route:Route"
NODE = "aws:appmesh/virtualNode:VirtualNode"
CLOUD_MAP = "aws:servicediscovery/service:Service"
NAMESPACE = "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace"
SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"
SCALING_TARGET = "aws:appautoscaling/target:Target"


def containers(task: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in json.loads(task["inputs"]["containerDefinitions"])}


def env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("environment", [])}


def walk_edge_to_gateway(rec: Recording, mesh: Mesh) -> dict[str, Any]:
    """Route53 → ALB → HTTPS listener → target group → gateway ECS service → virtual gateway."""
    alb = rec.of_type(ALB)[0]
    alias = rec.one(RECORD, name=mesh.domain)
    assert alias["inputs"]["aliases"][0]["name"] == alb["outputs"]["dnsName"]
    assert alias["inputs"]["aliases"][0]["zoneId"] == alb["outputs"]["zoneId"]
    https = rec.one(LISTENER, loadBalancerArn=alb["outputs"]["arn"], port=443)
    (forward,) = https["inputs"]["defaultActions"]
    target_group = rec.by_output(TARGET_GROUP, "arn", forward["targetGroupArn"])
    assert target_group["inputs"]["port"] == mesh.gateway.port
    assert target_group["inputs"]["healthCheck"]["path"] == mesh.gateway.alb_health_check_path()
    gateway_services = [
        s
        for s in rec.of_type(ECS_SERVICE)
        if any(
            lb["targetGroupArn"] == target_group["outputs"]["arn"]
            for lb in s["inputs"].get("loadBalancers", [])
        )
    ]
    (gateway_service,) = gateway_services
    assert gateway_service["inputs"]["loadBalancers"][0]["containerName"] == "envoy"
    assert gateway_service["inputs"]["loadBalancers"][0]["containerPort"] == mesh.gateway.port
    task = rec.by_output(TASK_DEF, "arn", gateway_service["inputs"]["taskDefinition"])
    gateway_arn = env(containers(task)["envoy"])["APPMESH_RESOURCE_ARN"]
    gateway = rec.by_output(GATEWAY, "arn", gateway_arn)
    assert gateway["inputs"]["name"] == naming.gateway_name(mesh.name)
    assert gateway["inputs"]["meshName"] == mesh.name
    return gateway


def walk_service(rec: Recording, mesh: Mesh, virtual_service_name: str) -> dict[str, Any]:
    """Virtual service → router → routes → nodes → Cloud Map → task definitions → ECS services.
    Returns the routes by name, for stack-specific checks."""
    vs = rec.one(VSERVICE, name=virtual_service_name)
    router = rec.one(ROUTER, name=vs["inputs"]["spec"]["provider"]["virtualRouter"]["virtualRouterName"])
    routes = {
        r["inputs"]["name"]: r
        for r in rec.of_type(ROUTE)
        if r["inputs"]["virtualRouterName"] == router["inputs"]["name"]
    }
    assert routes, f"router {router['inputs']['name']} has no routes"
    namespace = rec.of_type(NAMESPACE)[0]
    node_names = {
        t["virtualNode"]
        for r in routes.values()
        for t in r["inputs"]["spec"]["httpRoute"]["action"]["weightedTargets"]
    }
    for node_name in node_names:
        node = rec.one(NODE, name=node_name, meshName=mesh.name)
        cloud_map = node["inputs"]["spec"]["serviceDiscovery"]["awsCloudMap"]
        assert cloud_map["namespaceName"] == namespace["inputs"]["name"]
        discovery = rec.one(CLOUD_MAP, name=cloud_map["serviceName"])
        assert discovery["inputs"]["dnsConfig"]["namespaceId"] == namespace["outputs"]["id"]
        family = cloud_map["attributes"]["ECS_TASK_DEFINITION_FAMILY"]
        task = rec.one(TASK_DEF, family=family)
        assert env(containers(task)["envoy"])["APPMESH_RESOURCE_ARN"] == node["outputs"]["arn"]
        service = rec.one(ECS_SERVICE, taskDefinition=task["outputs"]["arn"])
        assert service["inputs"]["serviceRegistries"]["registryArn"] == discovery["outputs"]["arn"]
        assert service["inputs"]["cluster"] == rec.of_type("aws:ecs/cluster:Cluster")[0]["outputs"]["arn"]
    return routes


def check_whole_chain(rec: Recording, mesh: Mesh) -> None:
    gateway = walk_edge_to_gateway(rec, mesh)
    gateway_routes = [
        r
        for r in rec.of_type(GATEWAY_ROUTE)
        if r["inputs"]["virtualGatewayName"] == gateway["inputs"]["name"]
    ]
    assert sorted(r["inputs"]["name"] for r in gateway_routes) == sorted(
        r.resource_name for r in mesh.gateway.routes
    )
    for spec_route in mesh.gateway.routes:
        route = rec.one(GATEWAY_ROUTE, name=spec_route.resource_name)
        target = route["inputs"]["spec"]["httpRoute"]["action"]["target"]
        assert target["virtualService"]["virtualServiceName"] == naming.virtual_service_name(
            spec_route.service, mesh.namespace
        )
        assert target["port"] == mesh.services[spec_route.service].port
        walk_service(rec, mesh, target["virtualService"]["virtualServiceName"])


def test_dev_chain_from_dns_to_tasks(dev):
    """GIVEN the dev stack's recording
    WHEN the request path is followed from the domain's alias record
    THEN every hop is wired to the next by the recorded ARNs, ids and names, down to each
    version's ECS service registered in its Cloud Map service."""
    check_whole_chain(dev, stack_mesh("dev"))


def test_prod_chain_from_dns_to_tasks(prod):
    """GIVEN the prod stack's recording
    WHEN the request path is followed from the domain's alias record
    THEN every hop is wired to the next, down to the ECS services."""
    check_whole_chain(prod, stack_mesh("prod"))


def test_dev_has_one_nat_and_the_products_canary(dev):
    """GIVEN the dev stack
    WHEN its recording is read
    THEN one NAT serves both private subnets, products' default route splits v1/v2 90/10, and a
    priority-1 route sends x-canary: true to v2 only."""
    assert len(dev.of_type(NAT)) == 1
    assert len([s for s in dev.of_type(SUBNET) if s["inputs"]["tags"]["tier"] == "private"]) == 2
    routes = walk_service(dev, stack_mesh("dev"), "products.shop.local")
    default = routes["default"]["inputs"]["spec"]
    assert default["priority"] == 10
    assert default["httpRoute"]["action"]["weightedTargets"] == [
        {"virtualNode": "products-v1", "weight": 90},
        {"virtualNode": "products-v2", "weight": 10},
    ]
    canary = routes["canary-header"]["inputs"]["spec"]
    assert canary["priority"] == 1
    assert canary["httpRoute"]["match"]["headers"] == [
        {"name": "x-canary", "invert": False, "match": {"exact": "true"}}
    ]
    assert canary["httpRoute"]["action"]["weightedTargets"] == [{"virtualNode": "products-v2", "weight": 100}]


def test_dev_external_payments_reached_over_tls(dev):
    """GIVEN dev's external payments backend
    WHEN its recording is read
    THEN a DNS node and a host-named virtual service exist, and products' nodes originate TLS to it."""
    node = dev.one(NODE, name="external-payments")
    assert node["inputs"]["spec"]["serviceDiscovery"] == {"dns": {"hostname": "api.payments.example"}}
    dev.one(VSERVICE, name="api.payments.example")
    for version in ("v1", "v2"):
        backends = dev.one(NODE, name=f"products-{version}")["inputs"]["spec"]["backends"]
        payments = [
            b for b in backends if b["virtualService"]["virtualServiceName"] == "api.payments.example"
        ]
        assert payments[0]["virtualService"]["clientPolicy"]["tls"]["enforce"] is True


def test_prod_has_a_nat_per_az_two_tasks_and_autoscaling(prod):
    """GIVEN the prod stack
    WHEN its recording is read
    THEN each of the 3 private subnets has its own NAT, every ECS service starts with at least
    2 tasks, scales from at least 2, and leaves the count to the scaler."""
    assert len(prod.of_type(NAT)) == 3
    assert len([s for s in prod.of_type(SUBNET) if s["inputs"]["tags"]["tier"] == "private"]) == 3
    targets = {t["inputs"]["resourceId"]: t["inputs"] for t in prod.of_type(SCALING_TARGET)}
    services = prod.of_type(ECS_SERVICE)
    assert len(services) == 3
    for service in services:
        assert service["inputs"]["desiredCount"] >= 2
        assert service["options"]["ignoreChanges"] == ["desiredCount"]
        target = targets[f"service/shop-prod/{service['inputs']['name']}"]
        assert target["minCapacity"] >= 2 and target["maxCapacity"] >= target["minCapacity"]
    policies = prod.of_type("aws:appautoscaling/policy:Policy")
    assert len(policies) == 3
    for p in policies:
        metric = p["inputs"]["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"]
        assert metric["predefinedMetricType"] == "ECSServiceAverageCPUUtilization"


def test_prod_nodes_eject_outliers(prod):
    """GIVEN prod's outlier detection
    WHEN its recording is read
    THEN every service node's listener carries it."""
    for node in prod.of_type(NODE):
        listener = node["inputs"]["spec"]["listeners"][0]
        assert listener["outlierDetection"]["maxServerErrors"] == 5


def test_exports(shipped):
    """GIVEN a shipped stack
    WHEN its exports are read
    THEN they give the https URL, the ALB's DNS name, the mesh's name and ARN (App Mesh's only: on
    envoy there is no mesh resource), the cluster and each service's virtual service name."""
    mesh = stack_mesh(shipped.data["stack"])
    outputs = shipped.outputs
    assert outputs["url"] == f"https://{mesh.domain}"
    assert outputs["albDnsName"] == shipped.of_type(ALB)[0]["outputs"]["dnsName"]
    assert outputs["meshName"] == mesh.name
    if mesh.dataplane == "appmesh":
        assert outputs["meshArn"] == shipped.one("aws:appmesh/mesh:Mesh", name=mesh.name)["outputs"]["arn"]
    else:
        assert "meshArn" not in outputs
    assert outputs["clusterName"] == mesh.name
    assert outputs["virtualServices"] == {
        s: naming.virtual_service_name(s, mesh.namespace) for s in mesh.services
    }


def test_children_are_parented_to_components(shipped):
    """GIVEN a shipped stack
    WHEN its recording is read
    THEN every AWS resource's parent is one of the library's components (none floats at the root)."""
    for r in shipped:
        if r["type"].startswith(("aws:", "docker-build:")):
            assert r["parent"] and "fargatemesh:" in r["parent"].split("::")[2], r["name"]


# AWS accepts only these characters in security group and rule descriptions.
_SG_DESCRIPTION = re.compile(r"^[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]*$")


def test_security_group_descriptions_are_accepted_by_aws(shipped):
    """GIVEN a shipped stack
    WHEN security group and rule descriptions are read
    THEN they use only the characters EC2 accepts (an apostrophe fails the deploy)."""
    types = (
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    )
    for type_ in types:
        for r in shipped.of_type(type_):
            assert _SG_DESCRIPTION.match(r["inputs"].get("description", "")), r["inputs"]["description"]


def test_prod_alb_has_deletion_protection_and_dev_does_not(dev, prod):
    """GIVEN the shipped stacks (prod sets myshop:albDeletionProtection: true beside its mesh)
    WHEN recorded
    THEN the prod ALB has deletion protection on and the dev ALB (no setting) has it off."""
    (prod_alb,) = prod.of_type(ALB)
    (dev_alb,) = dev.of_type(ALB)
    assert prod_alb["inputs"]["enableDeletionProtection"] is True
    assert dev_alb["inputs"]["enableDeletionProtection"] is False
