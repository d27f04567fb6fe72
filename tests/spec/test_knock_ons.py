"""A field that fails on its own is one problem: checks that read it do not report knock-on problems."""

from __future__ import annotations

from fargate_mesh.spec.errors import Problem, without_knock_ons
from tests.helpers.spec import problems_of, with_mesh

P = "services.products"
SLOW_RETRIES = {"maxRetries": 100, "perRetryTimeout": "20s", "httpRetryEvents": ["gateway-error"]}


def paths(data: dict) -> list[str]:
    return [p.path for p in problems_of(data)]


def test_a_failed_retry_count_is_not_also_a_timeout_problem() -> None:
    """GIVEN a port of 70000 and maxRetries 100 (above App Mesh's 25) with 20 s per retry
    WHEN the spec is validated
    THEN the port and maxRetries are reported, and no 'raise perRequest to at least 2000000 ms'"""
    data = with_mesh(**{f"{P}.port": 70000, f"{P}.retryPolicy": SLOW_RETRIES})
    problems = problems_of(data)
    assert [p.path for p in problems] == [f"{P}.port", f"{P}.retryPolicy.maxRetries"]
    assert not any("perRequest" in p.message for p in problems)


def test_a_failed_route_retry_policy_is_not_also_a_route_timeout_problem() -> None:
    """GIVEN a route whose own retry policy has maxRetries 100
    WHEN the spec is validated
    THEN only maxRetries is reported for that route"""
    route = {"name": "main", "targets": {"v1": 100}, "retryPolicy": SLOW_RETRIES}
    assert paths(with_mesh(**{f"{P}.routes": [route]})) == [f"{P}.routes[0].retryPolicy.maxRetries"]


def test_an_unrelated_failure_leaves_a_real_timeout_problem_reported() -> None:
    """GIVEN valid retries (3 x 5 s) that do not fit the 10 s per-request timeout, and a bad port
    WHEN the spec is validated
    THEN both are reported: the port did not feed the timeout check"""
    retries = {"maxRetries": 3, "perRetryTimeout": "5s", "httpRetryEvents": ["gateway-error"]}
    data = with_mesh(
        **{f"{P}.port": 70000, f"{P}.retryPolicy": retries, f"{P}.timeout": {"perRequest": "10s"}}
    )
    assert paths(data) == [f"{P}.port", f"{P}.timeout.perRequest"]


def test_a_failed_weight_is_not_also_a_weight_sum_problem() -> None:
    """GIVEN the only version's weight is 150 (above 100)
    WHEN the spec is validated
    THEN the weight is reported, not also 'version weights must add up to 1..100 (got 150)'"""
    assert paths(with_mesh(**{f"{P}.versions.v1.weight": 150})) == [f"{P}.versions.v1.weight"]


def test_knock_ons_are_dropped_by_the_fields_a_check_read() -> None:
    """GIVEN cross-field problems that name the fields they were computed from
    WHEN some fields failed on their own
    THEN a problem is dropped when one of its inputs failed, lies under a failed field, or holds one;
    problems that name no inputs are kept"""
    checks = [
        Problem("a.t", "reads a.r.n", inputs=("a.r.n",)),
        Problem("b.t", "reads all of b.r", inputs=("b.r",)),
        Problem("c.t", "reads c.r.n", inputs=("c.r.n",)),
        Problem("d.t", "reads d.rn, a sibling of d.r", inputs=("d.rn",)),
        Problem("e.t", "names no inputs"),
    ]
    failed = [Problem("a.r.n", "bad"), Problem("b.r[0].x", "bad"), Problem("c", "bad"), Problem("d.r", "bad")]
    kept = without_knock_ons(checks, failed)
    assert [p.path for p in kept] == ["d.t", "e.t"]
