"""When a process cannot start, one line says which and why, in its own words (the app's exception,
Envoy's reason for refusing its config), then where its log is. Real apps, real Envoy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fargate_mesh.localmesh.cli import main
from fargate_mesh.localmesh.runner import LocalMesh, StartupError
from tests.helpers.localmesh import free_port, one_service_mesh, wait_all_gone

pytestmark = pytest.mark.e2e


LIFESPAN_FAILS = """
from contextlib import asynccontextmanager
from fastapi import FastAPI

@asynccontextmanager
async def lifespan(app):
    raise RuntimeError("no database at db.shop.local:5432")
    yield

app = FastAPI(lifespan=lifespan)
"""

# What each sample app's __main__ holds: the kit's entry point around the app's own ASGI app.
KIT_MAIN = """
from meshapp_kit.entrypoint import entry_point
from meshapp_kit.identity import AppIdentity
from meshapp_kit.settings import AppSettings

from flaky_api.main import app

entry_point(app, AppSettings, AppIdentity(package="flaky_api", service="flaky", title="Flaky"))()
"""


@pytest.mark.parametrize(
    ("main_py", "code", "reason"),
    [
        pytest.param(
            "from fastapi import FastAPI\nimport pricing_rules\napp = FastAPI()\n",
            1,
            "ModuleNotFoundError: No module named 'pricing_rules'",
            id="a-module-it-imports-is-missing",
        ),
        pytest.param(
            "import os\nRATE = float(os.environ['TAX_RATE'])\n",
            1,
            "KeyError: 'TAX_RATE'",
            id="it-raises-while-importing",
        ),
        pytest.param(
            LIFESPAN_FAILS,
            3,  # uvicorn's exit code for a failed startup; its last line is "Application startup failed"
            "RuntimeError: no database at db.shop.local:5432",
            id="its-startup-hook-raises",
        ),
        pytest.param(
            None,
            1,
            "ModuleNotFoundError: No module named 'flaky_api.main'",
            id="its-module-is-not-there",
        ),
    ],
)
def test_an_app_that_fails_to_import_is_named_with_its_exception(
    tmp_path: Path, main_py: str | None, code: int, reason: str
) -> None:
    """GIVEN an app (started as every app is by default: `python -m flaky_api`, the kit's entry
    point serving flaky_api.main:app) that fails while it is imported or started
    WHEN the mesh starts
    THEN the error is one line naming the app and the exception it raised, then the app's log path"""
    package = tmp_path / "apps" / "flaky" / "flaky_api"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(KIT_MAIN)
    if main_py is not None:
        (package / "main.py").write_text(main_py)
    mesh = LocalMesh(one_service_mesh(), run_dir=tmp_path / "run", apps_dir=tmp_path / "apps")
    with pytest.raises(StartupError) as raised:
        mesh.start()
    assert str(raised.value).splitlines() == [
        f"flaky-v1 app exited with code {code} during startup: {reason}",
        f"  log: {tmp_path / 'run' / 'logs' / 'flaky-v1.app.log'}",
    ]
    wait_all_gone([p.pid for p in mesh.processes], [str(e) for e in mesh.endpoints])


def test_a_config_envoy_rejects_is_named_with_envoys_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN the dev stack, whose products sidecars originate TLS to an external backend, and a CA
    file that holds no certificate
    WHEN `localmesh up --ca-file` starts it
    THEN it exits 1 with one line naming the sidecar and Envoy's reason for refusing its config,
    then the Envoy's log path, and nothing keeps running"""
    bogus = tmp_path / "not-a-ca.pem"
    bogus.write_text("not a certificate\n")
    run_dir = tmp_path / "run"
    argv = [
        "up",
        "--stack",
        "dev",
        "--port",
        str(free_port()),
        "--run-dir",
        str(run_dir),
        "--ca-file",
        str(bogus),
    ]
    assert main(argv) == 1
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2, errors
    match = re.fullmatch(
        rf"localmesh: (products-v[12]) envoy exited with code 1 during startup: config rejected: "
        rf"Failed to load trusted CA certificates from {re.escape(str(bogus))}",
        errors[0],
    )
    assert match, errors[0]
    assert errors[1] == f"  log: {run_dir / 'logs' / f'{match[1]}.envoy.log'}"
