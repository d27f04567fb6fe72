"""render/alb.py and render/serviceconnect.py: gateway matches as ALB conditions and transforms, the
forward action's limit, and the test route under BLUE_GREEN as a Service Connect test traffic rule."""

from __future__ import annotations

import pytest

from fargate_mesh.model import compile_checked
from fargate_mesh.render import alb, serviceconnect
from tests.helpers.spec import accepted, expect_problem, refused_on, with_mesh

SC = {"dataplane": "serviceConnect", "egressFilter": "ALLOW_ALL", "tracing": False}


def test_a_rich_gateway_match_is_one_condition_per_value_and_rewrites_are_transforms():
    """GIVEN a gateway route with host suffix, prefix, method, a header prefix and a query parameter,
    and a prefix rewrite WHEN rendered THEN each is its own condition, and the rewrites are transforms"""
    route = {
        "service": "products",
        "priority": 1,
        "match": {
            "prefix": "/api/",
            "hostname": {"suffix": ".myshop.com"},
            "method": "GET",
            "headers": [{"name": "x-tier", "prefix": "gold"}],
            "queryParameters": [{"name": "v", "exact": "2"}],
        },
        "rewrite": {"prefix": "/v1/"},
    }
    mesh = compile_checked(
        accepted(
            with_mesh(
                **SC,
                **{
                    "gateway.routes": [
                        route,
                        {"service": "products", "priority": 2, "match": {"prefix": "/v1/"}},
                    ]
                },
            )
        )
    )
    rule, plain = alb.listener_rules(mesh)
    assert plain.priority == 2
    assert rule.priority == 1
    assert list(rule.conditions) == [
        {"host_header": {"values": ["*.myshop.com"]}},
        {"path_pattern": {"values": ["/api/*"]}},
        {"http_request_method": {"values": ["GET"]}},
        {"http_header": {"http_header_name": "x-tier", "values": ["gold*"]}},
        {"query_strings": [{"key": "v", "value": "2"}]},
    ]
    assert rule.transforms[0] == {
        "type": "url-rewrite",
        "url_rewrite_config": {"rewrite": {"regex": "^/api/(.*)$", "replace": "/v1/$1"}},
    }
    assert rule.transforms[1]["host_header_rewrite_config"]["rewrite"]["replace"] == "products.shop.local"


def test_a_forward_action_takes_at_most_five_target_groups():
    """GIVEN 5, then 6 target groups WHEN a forward action is made THEN 6 are refused"""
    assert len(alb.forward([(f"tg{i}", 20) for i in range(5)])["forward"]["target_groups"]) == 5
    with pytest.raises(ValueError, match=r"1\.\.5 target groups"):
        alb.forward([(f"tg{i}", 10) for i in range(6)])


def test_a_header_exact_route_under_blue_green_is_the_test_traffic_rule():
    """GIVEN a BLUE_GREEN service with a header-exact route to its steady version WHEN rendered
    THEN the client alias carries the header as its test traffic rule; under CANARY it is refused"""
    routes = [
        {
            "name": "test",
            "priority": 1,
            "match": {"headers": [{"name": "x-canary", "exact": "true"}]},
            "targets": {"v1": 100},
        },
        {"name": "default", "priority": 2, "targets": {"v1": 100}},
    ]
    spec = with_mesh(
        **SC, **{"services.products.routes": routes, "services.products.rollout": {"strategy": "BLUE_GREEN"}}
    )
    service = compile_checked(accepted(spec)).services["products"]
    assert serviceconnect.client_alias(service)["test_traffic_rules"] == [
        {"header": {"name": "x-canary", "value": {"exact": "true"}}}
    ]
    canary = with_mesh(
        **SC, **{"services.products.routes": routes, "services.products.rollout": {"strategy": "CANARY"}}
    )
    assert [p.path for p in refused_on(canary, "serviceConnect")] == ["services.products.routes[0].match"]


@pytest.mark.parametrize(
    ("rollout", "field", "words"),
    [
        ({"strategy": "LINEAR", "percent": 2}, "percent", "from 3.0 to 100.0"),
        ({"strategy": "CANARY", "percent": 10.05}, "percent", "multiple of 0.1"),
        ({"strategy": "BLUE_GREEN", "percent": 10}, "percent", "BLUE_GREEN shifts all traffic at once"),
        ({"strategy": "CANARY", "bakeMinutes": 1441}, "bakeMinutes", "1440"),
    ],
)
def test_a_rollout_outside_the_ecs_ranges_is_refused_at_its_field(rollout, field, words):
    """GIVEN a rollout outside the ECS API's ranges WHEN parsed THEN the field is named"""
    expect_problem(
        with_mesh(**{"services.products.rollout": rollout}), f"services.products.rollout.{field}", words
    )


def test_a_canary_rollout_is_the_ecs_deployment_configuration():
    """GIVEN CANARY 10 % baking 5 minutes, then 10 WHEN rendered THEN pulumi's deployment_configuration"""
    service = compile_checked(
        accepted(
            with_mesh(
                **SC,
                **{"services.products.rollout": {"strategy": "CANARY", "percent": 10, "stepBakeMinutes": 5}},
            )
        )
    ).services["products"]
    assert serviceconnect.deployment_configuration(service.rollout) == {
        "strategy": "CANARY",
        "bake_time_in_minutes": "10",
        "canary_configuration": {"canary_percent": 10.0, "canary_bake_time_in_minutes": "5"},
    }


def test_presence_matches_are_wildcards_and_an_exact_path_rewrite_is_a_whole_path_rewrite():
    """GIVEN a gateway route on the exact path /status with header x-debug present and query ?preview
    present, rewriting the path to /v1/health
    WHEN rendered as a listener rule
    THEN the presence conditions take the value `*` and the rewrite replaces the whole path"""
    route = {
        "service": "products",
        "priority": 1,
        "match": {
            "path": {"exact": "/status"},
            "headers": [{"name": "x-debug", "present": True}],
            "queryParameters": [{"name": "preview", "present": True}],
        },
        "rewrite": {"path": "/v1/health"},
    }
    plain = {"service": "products", "priority": 2, "match": {"prefix": "/v1/"}}
    mesh = compile_checked(accepted(with_mesh(**SC, **{"gateway.routes": [route, plain]})))
    rule, _ = alb.listener_rules(mesh)
    assert list(rule.conditions)[1:] == [
        {"http_header": {"http_header_name": "x-debug", "values": ["*"]}},
        {"query_strings": [{"key": "preview", "value": "*"}]},
    ]
    assert rule.transforms[0] == {
        "type": "url-rewrite",
        "url_rewrite_config": {"rewrite": {"regex": "^.*$", "replace": "/v1/health"}},
    }
