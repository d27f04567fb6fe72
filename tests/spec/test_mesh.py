"""Mesh-wide keys: mesh name, DNS names, domain and hosted zone, log retention, egress filter, names."""

from __future__ import annotations

import pytest

from tests.helpers.spec import DELETE, accepted, expect_problem, with_mesh


@pytest.mark.parametrize("name", ["shop_dev", "Shop", "-shop", "shop.dev", "a" * 64])
def test_mesh_name_must_be_a_dns_label(name: str) -> None:
    """GIVEN a mesh name that is no DNS label (names built from it need letters, digits and '-')
    WHEN the spec is parsed
    THEN name is reported with the value
    """
    expect_problem(with_mesh(name=name), "name", repr(name))


def test_mesh_name_longer_than_the_load_balancers_limit_is_allowed() -> None:
    """GIVEN a 63-character mesh name (load balancer names take 32, with Pulumi's suffix)
    WHEN the spec is parsed
    THEN it is accepted: the names built from it are shortened (fargate_mesh.naming.fit)
    """
    assert accepted(with_mesh(name="a" * 63)).name == "a" * 63


@pytest.mark.parametrize("field", ["namespace", "domain", "hostedZone"])
def test_dns_names_must_be_lowercase_dns_names(field: str) -> None:
    """GIVEN a namespace, domain or hosted zone that is not a lowercase DNS name
    WHEN the spec is parsed
    THEN the field is reported under its own name
    """
    expect_problem(
        with_mesh(**{field: "Not A Name"}), field, f"{field} 'Not A Name' must be a lowercase DNS name"
    )


def test_domain_must_be_inside_the_hosted_zone() -> None:
    """GIVEN a domain outside the hosted zone
    WHEN the spec is parsed
    THEN domain is reported with both names
    """
    data = with_mesh(domain="api.othershop.com")
    expect_problem(data, "domain", "'api.othershop.com' is not inside the hosted zone 'myshop.com'")


def test_a_name_that_only_ends_like_the_zone_is_not_inside_it() -> None:
    """GIVEN domain evilmyshop.com and zone myshop.com (same suffix, different zone)
    WHEN the spec is parsed
    THEN it is refused: inside means a subdomain, label by label
    """
    expect_problem(with_mesh(domain="evilmyshop.com"), "domain", "not inside the hosted zone")


@pytest.mark.parametrize(
    ("domain", "zone"), [("myshop.com", "myshop.com"), ("api.myshop.com.", "myshop.com.")]
)
def test_zone_apex_and_trailing_dots_are_accepted(domain: str, zone: str) -> None:
    """GIVEN the zone apex as domain, or names written with a trailing dot
    WHEN the spec is parsed
    THEN it is accepted and the dot dropped
    """
    mesh = accepted(with_mesh(domain=domain, hostedZone=zone))
    assert mesh.domain == domain.rstrip(".")
    assert mesh.hosted_zone == "myshop.com"


@pytest.mark.parametrize("days", [0, 2, 4000])
def test_log_retention_days_must_be_a_cloudwatch_period(days: int) -> None:
    """GIVEN a retention CloudWatch Logs does not offer
    WHEN the spec is parsed
    THEN logRetentionDays lists the allowed periods and shows the value
    """
    problem = expect_problem(
        with_mesh(logRetentionDays=days), "logRetentionDays", "must be one of 1, 3, 5, 7, 14"
    )
    assert f"got {days})" in problem.message


@pytest.mark.parametrize("days", [1, 14, 3653])
def test_log_retention_days_allowed(days: int) -> None:
    """GIVEN a CloudWatch retention period
    WHEN the spec is parsed
    THEN it is accepted
    """
    assert accepted(with_mesh(logRetentionDays=days)).log_retention_days == days


def test_egress_filter_is_drop_all_or_allow_all() -> None:
    """GIVEN an egress filter App Mesh does not know
    WHEN the spec is parsed
    THEN the two allowed values are named
    """
    expect_problem(with_mesh(egressFilter="DENY"), "egressFilter", "'DROP_ALL' or 'ALLOW_ALL'")


@pytest.mark.parametrize("key", ["name", "namespace", "domain", "hostedZone", "gateway", "services"])
def test_required_mesh_keys(key: str) -> None:
    """GIVEN a mesh without one of its required keys
    WHEN the spec is parsed
    THEN the key is reported as required
    """
    expect_problem(with_mesh(**{key: DELETE}), key, "is required")


def test_top_level_typo_suggests_the_key() -> None:
    """GIVEN 'service' where 'services' was meant
    WHEN the spec is parsed
    THEN the typo is reported with the intended key
    """
    expect_problem(with_mesh(service={}), "service", "did you mean 'services'?")


@pytest.mark.parametrize(
    "image",
    ["public.ecr.aws/appmesh/aws-appmesh-envoy:latest", "public.ecr.aws/appmesh/aws-appmesh-envoy"],
)
def test_envoy_image_must_be_pinned(image: str) -> None:
    """GIVEN an Envoy image with no tag or the 'latest' tag (App Mesh publishes no 'latest')
    WHEN the spec is parsed
    THEN envoyImage is reported with a pinned example
    """
    expect_problem(with_mesh(envoyImage=image), "envoyImage", "must be pinned")


def test_envoy_image_by_digest_is_accepted() -> None:
    """GIVEN an Envoy image pinned by digest
    WHEN the spec is parsed
    THEN it is kept as written
    """
    image = "public.ecr.aws/appmesh/aws-appmesh-envoy@sha256:" + "a" * 64
    assert accepted(with_mesh(envoyImage=image)).envoy_image == image


def test_a_version_whose_node_name_is_the_gateways_is_refused() -> None:
    """GIVEN service 'shop' with version 'gateway' in mesh 'shop' (both would be named shop-gateway)
    WHEN the spec is parsed
    THEN the version is reported: ECS and App Mesh would refuse the second half-way through a deploy
    """
    data = with_mesh(**{"services.shop": {"versions": {"gateway": {"weight": 100}}}})
    expect_problem(data, "services.shop.versions.gateway", "already taken by the ingress gateway")


def test_a_version_whose_node_name_is_an_external_backends_is_refused() -> None:
    """GIVEN service 'external' with version 'payments' and an external backend 'payments'
    WHEN the spec is parsed
    THEN the version is reported (both virtual nodes would be external-payments)
    """
    data = with_mesh(
        external={"payments": {"host": "api.payments.example"}},
        **{"services.external": {"versions": {"payments": {"weight": 100}}}},
    )
    expect_problem(data, "services.external.versions.payments", "external backend 'payments'")


def test_an_external_host_inside_the_mesh_namespace_is_refused() -> None:
    """GIVEN an external backend whose host is a mesh service's virtual service name
    WHEN the spec is parsed
    THEN its host is reported
    """
    data = with_mesh(external={"pay": {"host": "products.shop.local"}})
    expect_problem(data, "external.pay.host", "outside the mesh's namespace")


def test_a_service_named_like_the_gateway_is_refused() -> None:
    """GIVEN mesh 'shop' and a service named 'shop-gateway'
    WHEN the spec is parsed
    THEN the service is reported (its log group would be the gateway's)
    """
    data = with_mesh(**{"services.shop-gateway": {"versions": {"v1": {"weight": 100}}}})
    expect_problem(data, "services.shop-gateway", "the ingress gateway's")
