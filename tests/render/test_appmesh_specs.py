"""The compiled mesh in App Mesh's shape: pure functions, no Pulumi runtime needed."""

from __future__ import annotations

import pytest
import yaml

from fargate_mesh.model import CompiledGatewayRoute, CompiledService
from fargate_mesh.render.appmesh import specs
from fargate_mesh.spec import Route
from tests.helpers.meshes import compiled, stack_file, stack_mesh
from tests.helpers.spec import edit, with_mesh


def dev_spec() -> dict:
    """The dev stack's mesh value, as a mapping to edit."""
    return yaml.safe_load(stack_file("dev").read_text())["config"]["myshop:mesh"]


def test_match_renders_every_kind_of_rule():
    """GIVEN a route match with a path regex, five header rules (one inverted), a query parameter
    and a method
    WHEN it is rendered for App Mesh
    THEN each becomes App Mesh's own field, with the range kept as start/end and invert explicit."""
    route = Route.model_validate(
        {
            "name": "r",
            "targets": {"v1": 100},
            "match": {
                "path": {"regex": "^/v1/items/[0-9]+$"},
                "method": "GET",
                "queryParameters": [{"name": "page", "exact": "1"}],
                "headers": [
                    {"name": "x-exact", "exact": "a"},
                    {"name": "x-prefix", "prefix": "b"},
                    {"name": "x-suffix", "suffix": "c", "invert": True},
                    {"name": "x-regex", "regex": "^d+$"},
                    {"name": "x-range", "range": {"start": 1, "end": 5}},
                ],
            },
        }
    )
    match = specs.http_match(route.match)
    assert match["path"] == {"regex": "^/v1/items/[0-9]+$"}
    assert "prefix" not in match
    assert match["method"] == "GET"
    assert match["query_parameters"] == [{"name": "page", "match": {"exact": "1"}}]
    assert match["headers"] == [
        {"name": "x-exact", "invert": False, "match": {"exact": "a"}},
        {"name": "x-prefix", "invert": False, "match": {"prefix": "b"}},
        {"name": "x-suffix", "invert": True, "match": {"suffix": "c"}},
        {"name": "x-regex", "invert": False, "match": {"regex": "^d+$"}},
        {"name": "x-range", "invert": False, "match": {"range": {"start": 1, "end": 5}}},
    ]


def test_header_only_match_gets_the_catch_all_prefix():
    """GIVEN a route that matches only a header
    WHEN rendered
    THEN it carries prefix '/' (App Mesh needs a prefix or path) and the header rule."""
    route = Route.model_validate(
        {
            "name": "canary",
            "match": {"headers": [{"name": "x-canary", "exact": "true"}]},
            "targets": {"v1": 1},
        }
    )
    assert specs.http_match(route.match)["prefix"] == "/"


def products(**fields: object) -> CompiledService:
    """products compiled from the minimal mesh with these spec fields."""
    return compiled(with_mesh(**{f"services.products.{k}": v for k, v in fields.items()})).services[
        "products"
    ]


def test_route_has_weighted_targets_priority_and_the_given_policies():
    """GIVEN a service with a retry policy and timeout, and a route over two versions
    WHEN the route is rendered
    THEN targets carry the versions' node names and weights, the priority is kept, and the retry
    policy and timeout are written out in App Mesh durations."""
    svc = products(
        versions={"v1": {"weight": 90}, "v2": {"weight": 10}},
        retryPolicy={"maxRetries": 2, "perRetryTimeout": "2s", "httpRetryEvents": ["gateway-error"]},
        timeout={"perRequest": "10s"},
        routes=[{"name": "default", "priority": 10, "targets": {"v1": 90, "v2": 10}}],
    )
    spec = specs.route_spec_of(svc.routes[0], svc)
    http = spec["http_route"]
    assert spec["priority"] == 10
    assert http["action"]["weighted_targets"] == [
        {"virtual_node": "products-v1", "weight": 90},
        {"virtual_node": "products-v2", "weight": 10},
    ]
    assert http["retry_policy"] == {
        "max_retries": 2,
        "per_retry_timeout": {"unit": "s", "value": 2},
        "http_retry_events": ["gateway-error"],
    }
    assert http["timeout"] == {"per_request": {"unit": "s", "value": 10}, "idle": {"unit": "s", "value": 300}}


def test_zero_weights_are_written_and_node_names_can_be_outputs():
    """GIVEN a route with v1: 100 and v2: 0, and node names given by the caller
    WHEN rendered
    THEN both targets are written as the spec gives them (App Mesh sends a zero weight no traffic),
    with the caller's names"""
    svc = products(
        versions={"v1": {}, "v2": {"unrouted": "soon"}},
        routes=[{"name": "r", "targets": {"v1": 100, "v2": 0}}],
    )
    spec = specs.route_spec_of(svc.routes[0], svc, {"v1": "node-a", "v2": "node-b"})
    assert spec["http_route"]["action"]["weighted_targets"] == [
        {"virtual_node": "node-a", "weight": 100},
        {"virtual_node": "node-b", "weight": 0},
    ]


def test_durations_are_seconds_when_exact():
    """GIVEN durations in milliseconds
    WHEN written for App Mesh
    THEN whole seconds are in seconds, so the console shows '15 s' rather than '15000 ms'"""
    assert specs.duration(15_000) == {"unit": "s", "value": 15}
    assert specs.duration(250) == {"unit": "ms", "value": 250}


def test_tcp_retry_events_and_no_retry_block_without_a_given_policy():
    """GIVEN a route with its own TCP-only retry policy and timeout, and one without any retry policy
    WHEN rendered
    THEN the first carries tcp_retry_events only; the second no retry block at all, so App Mesh
    applies its own default."""
    svc = products(
        routes=[
            {
                "name": "slow",
                "targets": {"v1": 100},
                "retryPolicy": {
                    "maxRetries": 1,
                    "perRetryTimeout": "250ms",
                    "tcpRetryEvents": ["connection-error"],
                },
                "timeout": {"perRequest": "30s", "idle": "1m"},
            },
            {"name": "plain", "priority": 2, "match": {"prefix": "/p"}, "targets": {"v1": 100}},
        ]
    )
    plain, slow = svc.routes
    written = specs.route_spec_of(slow, svc)["http_route"]
    assert written["retry_policy"] == {
        "max_retries": 1,
        "per_retry_timeout": {"unit": "ms", "value": 250},
        "tcp_retry_events": ["connection-error"],
    }
    assert written["timeout"] == {
        "per_request": {"unit": "s", "value": 30},
        "idle": {"unit": "s", "value": 60},
    }
    assert "retry_policy" not in specs.route_spec_of(plain, svc)["http_route"]


def test_http2_service_routes_are_http2_routes():
    """GIVEN an http2 service
    WHEN its catch-all route and router are rendered
    THEN it is an http2_route (the protocol must match the router and node listeners)."""
    svc = products(protocol="http2")
    assert set(specs.route_spec_of(svc.routes[0], svc)) == {"http2_route"}
    assert specs.virtual_router_spec(svc) == {
        "listeners": [{"port_mapping": {"port": 8080, "protocol": "http2"}}]
    }


def test_node_spec_health_check_discovery_backends_and_outlier_detection():
    """GIVEN the dev stack's products with a custom health check, outlier detection and a 30 s route
    WHEN its v1 node is rendered
    THEN the listener has the explicit health check and the version's listener timeout, Cloud Map
    discovery is by names with the version's task family, backends are FQDN strings, TLS is
    originated only for the TLS backend (file trust, enforce, its port), and access logs go to stdout."""
    data = edit(
        dev_spec(),
        **{
            "services.products.healthCheck": {"path": "/ready", "unhealthyThreshold": 3},
            "services.products.outlierDetection": {
                "maxServerErrors": 5,
                "maxEjectionPercent": 50,
                "interval": "10s",
                "baseEjectionDuration": "30s",
            },
            "services.products.routes[0].timeout": {"perRequest": "30s"},
        },
    )
    mesh = compiled(data)
    svc = mesh.services["products"]
    spec = specs.virtual_node_spec_of(mesh.namespace, svc, svc.versions["v2"])
    (listener,) = spec["listeners"]
    assert listener["port_mapping"] == {"port": 8080, "protocol": "http"}
    assert listener["health_check"] == {
        "protocol": "http",
        "path": "/ready",
        "port": 8080,
        "healthy_threshold": 2,
        "unhealthy_threshold": 3,
        "interval_millis": 5000,
        "timeout_millis": 2000,
    }
    assert listener["timeout"] == {
        "http": {"per_request": {"unit": "s", "value": 30}, "idle": {"unit": "s", "value": 300}}
    }
    assert listener["outlier_detection"] == {
        "max_server_errors": 5,
        "max_ejection_percent": 50,
        "interval": {"unit": "s", "value": 10},
        "base_ejection_duration": {"unit": "s", "value": 30},
    }
    assert spec["service_discovery"] == {
        "aws_cloud_map": {
            "namespace_name": "shop.local",
            "service_name": "products",
            "attributes": {"ECS_TASK_DEFINITION_FAMILY": "shop-dev-products-v2"},
        }
    }
    assert spec["backends"][0] == {"virtual_service": {"virtual_service_name": "prices.shop.local"}}
    assert spec["backends"][1]["virtual_service"]["client_policy"] == {
        "tls": {
            "enforce": True,
            "ports": [443],
            "validation": {"trust": {"file": {"certificate_chain": "/etc/ssl/certs/ca-bundle.crt"}}},
        }
    }
    assert spec["logging"] == {"access_log": {"file": {"path": "/dev/stdout"}}}


def test_node_without_backends_or_outlier_detection_omits_them():
    """GIVEN a service with no backends and no outlier detection
    WHEN its node is rendered
    THEN neither block is present (App Mesh needs all four outlier fields or none)."""
    mesh = compiled(with_mesh())
    svc = mesh.services["products"]
    spec = specs.virtual_node_spec_of(mesh.namespace, svc, svc.versions["v1"])
    assert "backends" not in spec
    assert "outlier_detection" not in spec["listeners"][0]


def gateway_route(**fields: object) -> CompiledGatewayRoute:
    """The compiled gateway route of the minimal mesh with these fields (match, rewrite, priority)."""
    health = {"gateway.healthCheckPath": "/health"} if "rewrite" in fields or "match" in fields else {}
    plain = {"service": "products", "match": {"prefix": "/health"}}
    data = with_mesh(**{"gateway.routes": [{"service": "products", **fields}, plain], **health})
    return next(r for r in compiled(data).gateway.routes if r.path == "gateway.routes[0]")


@pytest.mark.parametrize(
    ("rewrite", "expected_prefix"),
    [
        ({}, {"default_prefix": "DISABLED"}),
        ({"stripPrefix": True}, {"default_prefix": "ENABLED"}),
        ({"prefix": "/api/"}, {"value": "/api/"}),
    ],
)
def test_gateway_route_prefix_rewrite(rewrite, expected_prefix):
    """GIVEN a gateway route on a prefix with no rewrite / stripPrefix / a new prefix
    WHEN rendered
    THEN the path is kept by default (DISABLED), stripped when asked (ENABLED) or replaced (value),
    and the Host is rewritten to the virtual service (ENABLED)."""
    route = gateway_route(match={"prefix": "/v1/products/"}, rewrite=rewrite)
    action = specs.gateway_route_spec_of(route)["http_route"]["action"]
    assert action["rewrite"] == {
        "prefix": expected_prefix,
        "hostname": {"default_target_hostname": "ENABLED"},
    }
    assert action["target"] == {
        "virtual_service": {"virtual_service_name": "products.shop.local"},
        "port": 8080,
    }


def test_gateway_route_path_match_has_no_prefix_rewrite():
    """GIVEN gateway routes on an exact path, with the default host rewrite and with hostname: false
    WHEN rendered
    THEN no prefix rewrite is sent (App Mesh rejects it on path matches); only a non-default
    host rewrite is."""
    plain = specs.gateway_route_spec_of(gateway_route(match={"path": {"exact": "/v1/products"}}))
    assert "rewrite" not in plain["http_route"]["action"]
    assert plain["http_route"]["match"]["path"] == {"exact": "/v1/products"}
    no_host = specs.gateway_route_spec_of(
        gateway_route(match={"path": {"exact": "/x"}}, rewrite={"hostname": False})
    )
    assert no_host["http_route"]["action"]["rewrite"] == {"hostname": {"default_target_hostname": "DISABLED"}}


def test_gateway_route_hostname_headers_query_and_priority():
    """GIVEN a gateway route with hostname suffix, a header, a query parameter and a priority
    WHEN rendered
    THEN all are in the match and the priority is kept."""
    route = gateway_route(
        priority=5,
        match={
            "prefix": "/v1",
            "hostname": {"suffix": ".myshop.com"},
            "headers": [{"name": "x-tenant", "prefix": "eu-"}],
            "queryParameters": [{"name": "debug", "exact": "1"}],
        },
    )
    spec = specs.gateway_route_spec_of(route)
    match = spec["http_route"]["match"]
    assert spec["priority"] == 5
    assert match["hostname"] == {"suffix": ".myshop.com"}
    assert match["headers"] == [{"name": "x-tenant", "invert": False, "match": {"prefix": "eu-"}}]
    assert match["query_parameters"] == [{"name": "debug", "match": {"exact": "1"}}]


def test_virtual_gateway_listener_and_health_check():
    """GIVEN the minimal mesh's gateway (port 8080, one route /v1/products)
    WHEN the virtual gateway is rendered
    THEN it has one HTTP listener on 8080 whose health check uses the ALB health check path."""
    (listener,) = specs.virtual_gateway_spec_of(compiled(with_mesh()).gateway)["listeners"]
    assert listener["port_mapping"] == {"port": 8080, "protocol": "http"}
    assert listener["health_check"]["path"] == "/v1/products"
    assert listener["health_check"]["port"] == 8080


def test_external_node_uses_dns_discovery_of_its_host():
    """GIVEN the dev stack's external payments (api.payments.example, port 443)
    WHEN its node is rendered
    THEN discovery is DNS on that host and the listener is on that port."""
    assert specs.external_node_spec_of(compiled(stack_mesh("dev")).externals["payments"]) == {
        "listeners": [{"port_mapping": {"port": 443, "protocol": "http"}}],
        "service_discovery": {"dns": {"hostname": "api.payments.example"}},
    }
