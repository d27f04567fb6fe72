"""A service's routes in the compiled mesh: the default catch-all, evaluation order, targets."""

from __future__ import annotations

from typing import Any

from tests.helpers.meshes import compiled
from tests.helpers.spec import with_mesh

P = "services.products"
TO_V1 = {"v1": 100}


def products_routes(**products: Any) -> list[Any]:
    """products' compiled routes, with its spec fields set (versions v1 and v2 unless given)."""
    fields = {"versions": {"v1": {"weight": 90}, "v2": {"weight": 10}}, **products}
    return list(compiled(with_mesh(**{f"{P}.{k}": v for k, v in fields.items()})).services["products"].routes)


def names(routes: list[Any]) -> list[str]:
    return [r.name for r in routes]


def test_a_service_without_routes_gets_one_catch_all_over_the_weighted_versions():
    """GIVEN v1 at 90, v2 at 10 and v3 at 0 (unrouted), no routes written
    WHEN the mesh is compiled
    THEN products has one route, 'default', matching every path, over v1 and v2 by weight, and its
    field path is the versions' (where the weights are written)"""
    (route,) = products_routes(
        versions={"v1": {"weight": 90}, "v2": {"weight": 10}, "v3": {"weight": 0, "unrouted": "dark launch"}}
    )
    assert route.name == "default" and not route.written
    assert route.match.effective_prefix == "/"
    assert [(t.version, t.node, t.weight) for t in route.targets] == [
        ("v1", "products-v1", 90),
        ("v2", "products-v2", 10),
    ]
    assert route.path == f"{P}.versions"


def test_zero_weight_targets_are_kept_as_written_and_pruned_from_the_traffic():
    """GIVEN a written route with targets v1: 100 and v2: 0
    WHEN the mesh is compiled
    THEN targets (what gets traffic) is v1 alone, written_targets keeps v2 at 0, and v2 is not routed"""
    mesh = compiled(
        with_mesh(
            **{
                f"{P}.versions": {"v1": {}, "v2": {"unrouted": "not yet"}},
                f"{P}.routes": [{"name": "only-v1", "targets": {"v1": 100, "v2": 0}}],
            }
        )
    )
    service = mesh.services["products"]
    (route,) = service.routes
    assert [t.version for t in route.targets] == ["v1"]
    assert [(t.version, t.weight) for t in route.written_targets] == [("v1", 100), ("v2", 0)]
    assert [v.name for v in service.target_versions] == ["v1"]
    assert not service.versions["v2"].routed


def test_routes_with_a_priority_come_first_then_the_longest_prefix():
    """GIVEN routes with and without priority, written in a scrambled order
    WHEN the mesh is compiled
    THEN prioritised routes come first (ascending), then the rest by longest prefix"""
    routes = products_routes(
        versions={"v1": {"weight": 100}},
        routes=[
            {"name": "root", "match": {"prefix": "/"}, "targets": TO_V1},
            {"name": "p20", "priority": 20, "match": {"prefix": "/a"}, "targets": TO_V1},
            {"name": "short", "match": {"prefix": "/v1"}, "targets": TO_V1},
            {"name": "long", "match": {"prefix": "/v1/prices/special"}, "targets": TO_V1},
            {"name": "p3", "priority": 3, "match": {"prefix": "/z"}, "targets": TO_V1},
            {"name": "mid", "match": {"prefix": "/v1/prices"}, "targets": TO_V1},
        ],
    )
    assert names(routes) == ["p3", "p20", "long", "mid", "short", "root"]
    assert routes[0].path == f"{P}.routes[4]"  # order changes, where each is written does not


def test_an_exact_path_beats_an_equal_prefix_and_conditions_beat_a_plain_route():
    """GIVEN unprioritised routes: a prefix, an exact path of the same length, and a plain and a
    header-matching route on the same prefix
    WHEN the mesh is compiled
    THEN the exact path comes before the equal-length prefix, and the route with more conditions
    before the plain one on the same prefix"""
    routes = products_routes(
        versions={"v1": {"weight": 100}},
        routes=[
            {"name": "plain", "match": {"prefix": "/v1/"}, "targets": TO_V1},
            {
                "name": "with-header",
                "match": {"prefix": "/v1/", "headers": [{"name": "x", "exact": "1"}]},
                "targets": TO_V1,
            },
            {"name": "exact", "match": {"path": {"exact": "/v1/"}}, "targets": TO_V1},
            {"name": "root", "match": {"prefix": "/"}, "targets": TO_V1},
        ],
    )
    assert names(routes) == ["exact", "with-header", "plain", "root"]


def test_an_unprioritised_regex_ranks_after_every_literal_path():
    """GIVEN unprioritised routes with a long regex, a prefix and a shorter prefix
    WHEN the mesh is compiled
    THEN the regex comes after both prefixes, however long its pattern"""
    routes = products_routes(
        versions={"v1": {"weight": 100}},
        routes=[
            {"name": "regex", "match": {"path": {"regex": "/v1/[0-9]+/long"}}, "targets": TO_V1},
            {"name": "plain", "match": {"prefix": "/v1/"}, "targets": TO_V1},
            {"name": "root", "match": {"prefix": "/"}, "targets": TO_V1},
        ],
    )
    assert names(routes) == ["plain", "root", "regex"]


def test_gateway_routes_follow_the_same_order():
    """GIVEN gateway routes to the same service: a short prefix first, a longer one, a prioritised one
    WHEN the mesh is compiled
    THEN the prioritised route is first, then the longer prefix; each keeps its spec path and name"""
    mesh = compiled(
        with_mesh(
            **{
                "gateway.routes": [
                    {"match": {"prefix": "/v1"}, "service": "products"},
                    {"match": {"prefix": "/v1/products"}, "service": "products"},
                    {"priority": 5, "match": {"prefix": "/z"}, "service": "products"},
                ]
            }
        )
    )
    assert [(r.path, r.name) for r in mesh.gateway.routes] == [
        ("gateway.routes[2]", "products-z"),
        ("gateway.routes[1]", "products-v1-products"),
        ("gateway.routes[0]", "products-v1"),
    ]


def test_routes_of_equal_priority_are_ordered_longest_path_first():
    """GIVEN priority 5 on `short` (/a), `exact` (path /a/b), `long` (/a/b) and `canary` (/a/b with a
    header), written in that order, and `first` at priority 1 on /
    WHEN the mesh is compiled
    THEN `first` leads; among priority 5 the exact path, then the header canary, then the plain /a/b,
    then /a (App Mesh sorts by path length under a priority too)"""
    routes = products_routes(
        routes=[
            {"name": "short", "priority": 5, "match": {"prefix": "/a"}, "targets": TO_V1},
            {"name": "exact", "priority": 5, "match": {"path": {"exact": "/a/b"}}, "targets": TO_V1},
            {"name": "long", "priority": 5, "match": {"prefix": "/a/b"}, "targets": TO_V1},
            {
                "name": "canary",
                "priority": 5,
                "match": {"prefix": "/a/b", "headers": [{"name": "x-c", "present": True}]},
                "targets": {"v2": 100},
            },
            {"name": "first", "priority": 1, "targets": TO_V1},
        ]
    )
    assert names(routes) == ["first", "exact", "canary", "long", "short"]
