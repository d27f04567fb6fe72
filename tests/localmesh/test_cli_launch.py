"""The pieces `localmesh up` is built from, without starting anything: app environment, start order,
ports, the route table's arithmetic, the command-line parsing of --external and the restart back-off."""

from __future__ import annotations

import argparse
import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from fargate_mesh.localmesh.cli import _external_arg
from fargate_mesh.localmesh.demo import demo_requests
from fargate_mesh.localmesh.launch import app_env, app_launch, envoy_argv
from fargate_mesh.localmesh.ports import PortAllocator, port_is_free
from fargate_mesh.localmesh.route_table import describe_targets, route_table
from fargate_mesh.localmesh.runner import LocalMesh, LocalMeshError, new_run_dir, startup_waves
from fargate_mesh.localmesh.supervisor import RestartPolicy
from fargate_mesh.localmesh.trust import WELL_KNOWN_CA_FILES, ca_file_candidates, default_ca_file
from fargate_mesh.model import CompiledMesh, Target
from fargate_mesh.render.envoy.plan import Endpoint, loopback_plan
from tests.helpers.meshes import APPS, compiled, stack_mesh


@pytest.fixture(scope="module")
def dev() -> CompiledMesh:
    return compiled(stack_mesh("dev"))


def counter(start: int = 30000) -> Callable[[], int]:
    """Predictable ports for plans that are never started."""
    ports = iter(range(start, 40000))
    return lambda: next(ports)


def test_app_env_is_the_compiled_one_listening_where_the_plan_says_behind_the_sidecar(
    dev: CompiledMesh,
) -> None:
    """GIVEN the dev stack planned on loopback, and an inherited environment with proxy settings
    WHEN products v2's app environment is built
    THEN it is the compiled environment (base URLs for prices and payments, APP_VERSION) with PORT and
    HOST where the plan puts the app, the sidecar's egress as HTTP proxy, inherited proxies dropped"""
    plan = loopback_plan(dev, counter())
    sidecar = plan.sidecar("products", "v2")
    inherited = {"PATH": "/bin", "HTTPS_PROXY": "http://corp:3128", "no_proxy": "*", "ALL_PROXY": "x"}
    env = app_env(dev, sidecar, base=inherited)
    compiled_env = dev.version("products", "v2").env
    assert {k: env[k] for k in compiled_env if k != "PORT"} == {
        k: v for k, v in compiled_env.items() if k != "PORT"
    }
    assert env["PAYMENTS_BASE_URL"] == "http://api.payments.example:443"
    assert (env["PORT"], env["HOST"]) == (str(sidecar.app.port), sidecar.app.host)
    assert env["HTTP_PROXY"] == env["http_proxy"] == f"http://{sidecar.egress}"
    assert env["NO_PROXY"] == env["no_proxy"] == ""
    assert "HTTPS_PROXY" not in env and "ALL_PROXY" not in env
    assert env["PATH"] == "/bin"


def test_default_app_command_is_the_images_on_the_planned_address(dev: CompiledMesh) -> None:
    """GIVEN the dev stack planned on loopback
    WHEN prices' app launch is worked out without an override
    THEN it is `python -m prices_api` (the image's command, through the kit) found in apps/prices,
    told by its environment where to listen and to stop within 2 s"""
    plan = loopback_plan(dev, counter())
    launch = app_launch(dev, plan, "prices", "v1", APPS, None)
    app = plan.sidecar("prices", "v1").app
    assert launch.argv[1:] == ["-m", "prices_api"]
    assert launch.env["PYTHONPATH"].split(os.pathsep)[0] == str(APPS / "prices")
    assert (launch.env["HOST"], launch.env["PORT"]) == (app.host, str(app.port))
    assert launch.env["GRACEFUL_SHUTDOWN_SECONDS"] == "2"


def test_a_missing_app_directory_names_the_service(dev: CompiledMesh, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"services.prices: no app directory .*prices"):
        app_launch(dev, loopback_plan(dev, counter()), "prices", "v1", tmp_path, None)


def test_app_command_override_is_used_per_service(dev: CompiledMesh, tmp_path: Path) -> None:
    def only_prices(service: str, version: str, at: Endpoint) -> list[str] | None:
        return ["my-prices", str(at.port)] if service == "prices" else None

    plan = loopback_plan(dev, counter())
    assert app_launch(dev, plan, "prices", "v1", tmp_path, only_prices).argv[0] == "my-prices"
    assert app_launch(dev, plan, "products", "v1", APPS, only_prices).argv[1:] == ["-m", "products_api"]


def test_envoy_runs_without_hot_restart() -> None:
    argv = envoy_argv("/bin/envoy", Path("/x/gateway.json"), concurrency=2)
    assert "--disable-hot-restart" in argv
    assert argv[argv.index("--concurrency") + 1] == "2"
    assert argv[argv.index("-c") + 1] == "/x/gateway.json"


def test_sidecars_start_after_the_services_they_call(dev: CompiledMesh) -> None:
    assert startup_waves(dev) == [["prices"], ["products"]]


def test_startup_waves_survive_a_cycle() -> None:
    spec = {
        "name": "cycle",
        "namespace": "t.local",
        "domain": "api.t.example.com",
        "hostedZone": "example.com",
        "gateway": {"routes": [{"match": {"prefix": "/"}, "service": "a"}]},
        "services": {
            name: {"backends": backends, "versions": {"v1": {"weight": 100}}}
            for name, backends in {"a": ["b"], "b": ["a"], "c": [], "d": ["a"]}.items()
        },
    }
    waves = startup_waves(compiled(spec))
    assert waves[0] == ["c"]
    assert sorted(s for wave in waves for s in wave) == ["a", "b", "c", "d"]


def test_port_allocator_never_repeats_and_skips_busy_ports() -> None:
    ports = PortAllocator()
    given = [ports() for _ in range(50)]
    assert len(set(given)) == 50
    assert all(port_is_free("127.0.0.1", p) for p in given)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert not port_is_free("127.0.0.1", taken)
        assert taken not in {PortAllocator(reserved={taken})() for _ in range(20)}


def test_run_dirs_do_not_collide(tmp_path: Path) -> None:
    assert len({new_run_dir(tmp_path) for _ in range(3)}) == 3


@pytest.mark.parametrize(
    ("targets", "shown"),
    [
        ({"v1": 90, "v2": 10}, "v1 90%, v2 10%"),
        ({"v1": 1, "v2": 1}, "v1 1 (50%), v2 1 (50%)"),
        ({"v1": 2, "v2": 1}, "v1 2 (66.7%), v2 1 (33.3%)"),
        ({"v1": 100, "v2": 0}, "v1 100%, v2 0 (no traffic)"),
    ],
)
def test_weights_are_shown_as_shares(targets: dict[str, int], shown: str) -> None:
    assert describe_targets(tuple(Target(v, f"n-{v}", w) for v, w in targets.items())) == shown


def test_route_table_shows_the_running_gateway(dev: CompiledMesh) -> None:
    assert "gateway 127.0.0.1:18080" in route_table(dev, "127.0.0.1:18080")[0]


def test_external_argument() -> None:
    assert _external_arg("payments=127.0.0.1:9443") == ("payments", Endpoint("127.0.0.1", 9443))
    for bad in ("payments", "payments=host", "=h:1", "payments=:1"):
        with pytest.raises(argparse.ArgumentTypeError):
            _external_arg(bad)


def test_demo_sends_the_canary_header_and_plain_requests(dev: CompiledMesh) -> None:
    batches = {(label, expected) for label, _, _, expected in demo_requests(dev)}
    assert batches == {
        ("/v1/products x-canary: true", "v2 100%"),
        ("/v1/products (no headers)", "v1 90%, v2 10%"),
        ("/v1/prices (no headers)", "v1 100%"),
    }


# --- the trust store for external TLS ----------------------------------------------------------


def test_default_ca_file_is_what_this_pythons_openssl_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN SSL_CERT_FILE pointing at a bundle (OpenSSL's own override)
    WHEN localmesh looks for the default CA file
    THEN it is that file, ahead of every well-known path"""
    bundle = tmp_path / "bundle.pem"
    bundle.write_text("not read here\n", encoding="utf-8")
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    assert ca_file_candidates()[0] == str(bundle)
    assert default_ca_file() == str(bundle)


def test_default_ca_file_falls_back_to_the_first_that_exists(tmp_path: Path) -> None:
    """GIVEN candidates of which only the second and third exist (the first is missing)
    WHEN the default CA file is picked
    THEN it is the second; with none existing there is none (None, not a made-up path)"""
    second, third = tmp_path / "b.pem", tmp_path / "c.pem"
    second.touch()
    third.touch()
    assert default_ca_file([str(tmp_path / "a.pem"), str(second), str(third)]) == str(second)
    assert default_ca_file([str(tmp_path / "a.pem"), str(tmp_path)]) is None  # a folder is no file
    assert set(WELL_KNOWN_CA_FILES) <= set(ca_file_candidates())


def test_up_without_any_ca_file_refuses_a_tls_external_before_starting(
    dev: CompiledMesh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a machine with no CA bundle anywhere localmesh looks, and the dev stack, whose products
    call payments over TLS
    WHEN the mesh is started without ca_file
    THEN LocalMeshError names the backend, the places looked in and --ca-file; nothing was started"""
    monkeypatch.setattr("fargate_mesh.localmesh.runner.default_ca_file", lambda: None)
    mesh = LocalMesh(stack_mesh("dev"), run_dir=tmp_path / "run", apps_dir=APPS)
    with pytest.raises(LocalMeshError, match=r"payments use TLS, .*no CA bundle.*--ca-file") as raised:
        mesh.start()
    assert WELL_KNOWN_CA_FILES[0] in str(raised.value)
    assert mesh.processes == []
    assert not (tmp_path / "run").exists()


def test_the_back_off_doubles_while_a_task_keeps_dying_and_resets_after_a_stable_run() -> None:
    """GIVEN the default restart policy
    WHEN a task dies after a long run, then fails to start three times, then dies 3, 0.5 and 9.9 s after
    it was back
    THEN it waits 1, 2, 4, 8, 16, 30 and 30 s; and 1 s again when it dies after 10 s of serving"""
    policy = RestartPolicy()
    waits: list[float] = []
    previous = None
    for ran_for in (300.0, None, None, None, 3.0, 0.5, 9.9):
        previous = policy.next_delay(previous, ran_for)
        waits.append(previous)
    assert waits == [1, 2, 4, 8, 16, 30, 30]
    assert policy.next_delay(previous, 10.0) == 1
