"""Run a kit app as its container does (`python -m <package>` as its own process) for end-to-end tests."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bench.apps_rps import HOST, child_env, run_server, with_kit_on_path

APPS = Path(__file__).resolve().parents[2] / "apps"

# A kit app of the tests' own: GET /slow takes SLOW_SECONDS; FAIL_STARTUP makes its lifespan raise.
SLOW_APP_MAIN = """
import asyncio
import logging
import os
from contextlib import asynccontextmanager

from fastapi import APIRouter
from meshapp_kit.entrypoint import entry_point
from meshapp_kit.factory import build_app
from meshapp_kit.identity import AppIdentity
from meshapp_kit.settings import AppSettings

IDENTITY = AppIdentity(package="slow_api", service="slow", title="Slow API")
router = APIRouter()


@router.get("/slow")
async def slow() -> dict[str, float]:
    seconds = float(os.environ["SLOW_SECONDS"])
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@asynccontextmanager
async def lifespan(app):
    if os.environ.get("FAIL_STARTUP"):
        raise RuntimeError("injected startup failure")
    yield
    logging.getLogger("slow_api").info("stopping")


app = build_app(IDENTITY, AppSettings.from_env(), router, lifespan)

if __name__ == "__main__":
    entry_point(app, AppSettings, IDENTITY)()
"""


def write_slow_app(folder: Path) -> Path:
    """apps/<x>-style folder holding the package `slow_api`; returns the folder (the cwd to run in)."""
    package = folder / "slow_api"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "__main__.py").write_text(SLOW_APP_MAIN, encoding="utf-8")
    return folder


def kit_env(**extra: str) -> dict[str, str]:
    """The environment without proxies, with THIS checkout's kit first on the path."""
    return {**with_kit_on_path(child_env(), APPS), "HOST": HOST, "PYTHONDONTWRITEBYTECODE": "1", **extra}


@dataclass
class KitProcess:
    proc: subprocess.Popen[bytes]
    base_url: str
    log: IO[str]
    lines: list[dict[str, Any]] = field(default_factory=list)

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 15) -> int:
        """Send `sig`, wait for the exit; returns the status and reads stdout into `lines`."""
        self.proc.send_signal(sig)
        status = self.proc.wait(timeout=timeout)
        self.read_lines()
        return status

    def read_lines(self) -> list[dict[str, Any]]:
        self.log.seek(0)
        self.lines = [json.loads(line) for line in self.log.read().splitlines()]
        return self.lines


@contextmanager
def start(argv: list[str], cwd: Path, env: dict[str, str], *, wait: bool = True) -> Iterator[KitProcess]:
    """Start `argv` on a free port (PORT in env); with `wait`, until GET /health answers. Always stopped."""
    with run_server(cwd, lambda _: argv, env, port_env="PORT", wait=wait) as served:
        yield KitProcess(served.proc, served.base_url, served.log)


def run_module(package: str) -> list[str]:
    return [sys.executable, "-m", package]
