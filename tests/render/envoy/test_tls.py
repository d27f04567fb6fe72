"""Mesh TLS in the rendered bootstraps: listeners present their service's certificate and, when
mutual, admit exactly its callers; callers check the callee's name and present their own; PERMISSIVE
takes both; the load balancer hop; files from the plan."""

from __future__ import annotations

import copy
from typing import Any

from fargate_mesh.render.envoy import render_all
from fargate_mesh.render.envoy.tls import NOBODY
from tests.helpers.envoy import clusters, listeners
from tests.helpers.meshes import TLS_DEV, compiled, fixed_plan

CA = "/etc/test/ca.pem"
TLS_DIR = "/run/test/tls"


def configs(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    mesh = compiled(spec)
    return render_all(mesh, fixed_plan(mesh, certificates=TLS_DIR), ca_file=CA)


def context(socket: dict[str, Any]) -> dict[str, Any]:
    return socket["typed_config"]


def ingress(config: dict[str, Any]) -> dict[str, Any]:
    return listeners(config)["lds_ingress_0.0.0.0_15000"]


def sans(common: dict[str, Any]) -> list[str]:
    return [m["matcher"]["exact"] for m in common["validation_context"]["match_typed_subject_alt_names"]]


def strict_mutual() -> dict[str, Any]:
    spec = copy.deepcopy(TLS_DEV)
    del spec["services"]["prices"]["tls"]
    return spec


def test_a_mutual_listener_presents_its_service_and_admits_exactly_its_callers():
    """GIVEN dev with STRICT mutual TLS (products calls prices; the gateway routes to both)
    WHEN prices v1's sidecar is rendered
    THEN its inbound listener has one TLS chain with prices' certificate, requiring a client
    certificate from the mesh CA naming products or the gateway"""
    listener = ingress(configs(strict_mutual())["prices-v1"])
    [chain] = listener["filter_chains"]
    tls = context(chain["transport_socket"])
    assert tls["require_client_certificate"] is True
    common = tls["common_tls_context"]
    assert common["tls_certificates"] == [
        {
            "certificate_chain": {"filename": f"{TLS_DIR}/prices.shop.local.crt"},
            "private_key": {"filename": f"{TLS_DIR}/prices.shop.local.key"},
        }
    ]
    assert common["validation_context"]["trusted_ca"] == {"filename": f"{TLS_DIR}/ca.pem"}
    assert sans(common) == ["products.shop.local", "shop-dev-gateway.shop.local"]
    assert common["tls_params"]["tls_minimum_protocol_version"] == "TLSv1_3"
    assert "listener_filters" not in listener


def test_a_caller_checks_the_callees_name_and_presents_its_own_certificate():
    """GIVEN dev with STRICT mutual TLS
    WHEN products v1's sidecar and the gateway are rendered
    THEN their clusters to prices send SNI prices.shop.local, accept only that name, and present
    products' and the gateway's certificate respectively"""
    rendered = configs(strict_mutual())
    for proxy, own in (("products-v1", "products.shop.local"), ("gateway", "shop-dev-gateway.shop.local")):
        cluster = next(c for n, c in clusters(rendered[proxy]).items() if "prices-v1" in n)
        tls = context(cluster["transport_socket"])
        assert tls["sni"] == "prices.shop.local"
        common = tls["common_tls_context"]
        assert sans(common) == ["prices.shop.local"]
        assert common["tls_certificates"][0]["certificate_chain"]["filename"] == f"{TLS_DIR}/{own}.crt"
        assert common["tls_params"] == {
            "tls_minimum_protocol_version": "TLSv1_3",
            "tls_maximum_protocol_version": "TLSv1_3",
        }


def test_server_only_tls_asks_no_client_certificate():
    """GIVEN dev with STRICT TLS without mutual
    WHEN rendered
    THEN listeners do not require client certificates and callers present none, but still check names"""
    spec = strict_mutual()
    spec["tls"]["mutual"] = False
    rendered = configs(spec)
    tls = context(ingress(rendered["prices-v1"])["filter_chains"][0]["transport_socket"])
    assert "require_client_certificate" not in tls
    assert "validation_context" not in tls["common_tls_context"]
    cluster = next(c for n, c in clusters(rendered["products-v1"]).items() if "prices-v1" in n)
    common = context(cluster["transport_socket"])["common_tls_context"]
    assert "tls_certificates" not in common and sans(common) == ["prices.shop.local"]


def test_permissive_takes_tls_and_plaintext_on_two_chains():
    """GIVEN dev where prices is PERMISSIVE
    WHEN prices v1's sidecar is rendered
    THEN a TLS inspector tells a TLS chain (mutual, as the mesh) from a plaintext chain"""
    listener = ingress(configs(TLS_DEV)["prices-v1"])
    assert [f["name"] for f in listener["listener_filters"]] == ["envoy.filters.listener.tls_inspector"]
    secure, plain = listener["filter_chains"]
    assert secure["filter_chain_match"] == {"transport_protocol": "tls"}
    assert context(secure["transport_socket"])["require_client_certificate"] is True
    assert plain["filter_chain_match"] == {"transport_protocol": "raw_buffer"}
    assert "transport_socket" not in plain
    assert plain["filters"] == secure["filters"]


def test_the_load_balancer_hop_is_encrypted_without_a_client_certificate():
    """GIVEN dev with mesh TLS (gateway.tls unset)
    WHEN the gateway is rendered
    THEN its public listener presents the gateway's certificate and asks for none, with Envoy's
    default TLS versions (the load balancer picks), not the mesh's TLS 1.3 only"""
    public = listeners(configs(TLS_DEV)["gateway"])["lds_ingress_0.0.0.0_8080"]
    tls = context(public["filter_chains"][0]["transport_socket"])
    assert "require_client_certificate" not in tls
    assert "tls_params" not in tls["common_tls_context"]  # the load balancer's TLS versions, not ours
    chain = tls["common_tls_context"]["tls_certificates"][0]["certificate_chain"]["filename"]
    assert chain == f"{TLS_DIR}/shop-dev-gateway.shop.local.crt"


def test_a_disabled_mesh_has_no_tls_at_all():
    """GIVEN dev with tls DISABLED (as shipped)
    WHEN every proxy is rendered
    THEN no listener and no mesh cluster has a TLS socket; only the external backend's cluster does"""
    spec = copy.deepcopy(TLS_DEV)
    spec["tls"] = {"mode": "DISABLED"}
    del spec["services"]["prices"]["tls"]
    for config in configs(spec).values():
        for listener in listeners(config).values():
            assert all("transport_socket" not in c for c in listener["filter_chains"])
        sockets = [n for n, c in clusters(config).items() if "transport_socket" in c]
        assert all("external-payments" in n for n in sockets)


def test_a_mutual_listener_nobody_calls_admits_no_one():
    """GIVEN a mutual mesh where reviews is neither a backend nor behind the gateway
    WHEN its sidecar is rendered
    THEN its listener still requires a client certificate, with a name no certificate carries
    (Envoy would read an empty list as any certificate of the CA)"""
    spec = strict_mutual()
    spec["services"]["reviews"] = {"versions": {"v1": {"weight": 100}}}
    tls = context(ingress(configs(spec)["reviews-v1"])["filter_chains"][0]["transport_socket"])
    assert tls["require_client_certificate"] is True
    assert sans(tls["common_tls_context"]) == [NOBODY]
