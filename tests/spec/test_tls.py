"""The spec's tls blocks: defaults, the load balancer hop's limits, the authority and user secrets."""

from __future__ import annotations

from tests.helpers.spec import accepted, expect_problem, problems_of, with_mesh

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"


def test_no_tls_key_is_disabled_so_upgrades_change_nothing():
    """GIVEN a spec written before TLS existed (no tls key)
    WHEN it is loaded
    THEN the mesh has no tls block, and nothing asks for a certificate authority"""
    mesh = accepted(with_mesh())
    assert mesh.tls is None
    assert mesh.gateway.tls.mode is None and mesh.services["products"].tls.mode is None


def test_an_empty_tls_block_is_strict_mutual_with_a_created_private_ca():
    """GIVEN tls: {}
    WHEN it is loaded
    THEN every key has its strict default: STRICT, mutual, a Private CA the stack creates"""
    tls = accepted(with_mesh(tls={})).tls
    assert tls is not None
    assert (tls.mode, tls.mutual, tls.authority.kind) == ("STRICT", True, "privateCa")


def test_the_gateway_listener_refuses_permissive_and_mutual_with_why():
    """GIVEN gateway.tls with PERMISSIVE and mutual
    WHEN it is loaded
    THEN both are reported at once, each at its own field, saying why"""
    data = with_mesh(**{"gateway.tls": {"mode": "PERMISSIVE", "mutual": True}})
    expect_problem(data, "gateway.tls.mode", "faces the internet")
    expect_problem(data, "gateway.tls.mutual", "presents no client certificate")


def test_an_unknown_mode_names_the_allowed_ones():
    """GIVEN services.products.tls.mode: STRICTER
    WHEN it is loaded
    THEN the problem is at that field and lists STRICT, PERMISSIVE, DISABLED"""
    data = with_mesh(**{"services.products.tls": {"mode": "STRICTER"}})
    problem = expect_problem(data, "services.products.tls.mode", "STRICT")
    assert "PERMISSIVE" in problem.message and "DISABLED" in problem.message


def test_one_authority_only_and_arns_of_the_right_service():
    """GIVEN an authority with both arn and privateCa, and an ARN that is not a Private CA's
    WHEN it is loaded
    THEN each problem is reported at its field"""
    both = with_mesh(
        tls={"authority": {"privateCa": {}, "arn": "arn:aws:acm-pca:us-east-1:1:certificate-authority/x"}}
    )
    expect_problem(both, "tls.authority.arn", "give one of privateCa, arn or secrets")
    wrong = with_mesh(tls={"authority": {"arn": "arn:aws:acm:us-east-1:1:certificate/x"}})
    expect_problem(wrong, "tls.authority.arn", "AWS Private CA ARN")


def test_user_secrets_cover_every_identity_and_no_stranger():
    """GIVEN secrets for products and an unknown 'orders', but none for the gateway, and a CA that is not a secret
    WHEN it is loaded
    THEN the stranger, the missing gateway and the CA's ARN are all reported"""
    data = with_mesh(
        tls={
            "authority": {
                "secrets": {
                    "caCertificate": "arn:aws:s3:::bucket/ca.pem",
                    "identities": {"products": SECRET + "p", "orders": SECRET + "o"},
                }
            }
        }
    )
    problems = problems_of(data)
    paths = {p.path for p in problems}
    assert "tls.authority.secrets.caCertificate" in paths
    expect_problem(data, "tls.authority.secrets.identities.orders", "not a service")
    expect_problem(data, "tls.authority.secrets.identities", "missing: gateway")


def test_a_service_named_gateway_is_ambiguous_with_user_secrets():
    """GIVEN user-provided certificates and a service named 'gateway'
    WHEN it is loaded
    THEN the service is refused: its identity key would be the ingress gateway's"""
    data = with_mesh(
        tls={
            "authority": {
                "secrets": {"caCertificate": SECRET + "ca", "identities": {"products": SECRET + "p"}}
            }
        },
        **{"services.gateway": {"versions": {"v1": {"weight": 100}}}},
    )
    expect_problem(data, "services.gateway", "names the ingress gateway's certificate")
