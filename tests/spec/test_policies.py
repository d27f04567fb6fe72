"""Traffic policies: health checks, retries (and their time budget), timeouts, outlier detection, durations."""

from __future__ import annotations

from typing import Any

import pytest

from fargate_mesh.spec.durations import format_duration, parse_duration_ms
from tests.helpers.spec import accepted, expect_problem, problems_of, with_mesh

P = "services.products"
RETRY = {"maxRetries": 2, "perRetryTimeout": "2s", "httpRetryEvents": ["gateway-error"]}


def service(**fields: Any) -> dict[str, Any]:
    return with_mesh(**{f"{P}.{k}": v for k, v in fields.items()})


# --- health checks -------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["healthyThreshold", "unhealthyThreshold"])
@pytest.mark.parametrize(
    ("value", "text"), [(1, "greater than or equal to 2"), (11, "less than or equal to 10")]
)
def test_health_check_thresholds_are_2_to_10(field: str, value: int, text: str) -> None:
    """GIVEN a health check threshold outside App Mesh's 2..10
    WHEN the spec is parsed
    THEN the threshold is reported with its bound and value
    """
    problem = expect_problem(service(healthCheck={field: value}), f"{P}.healthCheck.{field}", text)
    assert f"(got {value})" in problem.message


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("interval", "4s", "interval must be between 5s and 300s (got 4s)"),
        ("interval", "301s", "interval must be between 5s and 300s (got 301s)"),
        ("timeout", "1999ms", "timeout must be between 2s and 60s (got 1999ms)"),
        ("timeout", "61s", "timeout must be between 2s and 60s (got 61s)"),
    ],
)
def test_health_check_interval_and_timeout_ranges(field: str, value: str, text: str) -> None:
    """GIVEN a health check interval outside 5s..300s or timeout outside 2s..60s
    WHEN the spec is parsed
    THEN the field is reported with the range and the value
    """
    expect_problem(service(healthCheck={field: value}), f"{P}.healthCheck.{field}", text)


def test_health_check_bounds_are_inclusive() -> None:
    """GIVEN every health check field at a bound
    WHEN the spec is parsed
    THEN it is accepted and stored in milliseconds
    """
    hc = {"healthyThreshold": 10, "unhealthyThreshold": 2, "interval": "5m", "timeout": "2s"}
    check = accepted(service(healthCheck=hc)).services["products"].health_check
    assert (check.interval, check.timeout) == (300_000, 2_000)


def test_health_check_path_must_start_with_a_slash() -> None:
    """GIVEN a health check path without '/'
    WHEN the spec is parsed
    THEN the path is reported
    """
    expect_problem(service(healthCheck={"path": "health"}), f"{P}.healthCheck.path", "must start with '/'")


# --- retries -------------------------------------------------------------------------------------


def test_retry_policy_needs_an_event() -> None:
    """GIVEN a retry policy without any retry event
    WHEN the spec is parsed
    THEN the policy is reported with the events to choose from
    """
    retry = {"maxRetries": 2, "perRetryTimeout": "1s"}
    problem = expect_problem(service(retryPolicy=retry), f"{P}.retryPolicy", "needs at least one event")
    assert "gateway-error" in problem.message


@pytest.mark.parametrize(
    ("field", "events"),
    [
        ("httpRetryEvents", ["gateway-error", "server-error", "gateway-error"]),
        ("tcpRetryEvents", ["connection-error"] * 2),
    ],
)
def test_retry_event_listed_twice(field: str, events: list[str]) -> None:
    """GIVEN a retry event listed twice
    WHEN the spec is parsed
    THEN the repeated entry is reported at its index
    """
    retry = {"maxRetries": 1, "perRetryTimeout": "1s", field: events}
    index = len(events) - 1
    expect_problem(service(retryPolicy=retry), f"{P}.retryPolicy.{field}[{index}]", "listed twice")


def test_retry_event_must_be_known() -> None:
    """GIVEN a retry event App Mesh does not have
    WHEN the spec is parsed
    THEN the entry is reported with the allowed events
    """
    retry = RETRY | {"httpRetryEvents": ["5xx"]}
    expect_problem(service(retryPolicy=retry), f"{P}.retryPolicy.httpRetryEvents[0]", "'server-error'")


def test_per_retry_timeout_must_be_positive() -> None:
    """GIVEN perRetryTimeout 0s
    WHEN the spec is parsed
    THEN it is reported
    """
    retry = RETRY | {"perRetryTimeout": "0s"}
    expect_problem(service(retryPolicy=retry), f"{P}.retryPolicy.perRetryTimeout", "greater than 0 (got 0s)")


def test_retries_that_cannot_fit_the_default_per_request_timeout() -> None:
    """GIVEN 3 retries of 6s and no timeout (App Mesh's 15s per request)
    WHEN the spec is parsed
    THEN the service's timeout.perRequest is reported with the minimum that fits
    """
    retry = RETRY | {"maxRetries": 3, "perRetryTimeout": "6s"}
    problem = expect_problem(service(retryPolicy=retry), f"{P}.timeout.perRequest", "cannot fit 3 retries")
    assert "at least 18000 ms" in problem.message


def test_retries_that_cannot_fit_a_route_timeout() -> None:
    """GIVEN a route whose own timeout (3s) is shorter than its retries (2 x 2s)
    WHEN the spec is parsed
    THEN that route's timeout.perRequest is reported
    """
    routes = [
        {"name": "slow", "match": {"prefix": "/"}, "targets": {"v1": 100}, "retryPolicy": RETRY},
    ]
    data = service(routes=routes, timeout={"perRequest": "3s"})
    expect_problem(data, f"{P}.routes[0].timeout.perRequest", "3000 ms cannot fit 2 retries of 2000 ms")


def test_retries_that_fit_or_no_timeout_at_all_are_accepted() -> None:
    """GIVEN retries that exactly fit perRequest, and a route with the timeout disabled (0s)
    WHEN the spec is parsed
    THEN both are accepted
    """
    routes = [
        {"name": "a", "match": {"prefix": "/a"}, "targets": {"v1": 100}, "timeout": {"perRequest": "0s"}},
        {"name": "b", "match": {"prefix": "/b"}, "targets": {"v1": 100}},
    ]
    mesh = accepted(service(retryPolicy=RETRY, timeout={"perRequest": "4s"}, routes=routes))
    assert mesh.services["products"].routes[0].timeout.per_request == 0


@pytest.mark.parametrize("retries", [-1, 26])
def test_max_retries_range(retries: int) -> None:
    """GIVEN maxRetries outside 0..25
    WHEN the spec is parsed
    THEN it is reported
    """
    retry = RETRY | {"maxRetries": retries}
    expect_problem(service(retryPolicy=retry), f"{P}.retryPolicy.maxRetries", f"(got {retries})")


# --- outlier detection ---------------------------------------------------------------------------

OUTLIER = {"maxServerErrors": 5, "maxEjectionPercent": 50, "interval": "10s", "baseEjectionDuration": "30s"}


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("maxServerErrors", 0, "greater than or equal to 1"),
        ("maxEjectionPercent", 101, "less than or equal to 100"),
        ("interval", "0s", "greater than 0"),
        ("baseEjectionDuration", "0ms", "greater than 0"),
    ],
)
def test_outlier_detection_ranges(field: str, value: Any, text: str) -> None:
    """GIVEN an outlier detection field outside App Mesh's range
    WHEN the spec is parsed
    THEN the field is reported
    """
    data = service(outlierDetection=OUTLIER | {field: value})
    expect_problem(data, f"{P}.outlierDetection.{field}", text)


def test_outlier_detection_needs_all_four_fields() -> None:
    """GIVEN outlier detection with only maxServerErrors
    WHEN the spec is parsed
    THEN each missing field is reported as required
    """
    problems = problems_of(service(outlierDetection={"maxServerErrors": 5}))
    missing = {p.path for p in problems if p.message == "is required"}
    assert missing == {
        f"{P}.outlierDetection.{f}" for f in ("maxEjectionPercent", "interval", "baseEjectionDuration")
    }


# --- durations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ms"), [("2s", 2_000), ("250ms", 250), ("1m", 60_000), ("0s", 0), (" 15 s ", 15_000)]
)
def test_durations_accepted(text: str, ms: int) -> None:
    """GIVEN a duration written with ms, s or m
    WHEN it is parsed
    THEN it becomes milliseconds, in the spec model as in the helper
    """
    assert parse_duration_ms(text) == ms
    assert accepted(service(timeout={"idle": text})).services["products"].timeout.idle == ms


@pytest.mark.parametrize("value", ["2", "abc", 2, "1.5s", "2h", True, "-1s"])
def test_durations_refused(value: Any) -> None:
    """GIVEN a duration without a unit, a word, a bare number, a fraction, an hour or a boolean
    WHEN the spec is parsed
    THEN the field is reported with the accepted forms and the value given
    """
    problem = expect_problem(
        service(timeout={"perRequest": value}), f"{P}.timeout.perRequest", "'2s', '250ms' or '1m'"
    )
    assert f"(got {value!r})" in problem.message


def test_durations_are_written_back_as_the_spec_writes_them() -> None:
    """GIVEN durations in milliseconds
    WHEN they are formatted for the spec
    THEN whole seconds read as seconds, the rest as milliseconds
    """
    assert [format_duration(ms) for ms in (15_000, 250, 1_500)] == ["15s", "250ms", "1500ms"]
