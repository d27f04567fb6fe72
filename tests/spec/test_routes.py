"""A service's router routes: weights, targets, names, priorities, limits and request matches."""

from __future__ import annotations

from typing import Any

import pytest

from fargate_mesh.spec import HttpMatch
from tests.helpers.spec import accepted, expect_problem, problems_of, with_mesh

P = "services.products"
R = f"{P}.routes[0]"


def routed(*routes: dict[str, Any], versions: int = 2) -> dict[str, Any]:
    """The minimal mesh with products v1..vN (N = versions) and these routes."""
    return with_mesh(
        **{
            f"{P}.versions": {f"v{i + 1}": {"weight": 0} for i in range(versions)},
            f"{P}.routes": list(routes),
        }
    )


def route(**fields: Any) -> dict[str, Any]:
    """A valid route to v1 and v2, with fields replaced."""
    return {"name": "main", "match": {"prefix": "/"}, "targets": {"v1": 50, "v2": 50}} | fields


def test_versions_need_no_weight_when_routes_are_written() -> None:
    """GIVEN versions without a weight and routes that carry the weights
    WHEN the spec is parsed
    THEN it is accepted; the version weights (0 by default) play no part
    """
    data = with_mesh(
        **{f"{P}.versions": {"v1": {}, "v2": {}}, f"{P}.routes": [route()]},
    )
    assert accepted(data).services["products"].versions["v1"].weight == 0


def test_written_routes_are_accepted() -> None:
    """GIVEN a header canary route and a weighted default route
    WHEN the spec is parsed
    THEN both routes are kept as written (the base the failures below start from)
    """
    canary = route(name="canary", priority=1, match={"headers": [{"name": "X-Canary", "exact": "true"}]})
    data = routed(canary | {"targets": {"v2": 100}}, route(name="default", priority=10))
    routes = accepted(data).services["products"].routes or []
    assert [r.name for r in routes] == ["canary", "default"]
    assert routes[0].match.headers[0].name == "x-canary"  # HTTP header names are case-insensitive


@pytest.mark.parametrize("weight", [-1, 101])
def test_target_weight_must_be_0_to_100(weight: int) -> None:
    """GIVEN a route target weight outside 0..100
    WHEN the spec is parsed
    THEN the target itself (routes[i].targets.<version>) is reported with the value
    """
    data = routed(route(targets={"v1": weight, "v2": 0}))
    expect_problem(data, f"{R}.targets.v1", f"(got {weight})")


def test_target_weights_cannot_sum_to_zero() -> None:
    """GIVEN a route whose targets all have weight 0
    WHEN the spec is parsed
    THEN the targets are reported: the route would send traffic nowhere
    """
    expect_problem(routed(route(targets={"v1": 0, "v2": 0})), f"{R}.targets", "must add up to 1..100 (got 0)")


def test_target_weights_cannot_sum_over_100() -> None:
    """GIVEN a route whose weights add up to 150
    WHEN the spec is parsed
    THEN the sum is reported on the route's targets
    """
    expect_problem(
        routed(route(targets={"v1": 100, "v2": 50})), f"{R}.targets", "must add up to 1..100 (got 150)"
    )


def test_weight_zero_target_is_allowed_next_to_a_positive_one() -> None:
    """GIVEN a route with v1 at 100 and v2 at 0, and v2 reached by another route
    WHEN the spec is parsed
    THEN it is accepted (0 is App Mesh's 'no traffic', useful before a shift)
    """
    data = routed(route(targets={"v1": 100, "v2": 0}), route(name="b", match={"prefix": "/b"}))
    assert (accepted(data).services["products"].routes or [])[0].targets == {"v1": 100, "v2": 0}


def test_target_must_name_an_existing_version() -> None:
    """GIVEN a route targeting a version that is not declared
    WHEN the spec is parsed
    THEN the target is reported with the versions that exist
    """
    data = routed(route(targets={"v1": 50, "v3": 50}))
    problem = expect_problem(data, f"{R}.targets.v3", "unknown version 'v3'")
    assert "versions are: v1, v2" in problem.message


def test_every_version_must_be_reached_by_some_route() -> None:
    """GIVEN routes that never send traffic to v2 (and v2 gives no unrouted reason)
    WHEN the spec is parsed
    THEN v2 is reported, even though its own weight field is irrelevant with routes
    """
    data = routed(route(targets={"v1": 100}))
    expect_problem(data, f"{P}.versions.v2", "no route sends traffic to this version")


@pytest.mark.parametrize("name", ["has space", "-leading-dash", "", "é", "x" * 256, "a.b"])
def test_route_name_must_be_an_app_mesh_name(name: str) -> None:
    """GIVEN a route name App Mesh would reject
    WHEN the spec is parsed
    THEN routes[i].name says which characters are allowed
    """
    expect_problem(routed(route(name=name)), f"{R}.name", "letters, digits, '-' or '_'")


def test_route_names_must_be_unique() -> None:
    """GIVEN two routes with the same name in one router
    WHEN the spec is parsed
    THEN the second is reported and points at the first
    """
    data = routed(route(), route(match={"prefix": "/b"}))
    expect_problem(data, f"{P}.routes[1].name", "used by routes[0]")


def test_equal_route_priorities_are_accepted() -> None:
    """GIVEN two routes with the same priority in one router
    WHEN the spec is parsed
    THEN it is accepted: App Mesh orders them by path length (model/ordering.py)
    """
    accepted(routed(route(priority=5), route(name="b", priority=5, match={"prefix": "/b"})))


@pytest.mark.parametrize("priority", [-1, 1001])
def test_route_priority_must_be_0_to_1000(priority: int) -> None:
    """GIVEN a priority outside App Mesh's 0..1000
    WHEN the spec is parsed
    THEN the priority is reported with the value
    """
    expect_problem(routed(route(priority=priority)), f"{R}.priority", f"(got {priority})")


@pytest.mark.parametrize("priority", [0, 1000])
def test_route_priority_bounds_are_inclusive(priority: int) -> None:
    """GIVEN priority 0 (first) or 1000 (last)
    WHEN the spec is parsed
    THEN it is accepted
    """
    assert accepted(routed(route(priority=priority))).services["products"].routes[0].priority == priority


def test_routes_cannot_be_an_empty_list() -> None:
    """GIVEN routes: [] (neither the default catch-all nor any route)
    WHEN the spec is parsed
    THEN the list is reported
    """
    expect_problem(routed(), f"{P}.routes", "at least 1 item")


def test_two_routes_with_the_same_match_are_refused() -> None:
    """GIVEN two routes of one router with the same match (spelled differently: {} and prefix '/')
    WHEN the spec is parsed
    THEN the second is reported: only one of them could ever be used
    """
    data = routed(route(match={}), route(name="b", match={"prefix": "/"}))
    expect_problem(data, f"{P}.routes[1].match", "same match as routes[0]")


@pytest.mark.parametrize(
    ("header", "got"),
    [
        ({"name": "x-a"}, "(got none)"),
        ({"name": "x-a", "exact": "1", "prefix": "1"}, "(got exact, prefix)"),
    ],
)
def test_header_match_needs_exactly_one_rule(header: dict[str, Any], got: str) -> None:
    """GIVEN a header match with no rule, or with two rules
    WHEN the spec is parsed
    THEN the header entry is reported with the rules it may use and the ones given
    """
    problem = expect_problem(
        routed(route(match={"headers": [header]})), f"{R}.match.headers[0]", "exactly one of exact, prefix"
    )
    assert got in problem.message


@pytest.mark.parametrize(("start", "end"), [(10, 10), (10, 5)])
def test_header_range_end_must_exceed_start(start: int, end: int) -> None:
    """GIVEN a header range whose end is not above its start (end is exclusive)
    WHEN the spec is parsed
    THEN range.end is reported with both bounds
    """
    header = {"name": "x-tier", "range": {"start": start, "end": end}}
    expect_problem(
        routed(route(match={"headers": [header]})),
        f"{R}.match.headers[0].range.end",
        f"range end ({end}) must be greater than start ({start})",
    )


def test_header_regex_must_compile() -> None:
    """GIVEN a header regex with an unbalanced bracket
    WHEN the spec is parsed
    THEN the regex is reported with the compiler's reason
    """
    header = {"name": "x-a", "regex": "[a-z"}
    expect_problem(
        routed(route(match={"headers": [header]})), f"{R}.match.headers[0].regex", "does not compile"
    )


@pytest.mark.parametrize("regex", ["/a(?=b)", "/a(?<!b)c", r"/(a)\1", "(?>a)"])
def test_path_regex_must_be_re2(regex: str) -> None:
    """GIVEN a path regex that Python compiles but Envoy's RE2 does not (lookaround, backreference)
    WHEN the spec is parsed
    THEN it is refused before Envoy rejects the config
    """
    expect_problem(routed(route(match={"path": {"regex": regex}})), f"{R}.match.path.regex", "RE2")


def test_plain_regex_is_accepted() -> None:
    """GIVEN an RE2-compatible regex with an escaped backslash before a digit
    WHEN the spec is parsed
    THEN it is accepted (\\\\1 is a literal backslash and 1, not a backreference)
    """
    data = routed(route(match={"path": {"regex": r"/v[0-9]+/\\1(?:x)?"}}))
    assert accepted(data).services["products"].routes[0].match.path is not None


def test_prefix_and_path_cannot_both_be_given() -> None:
    """GIVEN a match with prefix and path
    WHEN the spec is parsed
    THEN the match is reported: it takes one or the other
    """
    match = {"prefix": "/a", "path": {"exact": "/a"}}
    expect_problem(routed(route(match=match)), f"{R}.match", "prefix or path, not both")


def test_path_needs_exact_or_regex() -> None:
    """GIVEN a path match with neither exact nor regex
    WHEN the spec is parsed
    THEN the path is reported with its two options
    """
    expect_problem(routed(route(match={"path": {}})), f"{R}.match.path", "exactly one of exact, regex")


@pytest.mark.parametrize(("field", "value"), [("prefix", "v1/products"), ("path", {"exact": "health"})])
def test_prefix_and_exact_path_must_start_with_a_slash(field: str, value: Any) -> None:
    """GIVEN a prefix or exact path without a leading '/'
    WHEN the spec is parsed
    THEN the field is reported with the value
    """
    path = f"{R}.match.prefix" if field == "prefix" else f"{R}.match.path.exact"
    expect_problem(routed(route(match={field: value})), path, "must start with '/'")


def test_method_must_be_an_http_method() -> None:
    """GIVEN a method that is not an HTTP method
    WHEN the spec is parsed
    THEN the allowed methods are listed with the value given
    """
    problem = expect_problem(routed(route(match={"method": "FETCH"})), f"{R}.match.method", "'GET'")
    assert "(got 'FETCH')" in problem.message


@pytest.mark.parametrize("name", [":method", "Host", "bad header"])
def test_header_name_must_be_matchable(name: str) -> None:
    """GIVEN a header name that is a pseudo-header, Host, or not an HTTP token
    WHEN the spec is parsed
    THEN the name is reported
    """
    header = {"name": name, "exact": "x"}
    expect_problem(routed(route(match={"headers": [header]})), f"{R}.match.headers[0].name", repr(name))


@pytest.mark.parametrize(("rule", "value"), [("exact", ""), ("suffix", "x" * 256)])
def test_header_value_must_be_1_to_255_characters(rule: str, value: str) -> None:
    """GIVEN an empty header value or one longer than 255 characters (App Mesh's bounds)
    WHEN the spec is parsed
    THEN the rule is reported
    """
    header = {"name": "x-a", rule: value}
    expect_problem(routed(route(match={"headers": [header]})), f"{R}.match.headers[0].{rule}", "must have")


def test_exact_path_longer_than_255_characters_is_refused() -> None:
    """GIVEN an exact path of 256 characters
    WHEN the spec is parsed
    THEN path.exact is reported with App Mesh's limit
    """
    data = routed(route(match={"path": {"exact": "/" + "a" * 255}}))
    expect_problem(data, f"{R}.match.path.exact", "at most 255 characters")


def test_header_exact_value_must_be_a_string() -> None:
    """GIVEN exact: true (YAML reads it as a boolean)
    WHEN the spec is parsed
    THEN the message says to quote it
    """
    header = {"name": "x-canary", "exact": True}
    expect_problem(routed(route(match={"headers": [header]})), f"{R}.match.headers[0].exact", "quote it")


def test_unknown_route_key_is_reported_with_its_path() -> None:
    """GIVEN a typo in a route (target for targets)
    WHEN the spec is parsed
    THEN the typo is reported at its own path with a suggestion
    """
    data = routed(route(target={"v1": 100}))
    expect_problem(data, f"{R}.target", "did you mean 'targets'?")


def test_describe_shows_what_a_match_selects() -> None:
    """GIVEN a match on a path prefix, a method, an inverted header and a query parameter
    WHEN it is described
    THEN every part shows, in a stable order
    """
    match = HttpMatch.model_validate(
        {
            "prefix": "/v1",
            "method": "POST",
            "headers": [
                {"name": "x-beta", "exact": "1", "invert": True},
                {"name": "x-n", "range": {"start": 1, "end": 5}},
            ],
            "queryParameters": [{"name": "debug", "exact": "1"}],
        }
    )
    assert match.describe() == "prefix=/v1 method=POST !x-beta exact '1' x-n range [1,5) ?debug=1"
    assert HttpMatch().effective_prefix == "/"
    assert HttpMatch.model_validate({"path": {"exact": "/x"}}).effective_prefix is None


def test_problems_in_several_routes_are_all_reported() -> None:
    """GIVEN three routes each with a different mistake
    WHEN the spec is parsed
    THEN all three are reported in one SpecError
    """
    data = routed(
        route(name="a", targets={"v1": 101}),
        route(name="b", match={"prefix": "b"}),
        route(name="c c", match={"prefix": "/c"}),
    )
    paths = {p.path for p in problems_of(data)}
    assert {f"{P}.routes[0].targets.v1", f"{P}.routes[1].match.prefix", f"{P}.routes[2].name"} <= paths


def test_regex_and_prefix_routes_with_priorities_are_accepted() -> None:
    """GIVEN the same two routes with priorities
    WHEN the spec is parsed
    THEN both are kept
    """
    data = with_mesh(
        **{
            "services.products.routes": [
                {
                    "name": "item",
                    "priority": 1,
                    "match": {"path": {"regex": "/items/[0-9]+"}},
                    "targets": {"v1": 100},
                },
                {"name": "all", "priority": 2, "match": {"prefix": "/"}, "targets": {"v1": 100}},
            ]
        }
    )
    assert len(accepted(data).services["products"].routes or []) == 2
