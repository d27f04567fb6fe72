"""`localmesh status` and `localmesh stop-task`: look at, and poke, a local mesh that is running.

Both read the run folder's processes.json, which the running localmesh writes at startup and again
whenever a task is replaced (current pids, restarts, state, and each task's Envoy addresses).

Status asks Envoy admin interfaces, never the apps:
- A task's callers are the Envoys that have it as a host (its peer address) in one of their clusters
  (admin /clusters?format=json). Per caller, the host's health flags say whether it is healthy,
  failing active health checks, or ejected by outlier detection; its counters give the requests that
  caller sent it and how many got a 5xx.
- The gateway's callers are clients, not Envoys: its requests and 5xx are what its public listener
  answered (admin /stats).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from fargate_mesh.localmesh.processes import pid_alive

STATE_FILE = "processes.json"


class NoRunningMesh(RuntimeError):
    """No run folder, or its localmesh has ended."""


@dataclass(frozen=True)
class Run:
    path: Path
    localmesh_pid: int
    tasks: list[dict[str, Any]]  # Task.as_dict() of each task, as processes.json holds them

    def tasks_named(self, name: str) -> list[dict[str, Any]]:
        """The task of that name, or every task of a version ("prices-v1" → prices-v1/1, prices-v1/2)."""
        exact = [t for t in self.tasks if t["name"] == name]
        return exact or [t for t in self.tasks if t["name"].startswith(f"{name}/")]

    def task(self, name: str) -> dict[str, Any]:
        for task in self.tasks:
            if task["name"] == name:
                return task
        known = ", ".join(t["name"] for t in self.tasks)
        raise KeyError(f"no task {name!r} in this mesh (tasks: {known})")


def load_run(run_dir: Path) -> Run:
    """The run in run_dir, which must still be running."""
    try:
        state = json.loads((run_dir / STATE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NoRunningMesh(
            f"{run_dir} holds no {STATE_FILE}: not a run folder, or its mesh never started"
        ) from None
    pid = state.get("localmesh_pid")
    if not isinstance(pid, int) or not pid_alive(pid):
        raise NoRunningMesh(f"the mesh of {run_dir} is not running (its localmesh, pid {pid}, has ended)")
    return Run(run_dir, pid, state["tasks"])


def latest_run(runs_root: Path) -> Run:
    """The newest run folder under runs_root whose localmesh is still running."""
    folders = sorted(runs_root.glob("run-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for folder in folders:
        with contextlib.suppress(NoRunningMesh, ValueError, KeyError):
            return load_run(folder)
    raise NoRunningMesh(
        f"no running mesh under {runs_root}/ (start one with `localmesh up`, or pass --run-dir)"
    )


# -- status --------------------------------------------------------------------------------------


@dataclass
class TaskStatus:
    name: str
    state: str  # running, stopping, waiting (the back-off), starting
    restarts: int
    pids: dict[str, int | None]  # role ("app", "envoy") → pid
    requests: int = 0
    errors: int = 0  # of those, answered with a 5xx
    has_peers: bool = True  # False for the gateway: its callers are clients, not Envoys
    # caller → "healthy", "failing health checks", "ejected"
    seen_by: dict[str, str] = field(default_factory=dict)


@dataclass
class Report:
    tasks: list[TaskStatus]
    not_asked: list[str]  # tasks whose Envoy admin did not answer (down, or being started again)


def host_health(status: dict[str, Any]) -> str:
    """What a caller's Envoy thinks of one host, from /clusters' health_status of it."""
    problems = []
    if status.get("failed_active_health_check"):
        problems.append("failing health checks")
    if status.get("failed_outlier_check"):
        problems.append("ejected")
    if problems:
        return ", ".join(problems)
    if status.get("pending_active_hc"):
        return "not checked yet"
    return (
        "healthy"
        if status.get("eds_health_status", "HEALTHY") == "HEALTHY"
        else status["eds_health_status"].lower()
    )


def collect(run: Run, client: httpx.Client) -> Report:
    rows = {t["name"]: _row(t) for t in run.tasks}
    by_peer = {t["peer"]: rows[t["name"]] for t in run.tasks if t.get("peer")}
    not_asked = []
    for caller in run.tasks:
        try:
            clusters = client.get(f"http://{caller['admin']}/clusters", params={"format": "json"}).json()
        except (httpx.HTTPError, ValueError):
            not_asked.append(caller["name"])
            continue
        for cluster in clusters.get("cluster_statuses", []):
            for host in cluster.get("host_statuses", []):
                row = by_peer.get(_address(host))
                if row is None or row.name == caller["name"]:
                    continue
                stats = {s["name"]: int(s.get("value", 0)) for s in host.get("stats", [])}
                row.requests += stats.get("rq_total", 0)
                row.errors += stats.get("rq_error", 0)
                row.seen_by[caller["name"]] = host_health(host.get("health_status", {}))
    for task in run.tasks:
        row = rows[task["name"]]
        if not row.has_peers:  # the gateway: count what it answered its clients
            row.requests, row.errors = _listener_requests(client, task["admin"], task["listens"])
    return Report(list(rows.values()), not_asked)


def _row(task: dict[str, Any]) -> TaskStatus:
    roles = {p["name"].removeprefix(f"{task['name']} "): p["pid"] for p in task["processes"]}
    return TaskStatus(task["name"], task["state"], task["restarts"], roles, has_peers=bool(task.get("peer")))


def _address(host: dict[str, Any]) -> str:
    socket = host.get("address", {}).get("socket_address", {})
    return f"{socket.get('address')}:{socket.get('port_value')}"


def _listener_requests(client: httpx.Client, admin: str, listens: str) -> tuple[int, int]:
    """(requests, 5xx) its listener at `listens` answered, from `listener.<addr>.http.<prefix>.*` stats."""
    prefix = re.escape(f"listener.{listens.replace(':', '_')}.http.")
    wanted = rf"^{prefix}[^.]+\.downstream_rq_(completed|5xx)$"
    try:
        stats = client.get(f"http://{admin}/stats", params={"format": "json", "filter": wanted}).json()[
            "stats"
        ]
    except (httpx.HTTPError, ValueError, KeyError):
        return 0, 0
    total = sum(s["value"] for s in stats if s["name"].endswith("_completed"))
    errors = sum(s["value"] for s in stats if s["name"].endswith("_5xx"))
    return total, errors


def status_table(run: Run, report: Report) -> list[str]:
    lines = [f"mesh running from {run.path} (localmesh pid {run.localmesh_pid})"]
    table = [("TASK", "STATE", "RESTARTS", "PIDS", "REQUESTS", "5XX", "AS ITS CALLERS SEE IT")]
    for row in report.tasks:
        pids = ", ".join(f"{role} {pid or '-'}" for role, pid in row.pids.items())
        table.append(
            (row.name, row.state, str(row.restarts), pids, str(row.requests), str(row.errors), _seen(row))
        )
    widths = [max(len(r[i]) for r in table) for i in range(6)]
    for r in table:
        cells = [f"{r[i]:<{widths[i]}}" if i in (0, 1, 3) else f"{r[i]:>{widths[i]}}" for i in range(6)]
        lines.append("  " + "  ".join(cells) + "  " + r[6])
    lines.append("REQUESTS and 5XX: as counted by the task's callers (the gateway: by itself).")
    if report.not_asked:
        lines.append(f"not asked (Envoy admin not answering): {', '.join(report.not_asked)}")
    return lines


def _seen(row: TaskStatus) -> str:
    if not row.seen_by:
        return "no callers" if row.has_peers else "(its callers are clients, not Envoys)"
    groups: dict[str, list[str]] = {}
    for caller, health in row.seen_by.items():
        groups.setdefault(health, []).append(caller)
    return "; ".join(f"{health} ({', '.join(callers)})" for health, callers in groups.items())


# -- stop-task -----------------------------------------------------------------------------------


def stop_task(run: Run, name: str, sig: signal.Signals) -> list[str]:
    """Signal the process group of every process of a task; returns what was signalled ("app pid 12").

    Only processes that still lead their own group are signalled: a pid that ended and was reused by
    an unrelated process is left alone."""
    tasks = run.tasks_named(name) or [run.task(name)]  # run.task raises for an unknown name
    signalled = []
    for proc in (p for task in tasks for p in task["processes"]):
        pid = proc["pid"]
        if not isinstance(pid, int) or not pid_alive(pid):
            continue
        with contextlib.suppress(ProcessLookupError):
            if os.getpgid(pid) != pid:
                continue
            os.killpg(pid, sig)
            signalled.append(f"{proc['name'].removeprefix(name + ' ')} pid {pid}")  # "prices-v1/2 app pid 12"
    return signalled
