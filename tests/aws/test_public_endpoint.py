"""PublicEndpoint used alone: ALB, HTTPS with a DNS-validated certificate, redirect, alias."""

from __future__ import annotations

import asyncio
from typing import Any

import pulumi
import pytest

from fargate_mesh.components import PublicEndpoint, PublicEndpointArgs
from fargate_mesh.spec import SpecError
from tests.aws.harness import ALB_ZONE_ID, HOSTED_ZONE_ID
from tests.aws.recorded import Recording
from tests.helpers.pulumi import deploy
from tests.helpers.spec import problem_at

LISTENER = "aws:lb/listener:Listener"
RECORD = "aws:route53/record:Record"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def args(**overrides: Any) -> PublicEndpointArgs:
    values: dict[str, Any] = {
        "domain": "api.dev.myshop.com",
        "hosted_zone": "myshop.com",
        "vpc_id": "vpc-1",
        "public_subnet_ids": ["subnet-pub-a", "subnet-pub-b"],
        "target_port": 8080,
        "health_check_path": "/v1/products",
    }
    values.update(overrides)
    return PublicEndpointArgs(**values)


def build(mocks, endpoint_args: PublicEndpointArgs | None = None) -> Recording:
    return deploy(mocks, lambda: PublicEndpoint("shop", endpoint_args or args()).urn)


def test_alb_is_public_in_public_subnets_and_drops_bad_headers(mocks):
    """GIVEN the endpoint
    WHEN deployed
    THEN an internet-facing application LB sits in the public subnets behind its own SG, drops
    invalid header fields, and deletion protection follows the argument."""
    rec = build(mocks)
    (alb,) = rec.of_type("aws:lb/loadBalancer:LoadBalancer")
    sg = rec.of_type("aws:ec2/securityGroup:SecurityGroup")[0]["outputs"]["id"]
    assert alb["inputs"]["internal"] is False
    assert alb["inputs"]["loadBalancerType"] == "application"
    assert alb["inputs"]["subnets"] == ["subnet-pub-a", "subnet-pub-b"]
    assert alb["inputs"]["securityGroups"] == [sg]
    assert alb["inputs"]["dropInvalidHeaderFields"] is True
    assert alb["inputs"]["enableDeletionProtection"] is False


def test_alb_security_group_admits_only_80_and_443(mocks):
    """GIVEN the ALB's security group
    WHEN deployed
    THEN its only ingress is TCP 80 and 443 from anywhere (IPv4)."""
    rec = build(mocks)
    rules = sorted(
        (r["inputs"]["fromPort"], r["inputs"]["toPort"], r["inputs"]["cidrIpv4"])
        for r in rec.of_type(INGRESS)
    )
    assert rules == [(80, 80, "0.0.0.0/0"), (443, 443, "0.0.0.0/0")]


def test_target_group_checks_a_route_not_envoy_admin(mocks):
    """GIVEN target port 8080 and health check path /v1/products
    WHEN deployed
    THEN the target group is IP/HTTP on 8080 and checks that path on the traffic port (200-399)."""
    rec = build(mocks)
    (tg,) = rec.of_type("aws:lb/targetGroup:TargetGroup")
    assert (tg["inputs"]["targetType"], tg["inputs"]["protocol"], tg["inputs"]["port"]) == (
        "ip",
        "HTTP",
        8080,
    )
    check = tg["inputs"]["healthCheck"]
    assert check["path"] == "/v1/products"
    assert check["matcher"] == "200-399"
    assert check["port"] == "traffic-port"


def test_certificate_validated_by_dns_and_used_by_https(mocks):
    """GIVEN the domain and its hosted zone
    WHEN deployed
    THEN the certificate is DNS-validated through a record made from its validation option in the
    zone looked up by name, and the HTTPS listener uses the validation's certificate ARN with a
    TLS 1.3/1.2 policy, forwarding to the target group."""
    rec = build(mocks)
    (cert,) = rec.of_type("aws:acm/certificate:Certificate")
    assert cert["inputs"]["domainName"] == "api.dev.myshop.com"
    assert cert["inputs"]["validationMethod"] == "DNS"
    option = cert["outputs"]["domainValidationOptions"][0]
    validation_record = rec.one(RECORD, name=option["resourceRecordName"])
    assert validation_record["inputs"]["records"] == [option["resourceRecordValue"]]
    assert validation_record["inputs"]["type"] == "CNAME"
    assert validation_record["inputs"]["zoneId"] == HOSTED_ZONE_ID
    zone_calls = [c for c in mocks.calls if c["token"] == "aws:route53/getZone:getZone"]
    assert zone_calls and zone_calls[0]["args"]["name"] == "myshop.com"
    assert zone_calls[0]["args"]["privateZone"] is False
    (validation,) = rec.of_type("aws:acm/certificateValidation:CertificateValidation")
    assert validation["inputs"]["certificateArn"] == cert["outputs"]["arn"]
    assert validation["inputs"]["validationRecordFqdns"] == [validation_record["outputs"]["fqdn"]]
    https = rec.one(LISTENER, port=443)
    tg_arn = rec.of_type("aws:lb/targetGroup:TargetGroup")[0]["outputs"]["arn"]
    assert https["inputs"]["protocol"] == "HTTPS"
    assert https["inputs"]["certificateArn"] == validation["outputs"]["certificateArn"]
    assert https["inputs"]["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["inputs"]["defaultActions"] == [{"type": "forward", "targetGroupArn": tg_arn}]
    assert validation["urn"] in https["dependencies"]


def test_without_a_gateway_target_the_https_listener_answers_404(mocks):
    """GIVEN an endpoint for a data plane with no gateway workload (no target port, no health check)
    WHEN deployed
    THEN no target group is made, the HTTPS listener answers 404 to whatever no listener rule matches,
    and the endpoint exports no target group"""
    endpoint: dict[str, PublicEndpoint] = {}

    def program() -> Any:
        endpoint["it"] = PublicEndpoint("shop", args(target_port=None, health_check_path=None))
        return endpoint["it"].urn

    rec = deploy(mocks, program)
    assert rec.of_type("aws:lb/targetGroup:TargetGroup") == []
    (action,) = rec.one(LISTENER, port=443)["inputs"]["defaultActions"]
    assert action["type"] == "fixed-response"
    assert action["fixedResponse"]["statusCode"] == "404"
    assert endpoint["it"].target_group_arn is None
    with pytest.raises(ValueError, match="no gateway target group"):
        endpoint["it"].gateway_target()


@pytest.mark.parametrize(
    ("given", "missing"),
    [({"health_check_path": None}, "health_check_path"), ({"target_port": None}, "target_port")],
)
def test_a_gateway_target_needs_its_port_and_health_check_path(given: dict[str, Any], missing: str):
    """GIVEN a target port without a health check path, or the other way round
    WHEN the args are made
    THEN a SpecError names the missing arg"""
    with pytest.raises(SpecError) as caught:
        args(**given)
    problem_at(
        caught.value.problems, missing, "a gateway target group needs target_port and health_check_path"
    )


def test_http_redirects_to_https(mocks):
    """GIVEN the endpoint
    WHEN deployed
    THEN port 80 answers a permanent redirect to HTTPS 443."""
    rec = build(mocks)
    http = rec.one(LISTENER, port=80)
    assert http["inputs"]["defaultActions"] == [
        {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}
    ]


def test_alias_record_points_the_domain_at_the_alb(mocks):
    """GIVEN the endpoint
    WHEN deployed
    THEN an A alias for the domain in the zone points at the ALB's DNS name and zone."""
    rec = build(mocks)
    alb = rec.of_type("aws:lb/loadBalancer:LoadBalancer")[0]["outputs"]
    alias = rec.one(RECORD, name="api.dev.myshop.com")
    assert alias["inputs"]["type"] == "A"
    assert alias["inputs"]["zoneId"] == HOSTED_ZONE_ID
    assert alias["inputs"]["aliases"] == [
        {"name": alb["dnsName"], "zoneId": ALB_ZONE_ID, "evaluateTargetHealth": True}
    ]


def test_access_logs_and_deletion_protection_are_arguments(mocks):
    """GIVEN an access log bucket and deletion protection on
    WHEN deployed
    THEN the ALB writes access logs there and is protected."""
    rec = build(mocks, args(access_logs_bucket="my-logs", deletion_protection=True))
    (alb,) = rec.of_type("aws:lb/loadBalancer:LoadBalancer")
    assert alb["inputs"]["accessLogs"] == {"bucket": "my-logs", "enabled": True}
    assert alb["inputs"]["enableDeletionProtection"] is True


@pulumi.runtime.test
def test_outputs(mocks):
    """GIVEN the endpoint
    WHEN its outputs resolve
    THEN the URL is https://<domain> and the ALB DNS name is the mock ALB's (asserted in the apply)."""
    endpoint = PublicEndpoint("shop", args())

    def check(values: list[str]) -> None:
        url, dns = values
        assert url == "https://api.dev.myshop.com"
        assert dns.endswith(".us-east-1.elb.amazonaws.com")

    return pulumi.Output.all(endpoint.url, endpoint.alb_dns_name).apply(check)


class EchoMocks(pulumi.runtime.Mocks):
    """The simplest mocks a user writes: outputs are the inputs, invokes answer nothing."""

    def __init__(self) -> None:
        self.registered: list[tuple[str, str, dict]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        self.registered.append((args.typ, args.name, dict(args.inputs)))
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:  # type: ignore[override]
        return {}


def test_runs_under_mocks_that_compute_nothing():
    """GIVEN mocks that echo inputs and compute no certificate validation options
    WHEN the endpoint is deployed under them
    THEN every resource registers, the validation record without values, instead of a crash on
    the certificate's empty option list."""
    mocks = EchoMocks()
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi.runtime.set_mocks(mocks, project="consumer", stack="unit", preview=False)
    pulumi.runtime.test(lambda: PublicEndpoint("shop", args()).url)()
    records = {name: inputs for typ, name, inputs in mocks.registered if typ == RECORD}
    assert set(records) == {"shop-cert-validation", "shop-alias"}
    assert "name" not in records["shop-cert-validation"]
    assert any(typ == LISTENER and inputs["port"] == 443 for typ, _, inputs in mocks.registered)
