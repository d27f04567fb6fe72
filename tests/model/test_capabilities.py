"""Data planes and what each can carry: every feature found where the spec writes it, refused by field
path on the data planes that cannot carry it, accepted on the others."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from fargate_mesh.model import FEATURES, compile_checked, compile_mesh
from fargate_mesh.model.dataplanes import INFO
from fargate_mesh.spec import SpecError
from fargate_mesh.spec.mesh import DATAPLANES
from tests.helpers.meshes import stack_mesh
from tests.helpers.spec import accepted, edit, expect_problem, problem_at, refused_on, runs_on, with_mesh

P = "services.products"


def routes(*written: dict[str, Any]) -> dict[str, Any]:
    """The minimal mesh with these routes on products (whose only version is v1)."""
    return with_mesh(**{f"{P}.routes": list(written)})


def to_v1(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "targets": {"v1": 100}, **fields}


def second_gateway_route(match: dict[str, Any]) -> dict[str, Any]:
    """The minimal mesh with a second gateway route (the first stays plain for the ALB's check)."""
    first = {"service": "products", "match": {"prefix": "/v1/products"}}
    second = {"service": "products", "match": {"prefix": "/v1/products/x", **match}}
    return with_mesh(**{"gateway.routes": [first, second]})


def extra_ports(*ports: int, port: int = 8080) -> dict[str, Any]:
    """The minimal mesh with products on `port` and these extra ports, one route to v1 per port."""
    routes = [to_v1(f"p{p}", port=p) for p in (port, *ports)]
    return with_mesh(**{f"{P}.port": port, f"{P}.extraPorts": list(ports), f"{P}.routes": routes})


def headers(n: int) -> list[dict[str, str]]:
    return [{"name": f"x-{i}", "exact": "1"} for i in range(n)]


# 123 characters but a small RE2 program (Envoy's limit is on the program, the ALB's on the text).
LONG_SIMPLE_REGEX = "[" + "abcdefghijklmnopqrstuvwxyz0123456789" * 3 + "]+-[A-Z]+[0-9]"
assert len(LONG_SIMPLE_REGEX) == 123

# A spec that uses each feature once, and where: the spec's field paths the feature must be found at.
TRIGGERS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "a method match on a gateway route": (
        second_gateway_route({"method": "POST"}),
        ["gateway.routes[1].match.method"],
    ),
    "a scheme match on a gateway route": (
        second_gateway_route({"scheme": "https"}),
        ["gateway.routes[1].match.scheme"],
    ),
    "a gateway route into a grpc service": (
        with_mesh(
            **{
                "services.greeter": {"protocol": "grpc", "versions": {"v1": {"weight": 100}}},
                "gateway.routes": [
                    {"service": "products", "match": {"prefix": "/v1/products"}},
                    {"service": "greeter", "match": {"serviceName": "demo.Greeter"}},
                ],
            }
        ),
        ["gateway.routes[1].service"],
    ),
    "a connection pool": (
        with_mesh(**{f"{P}.connectionPool": {"maxConnections": 10}}),
        [f"{P}.connectionPool"],
    ),
    "a listener timeout apart from the service's timeout": (
        with_mesh(**{f"{P}.listenerTimeout": {"perRequest": "30s"}}),
        [f"{P}.listenerTimeout"],
    ),
    "more than one listener port on a service": (
        with_mesh(
            **{
                f"{P}.extraPorts": [9090],
                f"{P}.routes": [
                    {"name": "admin", "port": 9090, "targets": {"v1": 100}},
                    {"name": "api", "port": 8080, "targets": {"v1": 100}},
                ],
                "gateway.routes[0].port": 9090,
            }
        ),
        [f"{P}.extraPorts", f"{P}.routes[0].port", f"{P}.routes[1].port", "gateway.routes[0].port"],
    ),
    "an app port at one of the envoy sidecar's extra ingress ports": (
        extra_ports(9090, 15102),
        [f"{P}.extraPorts[1]"],
    ),
    "more than 10 weighted targets in one route": (
        with_mesh(**{f"{P}.versions": {f"v{i}": {"weight": 9} for i in range(11)}}),
        [f"{P}.versions"],
    ),
    "more than 50 routes in one service": (
        routes(*(to_v1(f"r{i}", match={"prefix": f"/r{i}"}) for i in range(51))),
        [f"{P}.routes"],
    ),
    "more than 50 backends on one service": (
        with_mesh(
            external={f"e{i}": {"host": f"e{i}.example.com"} for i in range(51)},
            **{f"{P}.backends": [f"e{i}" for i in range(51)]},
        ),
        [f"{P}.backends"],
    ),
    "more than 10 header matches in one match": (
        routes(to_v1("many", match={"headers": headers(11)})),
        [f"{P}.routes[0].match.headers"],
    ),
    "more than 10 query parameter matches in one match": (
        routes(
            to_v1("many", match={"queryParameters": [{"name": f"q{i}", "exact": "1"} for i in range(11)]})
        ),
        [f"{P}.routes[0].match.queryParameters"],
    ),
    "paths under /aws-appmesh or /aws-app-mesh": (
        with_mesh(**{f"{P}.healthCheck": {"path": "/aws-appmesh/health"}}),
        [f"{P}.healthCheck.path"],
    ),
    "regex path routes without a priority next to prefix routes without one": (
        routes(to_v1("regex", match={"path": {"regex": "/r/.*"}}), to_v1("rest")),
        [f"{P}.routes[0].priority"],
    ),
    "a steady weighted split between versions": (
        with_mesh(**{f"{P}.versions": {"v1": {"weight": 50}, "v2": {"weight": 50}}}),
        [f"{P}.versions"],
    ),
    "service routes that match less than every request": (
        routes(to_v1("canary", match={"headers": headers(1)}), to_v1("rest")),
        [f"{P}.routes[0].match"],
    ),
    "a retry policy": (
        with_mesh(
            **{
                f"{P}.retryPolicy": {
                    "maxRetries": 1,
                    "perRetryTimeout": "1s",
                    "httpRetryEvents": ["server-error"],
                }
            }
        ),
        [f"{P}.retryPolicy"],
    ),
    "outlier detection": (
        with_mesh(
            **{
                f"{P}.outlierDetection": {
                    "maxServerErrors": 5,
                    "maxEjectionPercent": 50,
                    "interval": "10s",
                    "baseEjectionDuration": "30s",
                }
            }
        ),
        [f"{P}.outlierDetection"],
    ),
    "a timeout on a route": (
        routes(to_v1("slow", timeout={"perRequest": "30s"})),
        [f"{P}.routes[0].timeout"],
    ),
    "the DROP_ALL egress filter": (with_mesh(egressFilter="DROP_ALL"), ["egressFilter"]),
    "TLS originated to an external backend": (
        with_mesh(external={"payments": {"host": "api.payments.example"}}),
        ["external.payments.tls"],
    ),
    "more than 5 condition values in one gateway route": (
        second_gateway_route(
            {"method": "GET", "headers": headers(3), "queryParameters": [{"name": "q", "exact": "1"}]}
        ),
        ["gateway.routes[1].match"],
    ),
    "more than 100 gateway routes": (
        with_mesh(
            **{"gateway.routes": [{"service": "products", "match": {"prefix": f"/r{i}"}} for i in range(101)]}
        ),
        ["gateway.routes"],
    ),
    "a regex longer than 122 characters on a gateway route": (
        second_gateway_route({"headers": [{"name": "x-long", "regex": LONG_SIMPLE_REGEX}]}),
        ["gateway.routes[1].match.headers[0].regex"],
    ),
    "a rollout block": (with_mesh(**{f"{P}.rollout": {"strategy": "CANARY"}}), [f"{P}.rollout"]),
    "a rollout on a service that several gateway routes target": (
        edit(second_gateway_route({}), **{f"{P}.rollout": {"strategy": "LINEAR", "percent": 20}}),
        [f"{P}.rollout"],
    ),
    "X-Ray tracing from the proxy": (with_mesh(tracing=True), ["tracing"]),
    "a header range, inverted or absent header match on a gateway route": (
        second_gateway_route(
            {
                "headers": [
                    {"name": "x-v", "range": {"start": 1, "end": 5}},
                    {"name": "x-here", "present": True},
                    {"name": "x-gone", "present": False},
                ]
            }
        ),
        ["gateway.routes[1].match.headers[0]", "gateway.routes[1].match.headers[2]"],
    ),
    "mutual TLS inside the mesh": (
        with_mesh(tls={"mode": "STRICT"}, **{f"{P}.tls": {"mutual": True}}),
        [f"{P}.tls.mutual"],
    ),
    "PERMISSIVE TLS (plaintext and TLS on one listener)": (
        with_mesh(tls={"mode": "PERMISSIVE", "mutual": False}),
        ["tls.mode"],
    ),
    "certificates from Secrets Manager secrets": (
        with_mesh(
            tls={
                "mutual": False,
                "authority": {
                    "secrets": {
                        "caCertificate": "arn:aws:secretsmanager:us-east-1:123456789012:secret:ca",
                        "identities": {
                            "products": "arn:aws:secretsmanager:us-east-1:123456789012:secret:products",
                            "gateway": "arn:aws:secretsmanager:us-east-1:123456789012:secret:gateway",
                        },
                    }
                },
            }
        ),
        ["tls.authority.secrets"],
    ),
    "a short-lived Private CA": (
        with_mesh(tls={"authority": {"privateCa": {"usageMode": "SHORT_LIVED_CERTIFICATE"}}}),
        ["tls.authority.privateCa.usageMode"],
    ),
}
BY_NAME = {feature.name: feature for feature in FEATURES}


def test_every_feature_has_a_trigger_below():
    """GIVEN the capability data
    WHEN its features are listed
    THEN each one is exercised by TRIGGERS (a feature added without a test fails here)"""
    assert sorted(TRIGGERS) == sorted(BY_NAME)


@pytest.mark.parametrize("name", list(TRIGGERS))
def test_each_feature_is_found_where_the_spec_writes_it(name: str):
    """GIVEN a spec that uses one feature once
    WHEN the feature looks for itself in the compiled mesh
    THEN it names exactly the field where the spec writes it"""
    spec, paths = TRIGGERS[name]
    assert list(BY_NAME[name].find(compile_mesh(accepted(spec)))) == paths


def test_a_plain_mesh_uses_no_feature_any_data_plane_lacks():
    """GIVEN the minimal mesh with egress allowed and no tracing
    WHEN it is checked for every data plane
    THEN it runs on each one"""
    for dataplane in DATAPLANES:
        runs_on(with_mesh(egressFilter="ALLOW_ALL", tracing=False), dataplane)


def test_a_gateway_method_match_runs_on_envoy_and_app_mesh_refuses_it_at_its_field():
    """GIVEN a gateway route that matches on method
    WHEN it is checked for envoy and for appmesh
    THEN envoy carries it, and appmesh refuses it with one problem at gateway.routes[1].match.method
    that names App Mesh and says where to put the method match instead"""
    spec, _ = TRIGGERS["a method match on a gateway route"]
    runs_on(spec, "envoy")
    problems = refused_on(spec, "appmesh")
    assert [p.path for p in problems] == ["gateway.routes[1].match.method"]
    assert "AWS App Mesh" in problems[0].message
    assert "put the method match on a route of the service" in problems[0].message


@pytest.mark.parametrize("where", ["versions", "routes"])
def test_app_mesh_takes_ten_weighted_targets_and_refuses_eleven(where: str):
    """GIVEN 10, then 11 weighted targets, from the versions' weights or in a written route
    WHEN checked for appmesh
    THEN 10 pass and 11 are refused at that route's targets; envoy takes 11"""

    def spec(n: int) -> dict[str, Any]:
        versions = {f"v{i}": {"weight": 9} for i in range(n)}
        if where == "versions":
            return with_mesh(**{f"{P}.versions": versions})
        targets = {f"v{i}": 9 for i in range(n)}
        return with_mesh(**{f"{P}.versions": versions, f"{P}.routes": [{"name": "all", "targets": targets}]})

    runs_on(spec(10), "appmesh")
    field = f"{P}.versions" if where == "versions" else f"{P}.routes[0].targets"
    problem_at(refused_on(spec(11), "appmesh"), field, "at most 10 weighted targets")
    runs_on(spec(11), "envoy")


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"gateway.routes[0].match.prefix": "/aws-appmesh"}, "gateway.routes[0].match.prefix"),
        ({f"{P}.routes": [to_v1("x", match={"prefix": "/AWS-App-Mesh/x"})]}, f"{P}.routes[0].match.prefix"),
        (
            {f"{P}.routes": [to_v1("x", match={"path": {"exact": "/aws-appmesh-stats"}})]},
            f"{P}.routes[0].match.path.exact",
        ),
        (
            {
                "gateway.routes[0]": {
                    "service": "products",
                    "match": {"prefix": "/a/"},
                    "rewrite": {"prefix": "/aws-app-mesh/"},
                },
                "gateway.healthCheckPath": "/a/health",
            },
            "gateway.routes[0].rewrite.prefix",
        ),
    ],
)
def test_app_mesh_reserved_prefixes_are_refused_wherever_a_path_is_written(edit: dict[str, Any], field: str):
    """GIVEN a path under /aws-appmesh or /aws-app-mesh (any case) in a match or a rewrite
    WHEN checked for appmesh and for envoy
    THEN appmesh refuses it at that field, envoy carries it"""
    spec = with_mesh(**edit)
    problem_at(refused_on(spec, "appmesh"), field, "App Mesh reserves these prefixes")
    runs_on(spec, "envoy")


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (extra_ports(9090, 15101), f"{P}.extraPorts[1]"),
        (extra_ports(9090, port=15101), f"{P}.port"),
    ],
)
def test_an_app_port_at_the_envoy_sidecars_extra_ingress_is_refused_on_envoy_only(
    spec: dict[str, Any], field: str
):
    """GIVEN products whose port or an extra port is where the envoy sidecar listens in front of its
    extra ports (15100 + i + 1 for extraPorts[i]), in the app's own task
    WHEN checked for each data plane
    THEN envoy refuses it at that field, saying where the sidecar listens; appmesh carries it (its proxy takes
    every app port at 15000); serviceConnect says only that it takes no extraPorts"""
    problem_at(refused_on(spec, "envoy"), field, "the sidecar's ingress for an extra port; pick another port")
    runs_on(spec, "appmesh")
    elsewhere = refused_on(edit(spec, tracing=False, egressFilter="ALLOW_ALL"), "serviceConnect")
    assert all("more than one listener port" in p.message for p in elsewhere)
    problem_at(elsewhere, f"{P}.extraPorts", "more than one listener port")


def test_regex_routes_with_priorities_are_ordered_on_app_mesh_too():
    """GIVEN a regex path route and a prefix route, both with priorities
    WHEN checked for appmesh
    THEN they run: the order is defined"""
    runs_on(
        routes(to_v1("regex", priority=1, match={"path": {"regex": "/r/.*"}}), to_v1("rest", priority=2)),
        "appmesh",
    )


def test_every_problem_of_a_data_plane_comes_at_once():
    """GIVEN the dev stack (a canary by header and by weight, retries, DROP_ALL, TLS to payments)
    WHEN checked for serviceConnect
    THEN one SpecError lists every field Service Connect cannot carry"""
    with pytest.raises(SpecError) as caught:
        compile_checked(stack_mesh("dev"), "serviceConnect")
    assert {p.path for p in caught.value.problems} == {
        f"{P}.routes[0].match",
        f"{P}.routes[1].targets",
        f"{P}.retryPolicy",
        "egressFilter",
        "external.payments.tls",
        "tracing",
    }
    assert all("Amazon ECS Service Connect" in p.message for p in caught.value.problems)


@pytest.mark.parametrize(
    ("dataplane", "traces"), [("appmesh", True), ("envoy", True), ("serviceConnect", False)]
)
def test_tracing_left_unsaid_is_the_data_planes_default(dataplane: str, traces: bool):
    """GIVEN the minimal mesh with egress allowed on a data plane, `tracing` not written
    WHEN it is parsed, then compiled and checked for that data plane
    THEN the spec keeps no value, and the compiled mesh traces where the proxy can send traces
    (appmesh, envoy) and not on serviceConnect, which therefore carries the mesh as written"""
    spec = with_mesh(egressFilter="ALLOW_ALL", dataplane=dataplane)
    assert accepted(spec).tracing is None
    assert runs_on(spec, dataplane).tracing is traces


@pytest.mark.parametrize("written", [True, False])
def test_tracing_as_written_wins_over_the_data_planes_default(written: bool):
    """GIVEN `tracing` written on serviceConnect and on appmesh
    WHEN compiled
    THEN it is as written everywhere, and serviceConnect refuses `tracing: true` at its field"""
    for dataplane in ("appmesh", "serviceConnect"):
        spec = with_mesh(egressFilter="ALLOW_ALL", dataplane=dataplane, tracing=written)
        assert compile_mesh(accepted(spec)).tracing is written
    if written:
        problem_at(refused_on(spec, "serviceConnect"), "tracing", "the Service Connect proxy sends no traces")


def test_the_stacks_own_data_plane_is_checked_by_default():
    """GIVEN a spec with a gateway method match that chooses dataplane: envoy
    WHEN compile_checked is called without a data plane
    THEN the stack's own is used, and the spec runs"""
    spec, _ = TRIGGERS["a method match on a gateway route"]
    compile_checked(accepted({**spec, "dataplane": "envoy"}))
    with pytest.raises(SpecError):
        compile_checked(accepted(spec))  # appmesh, the default


def test_deploying_refuses_a_data_plane_the_components_cannot_build_yet(monkeypatch):
    """GIVEN a data plane marked as not deployable yet (envoy, for this test; every data plane deploys)
    WHEN the minimal mesh on it is checked for deploying with Pulumi
    THEN `dataplane` is reported with the data planes that can be deployed"""
    compile_checked(accepted(with_mesh(dataplane="envoy")), deploying=True)
    monkeypatch.setitem(INFO, "envoy", dataclasses.replace(INFO["envoy"], deployable=False))
    with pytest.raises(SpecError) as caught:
        compile_checked(accepted(with_mesh(dataplane="envoy")), deploying=True)
    problem_at(caught.value.problems, "dataplane", "deployable: appmesh, serviceConnect")


@pytest.mark.parametrize(
    ("value", "hint"),
    [("envoi", "'envoy'"), ("AppMesh", "'appmesh'"), ("service-connect", "'serviceConnect'")],
)
def test_an_unknown_data_plane_gets_a_did_you_mean(value: str, hint: str):
    """GIVEN a misspelt dataplane
    WHEN the spec is parsed
    THEN `dataplane` is reported with the closest data plane and every allowed one"""
    problem = expect_problem(with_mesh(dataplane=value), "dataplane", f"did you mean {hint}?")
    assert "appmesh, envoy, serviceConnect" in problem.message


def test_every_data_plane_is_described():
    """GIVEN the data planes the spec accepts
    WHEN their descriptions are looked up
    THEN each has one, and Pulumi deploys every one (appmesh is the default)"""
    assert tuple(INFO) == DATAPLANES
    assert [p for p in DATAPLANES if INFO[p].deployable] == ["appmesh", "envoy", "serviceConnect"]
    assert accepted(with_mesh()).dataplane == "appmesh"
