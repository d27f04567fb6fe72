"""The compiled mesh's TLS: identities, each listener's effective mode, who a mutual callee accepts,
the authority's defaults per data plane, and the data planes that refuse parts of it."""

from __future__ import annotations

import pytest

from fargate_mesh.model import compile_checked
from fargate_mesh.spec import SpecError
from tests.helpers.meshes import SHIPPED, compiled, stack_data, stack_mesh
from tests.helpers.spec import accepted, problem_at, refused_on, runs_on, with_mesh


def test_the_shipped_stacks_are_explicitly_disabled():
    """GIVEN the shipped dev and prod stacks
    WHEN they are compiled
    THEN their tls is written out as DISABLED and no hop, nor the gateway, uses TLS"""
    for stack in SHIPPED:
        mesh = stack_mesh(stack)
        assert mesh.tls is not None and mesh.tls.mode == "DISABLED"
        tls = compiled(mesh).tls
        assert not tls.enabled and tls.identities == ()
        assert tls.gateway.mode == "DISABLED"
        assert all(not s.encrypted and not s.mutual for s in tls.services.values())


def test_one_identity_per_service_plus_the_gateway():
    """GIVEN the dev stack with STRICT mutual TLS
    WHEN it is compiled
    THEN each service's identity is its DNS name, and the gateway has its own"""
    tls = compiled(stack_data("dev", mode="STRICT", mutual=True)).tls
    assert [(i.name, i.dns_name) for i in tls.identities] == [
        ("products", "products.shop.local"),
        ("prices", "prices.shop.local"),
        ("gateway", "shop-dev-gateway.shop.local"),
    ]


def test_a_mutual_callee_accepts_exactly_its_callers_and_the_gateway_when_routed():
    """GIVEN dev with mutual TLS: products calls prices; the gateway routes to both
    WHEN it is compiled
    THEN prices accepts products and the gateway, products only the gateway"""
    tls = compiled(stack_data("dev", mode="STRICT", mutual=True)).tls
    assert [c.name for c in tls.services["prices"].clients] == ["products", "gateway"]
    assert [c.name for c in tls.services["products"].clients] == ["gateway"]


def test_an_unrouted_service_does_not_accept_the_gateway():
    """GIVEN a mutual mesh where the gateway routes only to products, which calls prices
    WHEN it is compiled
    THEN prices accepts products only"""
    data = with_mesh(
        tls={},
        **{
            "services.products.backends": ["prices"],
            "services.prices": {"versions": {"v1": {"weight": 100}}},
        },
    )
    assert [c.name for c in compiled(data).tls.services["prices"].clients] == ["products"]


def test_a_service_overrides_the_mesh_and_says_where():
    """GIVEN a STRICT mutual mesh where products says PERMISSIVE and mutual: false
    WHEN it is compiled
    THEN products' listener is PERMISSIVE without clients, decided at its own fields"""
    data = with_mesh(tls={}, **{"services.products.tls": {"mode": "PERMISSIVE", "mutual": False}})
    listener = compiled(data).tls.services["products"]
    assert (listener.mode, listener.mutual, listener.clients) == ("PERMISSIVE", False, ())
    assert (listener.mode_path, listener.mutual_path) == (
        "services.products.tls.mode",
        "services.products.tls.mutual",
    )


def test_a_disabled_service_is_never_mutual():
    """GIVEN a mutual mesh where products is DISABLED
    WHEN it is compiled
    THEN products' listener is plaintext and asks no one for a certificate"""
    data = with_mesh(tls={}, **{"services.products.tls": {"mode": "DISABLED"}})
    listener = compiled(data).tls.services["products"]
    assert not listener.encrypted and not listener.mutual and listener.clients == ()


def test_the_gateway_hop_follows_the_mesh_unless_told():
    """GIVEN a PERMISSIVE mesh, then the same with gateway.tls.mode DISABLED
    WHEN they are compiled
    THEN the load balancer hop is STRICT (never PERMISSIVE), then DISABLED"""
    assert compiled(with_mesh(tls={"mode": "PERMISSIVE"})).tls.gateway.mode == "STRICT"
    told = with_mesh(tls={"mode": "PERMISSIVE"}, **{"gateway.tls": {"mode": "DISABLED"}})
    assert compiled(told).tls.gateway.mode == "DISABLED"


def test_the_created_ca_is_general_purpose_where_acm_issues_and_short_lived_on_service_connect():
    """GIVEN tls: {} on appmesh, envoy and serviceConnect
    WHEN they are compiled
    THEN App Mesh and envoy (both take ACM certificates, which ACM cannot issue from a short-lived CA)
    get a general-purpose CA, Service Connect the cheaper short-lived mode"""
    modes = {}
    for plane in ("appmesh", "envoy", "serviceConnect"):
        authority = compiled(with_mesh(tls={"mutual": False}, dataplane=plane)).tls.authority
        assert authority is not None
        modes[plane] = authority.usage_mode
    assert modes == {
        "appmesh": "GENERAL_PURPOSE",
        "envoy": "GENERAL_PURPOSE",
        "serviceConnect": "SHORT_LIVED_CERTIFICATE",
    }


def test_service_connect_takes_server_tls_but_refuses_mutual_and_permissive():
    """GIVEN STRICT server-only TLS, then mutual PERMISSIVE TLS, on serviceConnect
    WHEN they are checked
    THEN the first runs; the second is refused at tls.mutual and tls.mode, saying why"""
    runs_on(
        with_mesh(tls={"mutual": False}, dataplane="serviceConnect", egressFilter="ALLOW_ALL", tracing=False),
        "serviceConnect",
    )
    problems = refused_on(with_mesh(tls={"mode": "PERMISSIVE"}), "serviceConnect")
    problem_at(problems, "tls.mutual", "no client certificates")
    problem_at(problems, "tls.mode", "on or off per service")


def test_app_mesh_and_envoy_take_strict_mutual_tls():
    """GIVEN the dev stack with STRICT mutual TLS
    WHEN it is checked for appmesh and for envoy
    THEN both carry it"""
    data = stack_data("dev", mode="STRICT", mutual=True)
    for dataplane in ("appmesh", "envoy"):
        runs_on(data, dataplane)


def test_a_data_plane_whose_components_lack_mesh_tls_refuses_to_deploy_it():
    """GIVEN server-only STRICT TLS, which Service Connect can carry, on dataplane serviceConnect
    WHEN it is checked for deployment
    THEN it is refused at tls (our Service Connect components do not configure TLS yet), while the
    same stack without TLS, and the capability check alone, pass"""
    data = stack_data("sc")
    data["tls"] = {"mode": "STRICT", "mutual": False}
    mesh = accepted(data)
    compile_checked(mesh)  # what Service Connect can carry
    with pytest.raises(SpecError) as caught:
        compile_checked(mesh, deploying=True)
    problem_at(caught.value.problems, "tls", "do not configure mesh TLS yet")
    data["tls"] = {"mode": "DISABLED"}
    compile_checked(accepted(data), deploying=True)
