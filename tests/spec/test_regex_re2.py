"""Spec regexes are judged by RE2, Envoy's engine, not by Python's `re`: the two disagree both ways."""

from __future__ import annotations

import re

import pytest

from fargate_mesh.spec import HttpMatch
from fargate_mesh.spec.regex import ENVOY_MAX_PROGRAM_SIZE, compile_re2
from tests.helpers.spec import accepted, expect_problem, with_mesh

GATEWAY_REGEX = "gateway.routes[0].match.path.regex"
HEADER_REGEX = "services.products.routes[0].match.headers[0].regex"

# Python's re compiles each of these; RE2 refuses each, and so would Envoy. (pattern, what the message says)
PYTHON_ONLY = [
    ("/v1/x*+", "possessive quantifier (*+)"),
    ("/v1/a{2}+", "possessive quantifier ({2}+)"),
    ("/v1/(a)?(?(1)b|c)", "conditional"),
    (r"/v1/x\Z", r"use \z or $"),
    ("/v1/(?=x)x", "lookaround"),
    ("/v1/(?<!y)x", "lookaround"),
    (r"/v1/(a)\1", "backreference"),
    ("/v1/(?P<n>a)(?P=n)", "named backreference"),
    ("/v1/(?>ab)", "atomic group"),
    ("(?x) /v1/ x", "verbose mode (?x)"),
    ("/v1/a{1001}", "invalid repetition size"),
    ("/v1/a{94}", "too complex for Envoy"),  # compiles in RE2, but to a program of 102 > 100
]

# RE2 compiles each of these (and Envoy accepts them); Python's re refuses each.
RE2_ONLY = [
    r"/v1/\p{Greek}+",
    r"/v1/\C",
    r"(?U)/v1/a+",
    r"/v1/\Qa.b\E",
]


def at_gateway(regex: str) -> dict:
    """The regex route first; a plain prefix route after it carries the ALB's health check."""
    routes = [
        {"priority": 1, "match": {"path": {"regex": regex}}, "service": "products"},
        {"priority": 2, "match": {"prefix": "/v1/products"}, "service": "products"},
    ]
    return with_mesh(**{"gateway.routes": routes})


def at_header(regex: str) -> dict:
    header = {"name": "x-a", "regex": regex}
    route = {"name": "main", "match": {"headers": [header]}, "targets": {"v1": 100}}
    return with_mesh(**{"services.products.routes": [route]})


@pytest.mark.parametrize(("pattern", "said"), PYTHON_ONLY)
def test_a_regex_python_accepts_and_re2_refuses_is_refused_with_why(pattern: str, said: str) -> None:
    """GIVEN a regex that Python's re compiles but RE2 does not (or not within Envoy's size limit)
    WHEN it is a gateway route's path regex, or a service route's header regex
    THEN the spec is refused at that field, saying what RE2 lacks"""
    assert re.compile(pattern) is not None  # what Python's re does: accepts it
    for data, path in ((at_gateway(pattern), GATEWAY_REGEX), (at_header(pattern), HEADER_REGEX)):
        problem = expect_problem(data, path, said)
        assert repr(pattern) in problem.message


@pytest.mark.parametrize("pattern", RE2_ONLY)
def test_a_regex_re2_accepts_and_python_refuses_is_accepted(pattern: str) -> None:
    """GIVEN a regex that RE2 compiles but Python's re does not
    WHEN it is a path regex and a header regex
    THEN the spec is accepted: Envoy, which runs it, accepts it"""
    with pytest.raises(re.error):  # what Python's re does: refuses it
        re.compile(pattern)
    accepted(at_gateway(pattern))
    accepted(at_header(pattern))


def test_the_program_size_limit_is_envoys_default_of_100() -> None:
    """GIVEN counted repetitions whose RE2 programs are exactly 100 and 101 instructions
    WHEN they are path regexes
    THEN 100 is accepted and 101 refused, naming the size and the limit"""
    sizes = {n: compile_re2(f"/v1/a{{{n}}}").programsize for n in (92, 93)}
    assert sizes == {92: ENVOY_MAX_PROGRAM_SIZE, 93: ENVOY_MAX_PROGRAM_SIZE + 1}
    accepted(at_gateway("/v1/a{92}"))
    problem = expect_problem(at_gateway("/v1/a{93}"), GATEWAY_REGEX, "program size is 101")
    assert "limit of 100" in problem.message


def test_a_broad_unicode_class_exceeds_envoys_limit() -> None:
    """GIVEN \\pL (any letter), which RE2 compiles to a program of over a thousand instructions
    WHEN it is a path regex
    THEN it is refused as too complex, as Envoy would refuse it"""
    expect_problem(at_gateway(r"/v1/\pL+"), GATEWAY_REGEX, "too complex for Envoy")


def test_path_acceptance_is_an_re2_full_match() -> None:
    """GIVEN a path regex only RE2 understands
    WHEN a path is tested against it (as for the ALB's health check path)
    THEN the whole path must match, by RE2's rules"""
    match = HttpMatch.model_validate({"path": {"regex": r"/v1/\p{Greek}+"}})
    assert match.accepts_path("/v1/αβγ")
    assert not match.accepts_path("/v1/abc")
    assert not match.accepts_path("/v1/αβγ/more")


def test_gateway_health_check_path_is_matched_by_re2() -> None:
    """GIVEN a gateway whose only route has an RE2-only regex, and a health check path it matches
    WHEN the spec is validated
    THEN it is accepted: the health check reaches that route"""
    data = at_gateway(r"/v1/\Qhealth\E")
    data["gateway"]["routes"].pop()  # the regex route alone
    data["gateway"]["healthCheckPath"] = "/v1/health"
    accepted(data)
    data["gateway"]["healthCheckPath"] = "/v1/health/1"
    expect_problem(data, "gateway.healthCheckPath", "would get 404")


# The three regexes a user found passing validation while Envoy refused them.
REPORTED = [
    ("/v1/x*+", "possessive quantifier"),
    ("/v1/(a)?(?(1)b|c)", "conditional"),
    (r"/v1/x\Z", r"use \z or $"),
]


def add_reported_regex_routes(mesh: dict) -> list[str]:
    """Give a stack's products service one route per REPORTED regex; return each regex's field path."""
    routes = mesh["services"]["products"]["routes"]
    paths = []
    for i, (pattern, _) in enumerate(REPORTED):
        paths.append(f"services.products.routes[{len(routes)}].match.path.regex")
        routes.append(
            {
                "name": f"regex-{i}",
                "priority": 2 + i,
                "match": {"path": {"regex": pattern}},
                "targets": {"v2": 100},
            }
        )
    return paths
