"""PublicEndpoint: the internet-facing edge. An ALB in the public subnets with HTTPS (an ACM
certificate validated by DNS), HTTP redirected to HTTPS, one IP target group for the ingress
gateway's tasks, and the domain's alias record in an existing public hosted zone. Without a gateway
(a data plane whose ALB routes to the services' own target groups through listener rules), there is
no target group, and the HTTPS listener answers 404 to what no listener rule matches.

The ALB's security group admits 80 and 443 from anywhere and has no egress rule of its own:
whoever owns the targets admits the ALB and opens its egress to them (MeshFirewall does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.args import check_port_range, raise_problems, rule_problems
from fargate_mesh.components.base import child, type_token
from fargate_mesh.spec.base import check_dns_name, check_path
from fargate_mesh.spec.errors import Problem
from fargate_mesh.spec.references import check_domain_in_zone

# TLS 1.3 and 1.2 with forward-secret ciphers only.
DEFAULT_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass(frozen=True)
class PublicEndpointArgs:
    """The internet-facing edge in front of one target port. Every arg takes a plain value or a
    pulumi Output (another resource's, a StackReference's). Plain values are held to the spec's
    rules for the same keys (DNS names, the domain inside the zone, a path that starts with '/');
    Outputs are checked by AWS when they resolve.

    Args:
        domain: The name clients use, e.g. "api.dev.myshop.com". Required. It gets the
            certificate and the alias record.
        hosted_zone: An existing public Route 53 zone that `domain` is in, e.g. "myshop.com".
            Required. The certificate is validated by a DNS record written there.
        vpc_id: The VPC of the ALB and its target group. Required.
        public_subnet_ids: At least two public subnets in different AZs (a list, or an Output of
            one). Required.
        target_port: Where the gateway's tasks listen (its Envoy). Default None: no gateway
            target group, and the HTTPS listener answers 404 to what no listener rule matches.
        health_check_path: A path the ALB's health check GETs on the gateway's tasks; it must
            reach a healthy app through the gateway (Envoy's admin port is never exposed).
            Required with target_port.
        ssl_policy: The HTTPS listener's TLS policy. Default DEFAULT_SSL_POLICY: TLS 1.3 and 1.2
            with forward-secret ciphers only.
        deletion_protection: Refuse to delete the ALB. Default False, so a dev stack can be
            destroyed; turn it on for production.
        access_logs_bucket: An S3 bucket that allows ELB log delivery. Default None: no access
            logs.
        idle_timeout: Seconds an idle connection is kept open. Default 60 (ALB's own default).
        certificate_arn: An issued ACM certificate for `domain`, in the ALB's region, to use
            instead of requesting one. Default None: a certificate is requested and validated by
            a DNS record in `hosted_zone`.
        tags: Added to every resource. Default none.
    """

    domain: pulumi.Input[str]
    hosted_zone: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    public_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    target_port: pulumi.Input[int] | None = None
    health_check_path: pulumi.Input[str] | None = None
    # HTTPS when the gateway's listener speaks TLS (the spec's gateway.tls): the ALB encrypts the
    # hop to the gateway; it does not check the gateway's certificate (ELB user guide, "Target groups").
    target_protocol: str = "HTTP"
    ssl_policy: pulumi.Input[str] = DEFAULT_SSL_POLICY
    deletion_protection: pulumi.Input[bool] = False
    access_logs_bucket: pulumi.Input[str] | None = None
    idle_timeout: pulumi.Input[int] = 60
    certificate_arn: pulumi.Input[str] | None = None
    tags: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        raise_problems(
            "PublicEndpointArgs",
            [
                *rule_problems("domain", lambda d: check_dns_name(d.rstrip("."), "domain"), self.domain),
                *rule_problems(
                    "hosted_zone", lambda z: check_dns_name(z.rstrip("."), "hosted_zone"), self.hosted_zone
                ),
                *check_domain_in_zone({"domain": self.domain, "hostedZone": self.hosted_zone}),
                *rule_problems("target_port", check_port_range, self.target_port),
                *rule_problems(
                    "health_check_path", lambda p: check_path(p, "health check path"), self.health_check_path
                ),
                *rule_problems("target_protocol", _target_protocol, self.target_protocol),
                *[
                    Problem(arg, "a gateway target group needs target_port and health_check_path")
                    for arg, value in (
                        ("target_port", self.target_port),
                        ("health_check_path", self.health_check_path),
                    )
                    if value is None and self.has_gateway_target
                ],
            ],
        )

    @property
    def has_gateway_target(self) -> bool:
        """Whether a gateway's tasks sit behind the ALB (either gateway arg given)."""
        return self.target_port is not None or self.health_check_path is not None


def _target_protocol(protocol: str) -> str:
    if protocol not in ("HTTP", "HTTPS"):
        raise ValueError(f"must be HTTP or HTTPS (got {protocol!r})")
    return protocol


# The HTTPS listener's default without a gateway: what no listener rule matches is no route.
NO_ROUTE: aws.lb.ListenerDefaultActionArgsDict = {
    "type": "fixed-response",
    "fixed_response": {"content_type": "text/plain", "message_body": "no route\n", "status_code": "404"},
}


@dataclass(frozen=True)
class GatewayTarget:
    """The gateway's target group: its ARN, and its ARN suffix (CloudWatch's TargetGroup dimension)."""

    arn: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]


def _validation_field(certificate: aws.acm.Certificate, attribute: str) -> pulumi.Output[str]:
    """One field (resource_record_name, _type or _value) of the DNS record ACM asks for to validate
    the certificate's domain. AWS always fills it for DNS validation; mocks that only echo inputs
    compute no options, and then the field is None (a record without values, not a crash)."""

    def first(options: Sequence[aws.acm.outputs.CertificateDomainValidationOption] | None) -> str | None:
        return getattr(options[0], attribute) if options else None

    return cast(pulumi.Output[str], certificate.domain_validation_options.apply(first))


class PublicEndpoint(pulumi.ComponentResource):
    """The internet-facing edge (PublicEndpointArgs): an ALB with HTTPS (HTTP redirected), its
    certificate, the domain's alias record, and a target group when target_port is given. Outputs:
    url, the ALB's ARN, suffix, DNS name and security group, target_group_arn (None without a
    target), https_listener_arn, certificate_arn."""

    url: pulumi.Output[str]
    alb_arn: pulumi.Output[str]
    alb_arn_suffix: pulumi.Output[str]
    alb_dns_name: pulumi.Output[str]
    alb_security_group_id: pulumi.Output[str]
    target_group_arn: pulumi.Output[str] | None  # None: no gateway (target_port not given)
    target_group_arn_suffix: pulumi.Output[str] | None
    https_listener_arn: pulumi.Output[str]
    https_listener: aws.lb.Listener
    certificate_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: PublicEndpointArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(type_token("edge", "PublicEndpoint"), name, None, opts)
        tags = dict(args.tags)
        security_group = aws.ec2.SecurityGroup(
            f"{name}-alb",
            vpc_id=args.vpc_id,
            description=pulumi.Output.concat(
                "ALB for ", args.domain, ": HTTPS and HTTP (redirected) from the internet"
            ),
            tags={**tags, "Name": f"{name}-alb"},
            opts=child(self),
        )
        # The only ingress from anywhere in the whole platform.
        for port in (80, 443):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-alb-in-{port}",
                security_group_id=security_group.id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                cidr_ipv4="0.0.0.0/0",
                description=f"public {'HTTPS' if port == 443 else 'HTTP (redirected to HTTPS)'}",
                tags=tags,
                opts=child(self),
            )
        alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=False,
            subnets=args.public_subnet_ids,
            security_groups=[security_group.id],
            drop_invalid_header_fields=True,
            enable_deletion_protection=args.deletion_protection,
            idle_timeout=args.idle_timeout,
            access_logs={"bucket": args.access_logs_bucket, "enabled": True}
            if args.access_logs_bucket
            else None,
            tags=tags,
            opts=child(self),
        )
        target = self._gateway_target(name, args, tags)

        zone = aws.route53.get_zone_output(
            name=args.hosted_zone, private_zone=False, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        certificate_arn = (
            self._certificate(name, args, zone.zone_id, tags)
            if args.certificate_arn is None
            else pulumi.Output.from_input(args.certificate_arn)
        )
        https = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=alb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=args.ssl_policy,
            certificate_arn=certificate_arn,
            default_actions=[{"type": "forward", "target_group_arn": target.arn} if target else NO_ROUTE],
            tags=tags,
            opts=child(self),
        )
        aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=alb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                {
                    "type": "redirect",
                    "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"},
                }
            ],
            tags=tags,
            opts=child(self),
        )
        aws.route53.Record(
            f"{name}-alias",
            zone_id=zone.zone_id,
            name=args.domain,
            type="A",
            aliases=[{"name": alb.dns_name, "zone_id": alb.zone_id, "evaluate_target_health": True}],
            opts=child(self),
        )
        self.url = pulumi.Output.concat("https://", args.domain)
        self.alb_arn = alb.arn
        # CloudWatch's LoadBalancer and TargetGroup dimensions: the ARNs' suffixes.
        self.alb_arn_suffix = alb.arn_suffix
        self.alb_dns_name = alb.dns_name
        self.alb_security_group_id = security_group.id
        self._target = target
        self.target_group_arn = target.arn if target else None
        self.target_group_arn_suffix = target.arn_suffix if target else None
        self.https_listener = https
        self.https_listener_arn = https.arn
        self.certificate_arn = certificate_arn
        gateway_outputs = (
            {"target_group_arn": target.arn, "target_group_arn_suffix": target.arn_suffix} if target else {}
        )
        self.register_outputs(
            {
                "url": self.url,
                "alb_arn": self.alb_arn,
                "alb_dns_name": self.alb_dns_name,
                "alb_security_group_id": self.alb_security_group_id,
                "alb_arn_suffix": self.alb_arn_suffix,
                **gateway_outputs,
                "https_listener_arn": self.https_listener_arn,
                "certificate_arn": self.certificate_arn,
            }
        )

    def gateway_target(self) -> GatewayTarget:
        """The gateway's target group, for a data plane with a gateway workload."""
        if self._target is None:
            raise ValueError("this PublicEndpoint has no gateway target group (made without target_port)")
        return self._target

    def _gateway_target(
        self, name: str, args: PublicEndpointArgs, tags: Mapping[str, pulumi.Input[str]]
    ) -> GatewayTarget | None:
        """The IP target group the gateway's tasks register in, checked on the health check path."""
        if not args.has_gateway_target:
            return None
        target_group = aws.lb.TargetGroup(
            f"{name}-gateway",
            target_type="ip",
            protocol=args.target_protocol,
            port=args.target_port,
            vpc_id=args.vpc_id,
            deregistration_delay=30,
            health_check={
                "enabled": True,
                "protocol": args.target_protocol,
                "port": "traffic-port",
                "path": args.health_check_path,
                "matcher": "200-399",
                "interval": 15,
                "timeout": 5,
                "healthy_threshold": 2,
                "unhealthy_threshold": 3,
            },
            tags=dict(tags),
            opts=child(self),
        )
        return GatewayTarget(target_group.arn, target_group.arn_suffix)

    def _certificate(
        self,
        name: str,
        args: PublicEndpointArgs,
        zone_id: pulumi.Input[str],
        tags: Mapping[str, pulumi.Input[str]],
    ) -> pulumi.Output[str]:
        """A certificate for the domain, validated by DNS in the zone: its ARN once ACM issued it."""
        certificate = aws.acm.Certificate(
            f"{name}-cert",
            domain_name=args.domain,
            validation_method="DNS",
            tags=tags,
            opts=child(self),
        )
        validation_record = aws.route53.Record(
            f"{name}-cert-validation",
            zone_id=zone_id,
            name=_validation_field(certificate, "resource_record_name"),
            type=_validation_field(certificate, "resource_record_type"),
            records=[_validation_field(certificate, "resource_record_value")],
            ttl=60,
            allow_overwrite=True,
            opts=child(self),
        )
        validation = aws.acm.CertificateValidation(
            f"{name}-cert",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[validation_record.fqdn],
            opts=child(self),
        )
        return validation.certificate_arn
