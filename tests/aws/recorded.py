"""Recordings of the real program per stack, made once per test session in a subprocess.

    from tests.aws.recorded import recorded_stack, Recording
    dev = recorded_stack("dev")              # the JSON written by record_stack.py, as a dict
    rec = Recording(dev)                     # small query helpers over it

A subprocess per stack keeps Pulumi's process-global runtime state out of the test process.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fargate_mesh.testing import Recording

__all__ = [
    "REPO_ROOT",
    "Recording",
    "recorded_stack",
    "recorded_with_mesh",
    "run_recording",
    "shipped_stacks",
]

SCRIPT = Path(__file__).with_name("record_stack.py")
REPO_ROOT = SCRIPT.parents[2]


def run_recording(
    stack: str, stack_file: Path | None = None
) -> tuple[dict[str, Any], subprocess.CompletedProcess]:
    """Run record_stack.py once; return the recording and the finished process (for its exit code/stderr)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{stack}.json"
        cmd = [sys.executable, str(SCRIPT), "--stack", stack, "--out", str(out)]
        if stack_file is not None:
            cmd += ["--stack-file", str(stack_file)]
        proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
        if not out.exists():
            raise RuntimeError(f"record_stack.py wrote nothing (exit {proc.returncode}):\n{proc.stderr}")
        return json.loads(out.read_text(encoding="utf-8")), proc


def recorded_with_mesh(stack: str, mesh: dict[str, Any]) -> Recording:
    """The program's recording of a shipped stack with its mesh config replaced by `mesh` (a variant
    such as the stack with TLS); the program must succeed."""
    import yaml

    document = yaml.safe_load((REPO_ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    [key] = [k for k in document["config"] if k.endswith(":mesh")]
    document["config"][key] = mesh
    with tempfile.TemporaryDirectory(prefix=f"{stack}-variant-") as folder:
        path = Path(folder) / f"Pulumi.{stack}.yaml"
        path.write_text(yaml.safe_dump(document))
        data, proc = run_recording(stack, path)
    assert proc.returncode == 0 and data.get("error") is None, proc.stderr
    return Recording(data)


def shipped_stacks() -> list[str]:
    return sorted(p.name.split(".")[1] for p in (REPO_ROOT / "stacks").glob("Pulumi.*.yaml"))


@functools.cache
def _recordings() -> dict[str, Future[tuple[dict[str, Any], subprocess.CompletedProcess]]]:
    """Start recording every shipped stack at once: each is a separate process, so they overlap."""
    pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="record-stack")
    return {stack: pool.submit(run_recording, stack) for stack in shipped_stacks()}


@functools.cache
def recorded_stack(stack: str) -> dict[str, Any]:
    """The recording of a shipped stack (stacks/Pulumi.<stack>.yaml), made once per session;
    fails if the program failed."""
    future = _recordings().get(stack)
    recording, proc = future.result() if future is not None else run_recording(stack)
    if proc.returncode != 0:
        raise RuntimeError(
            f"the program failed for stack {stack!r}:\n{recording.get('error') or proc.stderr}"
        )
    return recording
