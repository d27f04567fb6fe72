"""A version's sidecar Envoy: ingress to its app, egress to declared backends only, external TLS,
health checks and outlier detection, names, and nothing but the plan's addresses."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import pytest

from fargate_mesh.model import CompiledMesh
from fargate_mesh.render.envoy import render_all, render_sidecar
from fargate_mesh.render.envoy.plan import Endpoint, MeshPlan, fargate_plan, loopback_plan
from tests.helpers.envoy import clusters, hcm
from tests.helpers.meshes import SHOP, compiled, fixed_plan

# Rendering never opens the trust store; Envoy does (tests/golden validates with a real one).
CA = "/etc/test/ca.pem"

BASE: dict[str, Any] = {
    **SHOP,
    "gateway": {"routes": [{"match": {"prefix": "/v1/products"}, "service": "products"}]},
    "external": {
        "payments": {"host": "api.payments.example", "port": 443},
        "legacy": {"host": "legacy.corp.example", "port": 8081},
    },
    "services": {
        "products": {
            "port": 8080,
            "backends": ["prices", "payments", "legacy"],
            "timeout": {"perRequest": "20s", "idle": "60s"},
            "versions": {"v1": {"weight": 100}},
        },
        "prices": {"port": 9090, "versions": {"v1": {"weight": 50}, "v2": {"weight": 50}}},
        "reviews": {"versions": {"v1": {"weight": 100}}},
    },
}


def mesh_with(**changes: Any) -> CompiledMesh:
    spec = copy.deepcopy(BASE)
    for key, value in changes.items():
        if key in spec["services"]:
            spec["services"][key].update(value)
        else:
            spec[key] = value
    return compiled(spec)


plan_for = fixed_plan


def listener_of(config: dict[str, Any], direction: str) -> dict[str, Any]:
    return next(
        x for x in config["static_resources"]["listeners"] if x["name"].startswith(f"lds_{direction}_")
    )


def vhosts(config: dict[str, Any], direction: str) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in hcm(listener_of(config, direction))["route_config"]["virtual_hosts"]}


def products_v1(mesh: CompiledMesh | None = None, **kwargs: Any) -> dict[str, Any]:
    mesh = mesh or mesh_with()
    kwargs.setdefault("ca_file", CA)
    return render_sidecar(mesh, plan_for(mesh), "products", "v1", **kwargs)


def only_endpoint(cluster: dict[str, Any]) -> dict[str, Any]:
    [endpoint] = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"]
    return endpoint["endpoint"]["address"]["socket_address"]


# --- ingress -----------------------------------------------------------------------------------


def test_ingress_sends_everything_to_the_local_app_with_the_services_timeouts():
    """GIVEN products v1 with timeout 20 s / idle 60 s
    WHEN its sidecar is rendered
    THEN the ingress listener on the plan's ingress address sends all paths to cds_ingress_... at the
    plan's app address, with those timeouts and no retries"""
    mesh = mesh_with()
    plan = plan_for(mesh)
    config = render_sidecar(mesh, plan, "products", "v1", ca_file=CA)
    sidecar = plan.sidecar("products", "v1")
    ingress = listener_of(config, "ingress")
    assert ingress["name"] == "lds_ingress_0.0.0.0_15000"
    assert ingress["address"]["socket_address"]["port_value"] == sidecar.ingress.port
    [vhost] = vhosts(config, "ingress").values()
    assert vhost["domains"] == ["*"]
    [route] = vhost["routes"]
    assert route["match"] == {"prefix": "/"}
    assert route["route"] == {
        "cluster": "cds_ingress_shop_products-v1_http_8080",
        "timeout": "20s",
        "idle_timeout": "60s",
    }
    app = clusters(config)["cds_ingress_shop_products-v1_http_8080"]
    assert only_endpoint(app) == {"address": "127.0.0.1", "port_value": sidecar.app.port}
    assert "health_checks" not in app


def test_node_identity_and_admin():
    """GIVEN products v1
    WHEN its sidecar is rendered
    THEN node id and cluster are App Mesh's virtual node resource and admin is on the plan's admin endpoint"""
    mesh = mesh_with()
    plan = plan_for(mesh)
    config = render_sidecar(mesh, plan, "products", "v1", ca_file=CA)
    assert config["node"] == {
        "id": "mesh/shop/virtualNode/products-v1",
        "cluster": "mesh/shop/virtualNode/products-v1",
    }
    admin = plan.sidecar("products", "v1").admin
    assert config["admin"] == {
        "address": {"socket_address": {"address": admin.host, "port_value": admin.port}}
    }
    assert "dynamic_resources" not in config
    assert "bootstrap_extensions" not in config


# --- egress ------------------------------------------------------------------------------------


def test_egress_has_virtual_hosts_only_for_declared_backends():
    """GIVEN products with backends prices, payments, legacy (reviews exists but is not a backend)
    WHEN its sidecar is rendered
    THEN egress has exactly those backends' hosts, with and without their port, and a refusing catch-all"""
    hosts = vhosts(products_v1(), "egress")
    assert list(hosts) == ["prices.shop.local", "api.payments.example", "legacy.corp.example", "drop_all"]
    assert hosts["prices.shop.local"]["domains"] == ["prices.shop.local", "prices.shop.local:9090"]
    assert hosts["api.payments.example"]["domains"] == ["api.payments.example", "api.payments.example:443"]
    assert hosts["drop_all"]["domains"] == ["*"]
    assert not [n for n in clusters(products_v1()) if "reviews" in n]


def test_undeclared_hosts_are_refused_with_a_404_naming_them():
    """GIVEN the mesh's default egress filter DROP_ALL
    WHEN products' sidecar is rendered
    THEN the catch-all answers 404 itself, with a body that names the refused host and the fix"""
    [route] = vhosts(products_v1(), "egress")["drop_all"]["routes"]
    response = route["direct_response"]
    assert response["status"] == 404
    text = response["body_format"]["text_format_source"]["inline_string"]
    assert "%REQ(:AUTHORITY)%" in text
    assert "not a backend of products" in text
    assert "route" not in route


def test_service_without_backends_refuses_everything():
    """GIVEN reviews with no backends
    WHEN its sidecar is rendered
    THEN egress has only the refusing catch-all and no egress clusters"""
    mesh = mesh_with()
    config = render_sidecar(mesh, plan_for(mesh), "reviews", "v1")
    assert list(vhosts(config, "egress")) == ["drop_all"]
    assert list(clusters(config)) == ["cds_ingress_shop_reviews-v1_http_8080"]


def test_allow_all_forwards_undeclared_hosts_through_a_dynamic_forward_proxy():
    """GIVEN egressFilter ALLOW_ALL
    WHEN products' sidecar is rendered
    THEN the catch-all routes to a dynamic forward proxy cluster, with its filter before the router"""
    config = products_v1(mesh_with(egressFilter="ALLOW_ALL"))
    [route] = vhosts(config, "egress")["allow_all"]["routes"]
    assert route["route"]["cluster"] == "cds_egress_allow_all"
    filters = [f["name"] for f in hcm(listener_of(config, "egress"))["http_filters"]]
    assert filters == ["envoy.filters.http.dynamic_forward_proxy", "envoy.filters.http.router"]
    assert (
        clusters(config)["cds_egress_allow_all"]["cluster_type"]["name"]
        == "envoy.clusters.dynamic_forward_proxy"
    )
    assert "drop_all" not in vhosts(config, "egress")


def test_peers_dial_the_peer_address_while_the_sidecar_listens_on_its_ingress():
    """GIVEN the Fargate plan: prices v1 listens on 0.0.0.0:15000, reaches its app on 127.0.0.1:9090 and
    is reached as prices-v1.shop.local:15000; its admin and egress stay on 127.0.0.1
    WHEN prices v1's and products' sidecars are rendered
    THEN prices v1's listeners and app cluster use those addresses, and products' cluster for prices v1
    dials the name (resolved by DNS: the envoy.clusters.dns extension)"""
    mesh = mesh_with()
    plan = fargate_plan(mesh)
    prices = render_sidecar(mesh, plan, "prices", "v1")
    ingress = listener_of(prices, "ingress")
    assert ingress["address"]["socket_address"] == {"address": "0.0.0.0", "port_value": 15000}
    egress = listener_of(prices, "egress")
    assert egress["address"]["socket_address"] == {"address": "127.0.0.1", "port_value": 15001}
    assert prices["admin"]["address"]["socket_address"] == {"address": "127.0.0.1", "port_value": 9901}
    app = clusters(prices)["cds_ingress_shop_prices-v1_http_9090"]
    assert only_endpoint(app) == {"address": "127.0.0.1", "port_value": 9090}
    cluster = clusters(render_sidecar(mesh, plan, "products", "v1", ca_file=CA))[
        "cds_egress_shop_prices-v1_http_9090"
    ]
    assert only_endpoint(cluster) == {"address": "prices-v1.shop.local", "port_value": 15000}
    assert cluster["cluster_type"]["name"] == "envoy.clusters.dns"


def test_mesh_backend_clusters_point_at_each_versions_sidecar_ingress():
    """GIVEN prices v1/v2 at 50/50 on port 9090
    WHEN products' sidecar is rendered
    THEN its egress clusters are named after prices' nodes and port, at their sidecars' ingress"""
    mesh = mesh_with()
    plan = plan_for(mesh)
    config = render_sidecar(mesh, plan, "products", "v1", ca_file=CA)
    for version in ("v1", "v2"):
        cluster = clusters(config)[f"cds_egress_shop_prices-{version}_http_9090"]
        ingress = plan.sidecar("prices", version).ingress
        assert only_endpoint(cluster) == {"address": ingress.host, "port_value": ingress.port}
        assert cluster["type"] == "STATIC"


# --- external backends -------------------------------------------------------------------------


def test_external_tls_backend_originates_tls_with_sni_and_name_check():
    """GIVEN payments at api.payments.example:443 (TLS by default on 443) and a custom CA file
    WHEN products' sidecar is rendered
    THEN its cluster resolves the host by DNS and originates TLS with SNI, the CA file and a SAN check,
    and its route gets App Mesh's default retries and timeouts"""
    config = products_v1(ca_file="/tmp/ca.pem")
    cluster = clusters(config)["cds_egress_shop_external-payments_http_443"]
    assert cluster["type"] == "LOGICAL_DNS"
    assert only_endpoint(cluster) == {"address": "api.payments.example", "port_value": 443}
    tls = cluster["transport_socket"]["typed_config"]
    assert tls["@type"].endswith("UpstreamTlsContext")
    assert tls["sni"] == "api.payments.example"
    validation = tls["common_tls_context"]["validation_context"]
    assert validation["trusted_ca"] == {"filename": "/tmp/ca.pem"}
    assert validation["match_typed_subject_alt_names"] == [
        {"san_type": "DNS", "matcher": {"exact": "api.payments.example"}}
    ]
    [route] = vhosts(config, "egress")["api.payments.example"]["routes"]
    assert route["route"]["cluster"] == "cds_egress_shop_external-payments_http_443"
    assert (route["route"]["timeout"], route["route"]["retry_policy"]["num_retries"]) == ("15s", 2)


def test_a_tls_external_backend_needs_a_ca_file():
    """GIVEN products, which calls payments over TLS, and reviews, which calls nothing external
    WHEN their sidecars are rendered without ca_file
    THEN products' is refused with a ValueError naming payments and ca_file; reviews' renders"""
    mesh = mesh_with()
    with pytest.raises(ValueError, match="'payments' uses TLS: pass ca_file"):
        render_sidecar(mesh, plan_for(mesh), "products", "v1")
    assert render_sidecar(mesh, plan_for(mesh), "reviews", "v1")["static_resources"]["clusters"]


def test_external_plain_http_backend_has_no_tls():
    """GIVEN legacy at port 8081 (not TLS by default)
    WHEN products' sidecar is rendered
    THEN its cluster has no transport socket"""
    cluster = clusters(products_v1())["cds_egress_shop_external-legacy_http_8081"]
    assert "transport_socket" not in cluster
    assert only_endpoint(cluster) == {"address": "legacy.corp.example", "port_value": 8081}


def test_external_backend_is_reached_where_the_plan_says_but_checked_by_its_own_name():
    """GIVEN a plan that sends payments to 10.9.9.9:8443
    WHEN products' sidecar is rendered
    THEN the cluster connects there (STATIC), while SNI and the SAN check stay api.payments.example"""
    mesh = mesh_with()
    plan = plan_for(mesh, external={"payments": Endpoint("10.9.9.9", 8443)})
    config = render_sidecar(mesh, plan, "products", "v1", ca_file=CA)
    cluster = clusters(config)["cds_egress_shop_external-payments_http_443"]
    assert only_endpoint(cluster) == {"address": "10.9.9.9", "port_value": 8443}
    assert cluster["type"] == "STATIC"
    assert cluster["transport_socket"]["typed_config"]["sni"] == "api.payments.example"


# --- health checks, outlier detection, circuit breakers ----------------------------------------


def test_callers_clusters_health_check_and_eject_the_node():
    """GIVEN prices with a health check and outlier detection
    WHEN products' sidecar (a caller of prices) is rendered
    THEN both prices clusters carry the active check and App Mesh's outlier detection"""
    mesh = mesh_with(
        prices={
            "healthCheck": {
                "path": "/ping",
                "interval": "10s",
                "timeout": "3s",
                "healthyThreshold": 3,
                "unhealthyThreshold": 4,
            },
            "outlierDetection": {
                "maxServerErrors": 5,
                "maxEjectionPercent": 50,
                "interval": "10s",
                "baseEjectionDuration": "30s",
            },
        }
    )
    config = products_v1(mesh)
    for version in ("v1", "v2"):
        cluster = clusters(config)[f"cds_egress_shop_prices-{version}_http_9090"]
        assert cluster["health_checks"] == [
            {
                "timeout": "3s",
                "interval": "10s",
                "no_traffic_interval": "10s",
                "healthy_threshold": 3,
                "unhealthy_threshold": 4,
                "http_health_check": {"path": "/ping", "host": "prices.shop.local"},
            }
        ]
        assert cluster["outlier_detection"] == {
            "consecutive_5xx": 5,
            "interval": "10s",
            "base_ejection_time": "30s",
            "max_ejection_percent": 50,
            "enforcing_success_rate": 0,
        }


def test_no_outlier_detection_unless_the_spec_sets_it():
    """GIVEN prices without outlierDetection
    WHEN products' sidecar is rendered
    THEN its prices clusters have none (but still the default /health check)"""
    cluster = clusters(products_v1())["cds_egress_shop_prices-v1_http_9090"]
    assert "outlier_detection" not in cluster
    [check] = cluster["health_checks"]
    assert check["http_health_check"]["path"] == "/health"
    # Also without traffic, every interval (Envoy's default would be 60 s).
    assert check["interval"] == check["no_traffic_interval"] == "5s"


def test_every_cluster_has_app_mesh_circuit_breakers():
    """GIVEN any sidecar
    WHEN rendered
    THEN every cluster raises Envoy's circuit breaker defaults to App Mesh's 2147483647"""
    config = products_v1(mesh_with(egressFilter="ALLOW_ALL"))
    for cluster in config["static_resources"]["clusters"]:
        [threshold] = cluster["circuit_breakers"]["thresholds"]
        assert {k: v for k, v in threshold.items() if k != "priority"} == {
            "max_connections": 2147483647,
            "max_pending_requests": 2147483647,
            "max_requests": 2147483647,
            "max_retries": 2147483647,
        }


def test_http2_service_gets_http2_upstreams_and_health_checks():
    """GIVEN prices with protocol http2
    WHEN products' sidecar and prices' own sidecar are rendered
    THEN both the callers' and the local app cluster speak HTTP/2, and the check uses HTTP/2"""
    mesh = mesh_with(prices={"protocol": "http2"})
    caller = clusters(products_v1(mesh))["cds_egress_shop_prices-v1_http2_9090"]
    options = caller["typed_extension_protocol_options"][
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
    ]
    assert options["explicit_http_config"] == {"http2_protocol_options": {}}
    assert caller["health_checks"][0]["http_health_check"]["codec_client_type"] == "HTTP2"
    own = clusters(render_sidecar(mesh, plan_for(mesh), "prices", "v1"))[
        "cds_ingress_shop_prices-v1_http2_9090"
    ]
    assert "typed_extension_protocol_options" in own


# --- every listener ----------------------------------------------------------------------------


def test_every_listener_normalises_paths_and_writes_a_json_access_log():
    """GIVEN all proxies of the mesh rendered with an access log folder
    WHEN their listeners are inspected
    THEN each normalises paths, merges slashes and logs JSON with the fields to follow a request"""
    mesh = mesh_with()
    configs = render_all(mesh, plan_for(mesh), access_log_dir="/var/log/mesh", ca_file=CA)
    assert set(configs) == {"gateway", "products-v1", "prices-v1", "prices-v2", "reviews-v1"}
    for key, config in configs.items():
        for listener in config["static_resources"]["listeners"]:
            manager = hcm(listener)
            assert (manager["normalize_path"], manager["merge_slashes"]) == (True, True)
            [log] = manager["access_log"]
            assert log["typed_config"]["path"] == f"/var/log/mesh/{key}.access.log"
            fields = log["typed_config"]["log_format"]["json_format"]
            assert fields["listener"] == listener["name"]
            for field in (
                "method",
                "path",
                "status",
                "duration_ms",
                "upstream_cluster",
                "response_flags",
                "request_id",
            ):
                assert field in fields, (key, field)


def test_access_log_defaults_to_stdout():
    """GIVEN no access log path
    WHEN a sidecar is rendered
    THEN access logs go to /dev/stdout"""
    for listener in products_v1()["static_resources"]["listeners"]:
        assert hcm(listener)["access_log"][0]["typed_config"]["path"] == "/dev/stdout"


def test_nothing_assumes_loopback_when_the_plan_uses_other_hosts():
    """GIVEN a plan on 10.1.2.3
    WHEN every proxy is rendered
    THEN no config mentions 127.0.0.1 or localhost, and the sidecar listens on the plan's host"""
    mesh = mesh_with()
    configs = render_all(mesh, plan_for(mesh, host="10.1.2.3"), ca_file=CA)
    text = json.dumps(configs)
    assert "127.0.0.1" not in text
    assert "localhost" not in text
    assert listener_of(configs["products-v1"], "egress")["address"]["socket_address"]["address"] == "10.1.2.3"


def test_listener_names_do_not_change_between_runs():
    """GIVEN the same mesh planned twice on different ports, the second with the gateway moved to 18080
    WHEN every proxy is rendered
    THEN each proxy has the same listener names both times: App Mesh's, after the role and the
    App Mesh or spec port (lds_ingress_0.0.0.0_15000, lds_egress_0.0.0.0_15001, the gateway's
    lds_ingress_0.0.0.0_8080), not after local ports"""
    mesh = mesh_with()
    ports = itertools.count(30000)
    moved = loopback_plan(mesh, lambda: next(ports), gateway_port=18080)

    def listener_names(plan: MeshPlan) -> dict[str, list[str]]:
        configs = render_all(mesh, plan, ca_file=CA)
        return {k: [x["name"] for x in c["static_resources"]["listeners"]] for k, c in configs.items()}

    first = listener_names(plan_for(mesh))
    assert first == listener_names(moved)
    assert first["products-v1"] == ["lds_ingress_0.0.0.0_15000", "lds_egress_0.0.0.0_15001"]
    assert first["gateway"][0] == "lds_ingress_0.0.0.0_8080"


def test_rendering_is_pure_and_json_serialisable():
    """GIVEN one mesh and plan
    WHEN rendered twice
    THEN the results are equal and survive a JSON round trip"""
    mesh = mesh_with()
    plan = plan_for(mesh)
    first, second = render_all(mesh, plan, ca_file=CA), render_all(mesh, plan, ca_file=CA)
    assert first == second
    assert json.loads(json.dumps(first)) == first


@pytest.mark.parametrize(
    ("service", "version", "message"), [("nope", "v1", "unknown service"), ("prices", "v9", "no version")]
)
def test_unknown_service_or_version_is_a_clear_error(service: str, version: str, message: str):
    """GIVEN a service or version that is not in the spec
    WHEN its sidecar is rendered
    THEN a ValueError names it"""
    mesh = mesh_with()
    with pytest.raises(ValueError, match=message):
        render_sidecar(mesh, plan_for(mesh), service, version)


def test_a_plan_missing_a_backend_version_is_a_clear_error():
    """GIVEN a plan without prices v2
    WHEN products' sidecar (which calls prices) is rendered
    THEN a ValueError says which address is missing"""
    mesh = mesh_with()
    plan = plan_for(mesh)
    partial = MeshPlan(
        plan.gateway,
        plan.gateway_admin,
        {k: v for k, v in plan.sidecars.items() if k != ("prices", "v2")},
        plan.external,
    )
    with pytest.raises(ValueError, match="no address for prices v2"):
        render_sidecar(mesh, partial, "products", "v1", ca_file=CA)
