"""Services and versions: names, ports, default-route weights, reachability, sizes, autoscaling, backends."""

from __future__ import annotations

import pytest

from tests.helpers.spec import accepted, expect_problem, minimal, problems_of, with_mesh

P = "services.products"


def test_minimal_mesh_is_valid() -> None:
    """GIVEN the minimal mesh the other tests start from
    WHEN it is parsed
    THEN it is accepted with App Mesh's defaults filled in (so a failing test is the rule, not the base)
    """
    mesh = accepted(minimal())
    products = mesh.services["products"]
    assert products.port == 8080
    assert products.protocol == "http"
    assert products.health_check.path == "/health"
    assert products.timeout.per_request == 15_000
    assert mesh.egress_filter == "DROP_ALL"


@pytest.mark.parametrize("name", ["Products", "1products", "pro_ducts", "products-", "p" * 64, "pro.ducts"])
def test_service_name_must_be_a_dns_label(name: str) -> None:
    """GIVEN a service whose name App Mesh / Cloud Map / DNS would reject
    WHEN the spec is parsed
    THEN the problem is reported at the name itself and says what a name may contain
    """
    data = minimal()
    data["services"][name] = {"versions": {"v1": {"weight": 100}}}
    expect_problem(data, f"services.{name}", "must be a DNS label")


@pytest.mark.parametrize("name", ["V1", "v_1", "-v1", "v" * 64])
def test_version_name_must_be_a_dns_label(name: str) -> None:
    """GIVEN a version name that cannot be part of a DNS name
    WHEN the spec is parsed
    THEN the problem is at services.<svc>.versions.<name> and names the rule
    """
    data = with_mesh(**{f"{P}.versions": {name: {"weight": 100}}})
    expect_problem(data, f"{P}.versions.{name}", "version name")


@pytest.mark.parametrize(
    ("port", "text"), [(0, "greater than or equal to 1"), (65536, "less than or equal to 65535")]
)
def test_service_port_must_be_1_to_65535(port: int, text: str) -> None:
    """GIVEN a service port outside 1..65535
    WHEN the spec is parsed
    THEN services.<svc>.port says the bound and shows the value given
    """
    problem = expect_problem(with_mesh(**{f"{P}.port": port}), f"{P}.port", text)
    assert f"(got {port})" in problem.message


@pytest.mark.parametrize("port", [1, 80, 65535])
def test_service_port_bounds_are_inclusive(port: int) -> None:
    """GIVEN a service port at or inside the bounds
    WHEN the spec is parsed
    THEN it is accepted
    """
    assert accepted(with_mesh(**{f"{P}.port": port})).services["products"].port == port


@pytest.mark.parametrize("port", [15000, 15001, 9901])
def test_service_port_cannot_be_an_envoy_port(port: int) -> None:
    """GIVEN an app port the Envoy sidecar owns in the same task (ingress, egress, admin)
    WHEN the spec is parsed
    THEN the port is refused with the reason
    """
    expect_problem(with_mesh(**{f"{P}.port": port}), f"{P}.port", "used by Envoy")


@pytest.mark.parametrize(
    ("value", "text"),
    [("http", "must be a whole number (got 'http')"), (True, "not true/false"), (80.5, "whole number")],
)
def test_service_port_type_errors_show_the_value(value: object, text: str) -> None:
    """GIVEN a port that is not a whole number (a word, a YAML boolean, a fraction)
    WHEN the spec is parsed
    THEN the message says a whole number is needed and shows what was given
    """
    expect_problem(with_mesh(**{f"{P}.port": value}), f"{P}.port", text)


def test_protocol_must_be_http_http2_or_grpc() -> None:
    """GIVEN a protocol the renderers do not support
    WHEN the spec is parsed
    THEN the allowed values are listed
    """
    expect_problem(with_mesh(**{f"{P}.protocol": "tcp"}), f"{P}.protocol", "'http', 'http2' or 'grpc'")


@pytest.mark.parametrize("weight", [-1, 101])
def test_version_weight_must_be_0_to_100(weight: int) -> None:
    """GIVEN a version weight outside 0..100 in the default (no routes) mode
    WHEN the spec is parsed
    THEN the weight itself is reported with the value
    """
    problem = expect_problem(
        with_mesh(**{f"{P}.versions.v1.weight": weight}), f"{P}.versions.v1.weight", f"(got {weight})"
    )
    assert "equal to" in problem.message


def test_version_weight_refuses_booleans() -> None:
    """GIVEN weight: yes (YAML reads it as true, which Python would count as 1)
    WHEN the spec is parsed
    THEN it is refused instead of silently becoming weight 1
    """
    expect_problem(with_mesh(**{f"{P}.versions.v1.weight": True}), f"{P}.versions.v1.weight", "true/false")


def test_default_route_weights_cannot_sum_to_zero() -> None:
    """GIVEN every version of a service at weight 0 and no routes
    WHEN the spec is parsed
    THEN services.<svc>.versions says the weights must add up to 1..100
    """
    data = with_mesh(**{f"{P}.versions": {"v1": {"weight": 0, "unrouted": "parked"}}})
    expect_problem(data, f"{P}.versions", "must add up to 1..100 (got 0)")


def test_versions_without_weights_and_without_routes_are_refused() -> None:
    """GIVEN a service whose only version leaves weight out (0 by default) and has no routes
    WHEN the spec is parsed
    THEN the weights are reported: the default route would send traffic nowhere
    """
    data = with_mesh(**{f"{P}.versions": {"v1": {}}})
    expect_problem(data, f"{P}.versions", "must add up to 1..100 (got 0)")


def test_default_route_weights_cannot_exceed_100() -> None:
    """GIVEN version weights that add up to more than 100
    WHEN the spec is parsed
    THEN the sum is reported under services.<svc>.versions
    """
    data = with_mesh(**{f"{P}.versions": {"v1": {"weight": 90}, "v2": {"weight": 30}}})
    expect_problem(data, f"{P}.versions", "must add up to 1..100 (got 120)")


def test_version_without_traffic_needs_a_reason() -> None:
    """GIVEN a version at weight 0 that no route reaches and no `unrouted` reason
    WHEN the spec is parsed
    THEN that version is reported, and the message says how to fix it
    """
    data = with_mesh(**{f"{P}.versions": {"v1": {"weight": 100}, "v2": {"weight": 0}}})
    expect_problem(data, f"{P}.versions.v2", "unrouted: <reason>")


def test_unrouted_reason_admits_a_version_without_traffic() -> None:
    """GIVEN a weight-0 version that says why it gets no traffic
    WHEN the spec is parsed
    THEN it is accepted and kept out of the default route
    """
    data = with_mesh(
        **{f"{P}.versions": {"v1": {"weight": 100}, "v2": {"weight": 0, "unrouted": "warming up"}}}
    )
    assert accepted(data).services["products"].versions["v2"].unrouted == "warming up"


def test_unrouted_on_a_version_with_traffic_is_refused() -> None:
    """GIVEN a version that says it is unrouted but has weight in the default route
    WHEN the spec is parsed
    THEN the stale reason is reported at its key
    """
    data = with_mesh(**{f"{P}.versions.v1.unrouted": "old note"})
    expect_problem(data, f"{P}.versions.v1.unrouted", "does receive traffic")


def test_desired_count_of_a_version_falls_back_to_the_service() -> None:
    """GIVEN a service desiredCount of 2 and one version overriding it with 5
    WHEN desired_count_of is asked per version
    THEN the override wins and the other version takes the service's count
    """
    data = with_mesh(
        **{
            f"{P}.desiredCount": 2,
            f"{P}.versions": {"v1": {"weight": 50}, "v2": {"weight": 50, "desiredCount": 5}},
        }
    )
    service = accepted(data).services["products"]
    assert (service.desired_count_of("v1"), service.desired_count_of("v2")) == (2, 5)


@pytest.mark.parametrize(
    ("cpu", "memory"), [(256, 512), (256, 2048), (512, 4096), (1024, 2048), (4096, 30720)]
)
def test_fargate_sizes_that_exist_are_accepted(cpu: int, memory: int) -> None:
    """GIVEN a CPU/memory pair Fargate offers
    WHEN the spec is parsed
    THEN it is accepted
    """
    assert (
        accepted(with_mesh(**{f"{P}.size": {"cpu": cpu, "memory": memory}})).services["products"].size.cpu
        == cpu
    )


@pytest.mark.parametrize(
    ("size", "path", "text"),
    [
        ({"cpu": 300, "memory": 1024}, "size.cpu", "cpu must be one of 256, 512, 1024"),
        ({"cpu": 256, "memory": 1536}, "size.memory", "512, 1024 or 2048"),
        ({"cpu": 256, "memory": 4096}, "size.memory", "512, 1024 or 2048"),
        ({"cpu": 1024, "memory": 1024}, "size.memory", "2048..8192 in steps of 1024"),
        ({"cpu": 512, "memory": 1500}, "size.memory", "1024..4096 in steps of 1024"),
    ],
)
def test_fargate_sizes_that_do_not_exist_are_refused(size: dict[str, int], path: str, text: str) -> None:
    """GIVEN a CPU/memory pair Fargate does not offer
    WHEN the spec is parsed
    THEN the field at fault is reported with the sizes that would fit
    """
    expect_problem(with_mesh(**{f"{P}.size": size}), f"{P}.{path}", text)


def test_autoscaling_min_cannot_exceed_max() -> None:
    """GIVEN autoscaling with minTasks above maxTasks
    WHEN the spec is parsed
    THEN maxTasks is reported with both values
    """
    data = with_mesh(**{f"{P}.autoscaling": {"minTasks": 4, "maxTasks": 2}})
    expect_problem(data, f"{P}.autoscaling.maxTasks", "maxTasks (2) must be >= minTasks (4)")


def test_autoscaling_min_equal_to_max_is_allowed() -> None:
    """GIVEN autoscaling with minTasks equal to maxTasks
    WHEN the spec is parsed
    THEN it is accepted (a fixed size that can still be changed in one place)
    """
    data = with_mesh(**{f"{P}.autoscaling": {"minTasks": 3, "maxTasks": 3}})
    assert accepted(data).services["products"].autoscaling is not None


@pytest.mark.parametrize("target", [5, 95])
def test_autoscaling_cpu_target_is_10_to_90(target: int) -> None:
    """GIVEN a CPU target outside 10..90 percent
    WHEN the spec is parsed
    THEN targetCpuPercent is reported
    """
    data = with_mesh(**{f"{P}.autoscaling": {"maxTasks": 4, "targetCpuPercent": target}})
    expect_problem(data, f"{P}.autoscaling.targetCpuPercent", f"(got {target})")


def test_backend_must_be_a_service_or_external() -> None:
    """GIVEN a backend that names nothing declared
    WHEN the spec is parsed
    THEN the backend entry is reported with the names that exist
    """
    data = with_mesh(**{f"{P}.backends": ["inventory"]})
    problem = expect_problem(data, f"{P}.backends[0]", "unknown backend 'inventory'")
    assert "known: products" in problem.message


def test_backend_listed_twice_is_reported() -> None:
    """GIVEN the same backend twice
    WHEN the spec is parsed
    THEN the second entry is reported
    """
    data = with_mesh(
        **{
            "services.prices": {"versions": {"v1": {"weight": 100}}},
            f"{P}.backends": ["prices", "prices"],
        }
    )
    expect_problem(data, f"{P}.backends[1]", "listed twice")


def test_unknown_service_key_suggests_the_right_spelling() -> None:
    """GIVEN a typo in a service key (healthcheck for healthCheck)
    WHEN the spec is parsed
    THEN the typo is reported at its own path with the likely key and the allowed keys
    """
    data = with_mesh(**{f"{P}.healthcheck": {"path": "/health"}})
    problem = expect_problem(data, f"{P}.healthcheck", "did you mean 'healthCheck'?")
    assert "allowed here:" in problem.message


def test_a_service_needs_at_least_one_version() -> None:
    """GIVEN a service with an empty versions mapping
    WHEN the spec is parsed
    THEN versions is reported as needing an entry
    """
    problems = problems_of(with_mesh(**{f"{P}.versions": {}}))
    assert any(p.path == f"{P}.versions" and "at least 1 item" in p.message for p in problems)
