"""Replace a dead task, as ECS replaces a stopped Fargate task, instead of stopping the mesh.

A task is what ECS starts and stops as a whole: a version's app with its Envoy sidecar (both
essential containers), or the gateway's Envoy. When any process of a running task exits, the
supervisor stops the rest of that task, waits a back-off, and starts the task again with the same
commands, environment, addresses and Envoy config, in the startup order (app ready, then its Envoy).
The back-off is 1 s, doubled (up to 30 s) each time the task dies again before it has run for 10 s;
after a stable run it is 1 s again. Every step is said as one line. Other tasks keep serving.

The supervisor is one thread per mesh that lives as long as the mesh: the processes it starts get the
parent-death signal when that thread ends (see processes._parent_death_hook), which is at stop().
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import httpx

from fargate_mesh.localmesh.diagnose import describe_exit, failure_reason
from fargate_mesh.localmesh.processes import ManagedProcess, kill_and_reap, terminate
from fargate_mesh.localmesh.readiness import Probe, probe
from fargate_mesh.render.envoy.plan import Endpoint

TICK_SECONDS = 0.1  # how soon a death is noticed


class Phase(StrEnum):
    RUNNING = "running"
    STOPPING = "stopping"  # its other processes got SIGTERM; SIGKILL after the grace period
    WAITING = "waiting"  # the back-off before it is started again
    STARTING = "starting"  # started again, not ready yet


@dataclass
class Task:
    """One Fargate task's worth of processes, and where its Envoy can be asked how it is doing."""

    name: str  # the virtual node ("prices-v1"), or "gateway"
    admin: Endpoint  # its Envoy's admin interface
    listens: Endpoint  # its Envoy's inbound listener: a sidecar's ingress, the gateway's public port
    peer: Endpoint | None = None  # where callers' Envoys reach it; None for the gateway (no callers)
    processes: list[ManagedProcess] = field(default_factory=list)  # in start order
    probes: list[Probe] = field(default_factory=list)
    restarts: int = 0  # times it was started again
    phase: Phase = Phase.RUNNING

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "state": self.phase.value,
            "restarts": self.restarts,
            "admin": str(self.admin),
            "listens": str(self.listens),
            "peer": str(self.peer) if self.peer else None,
            "processes": [  # pid None: not running now (dead, or not started again yet)
                {
                    "name": p.name,
                    "pid": p.pid if p.popen and p.exit_code() is None else None,
                    "log": str(p.log_path),
                }
                for p in self.processes
            ],
        }


def attach_probes(tasks: Iterable[Task], probes: Iterable[Probe]) -> None:
    """Remember each probe with the task of its process: a restart checks readiness the same way."""
    owner = {id(p): task for task in tasks for p in task.processes}
    for check in probes:
        owner[id(check.process)].probes.append(check)


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0  # seconds before the first restart after a stable run
    max_delay: float = 30.0  # the doubling stops here
    stable_after: float = 10.0  # a task that dies sooner after it became ready waits twice as long

    def next_delay(self, previous: float | None, ran_for: float | None) -> float:
        """ran_for: how long it served before dying; None when it did not become ready at all."""
        if previous is None or (ran_for is not None and ran_for >= self.stable_after):
            return self.first_delay
        return min(previous * 2, self.max_delay)


@dataclass
class _Watch:
    """The supervisor's bookkeeping for one task."""

    task: Task
    ready_at: float
    delay: float | None = None  # the last back-off
    went_down: float = 0.0  # when it died while running
    down_at: float = 0.0  # when it died or its last restart failed: the back-off counts from here
    deadline: float = 0.0  # STOPPING: SIGKILL then; STARTING: give up then
    restart_at: float = 0.0
    starting: int = 0  # STARTING: index of the process being waited for


class Supervisor:
    def __init__(
        self,
        tasks: Iterable[Task],
        *,
        policy: RestartPolicy,
        ready_timeout: float,
        stop_grace: float,
        say: Callable[[str], None],
        on_change: Callable[[], None],
    ) -> None:
        """on_change: called after every change of a task's state or pids (the runner rewrites
        processes.json, which `localmesh status` reads)."""
        now = time.monotonic()
        self._watches = [_Watch(task, ready_at=now) for task in tasks]
        self.policy = policy
        self.ready_timeout = ready_timeout
        self.stop_grace = stop_grace
        self._say = say
        self._on_change = on_change
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="localmesh-supervisor", daemon=True)
        self.error: BaseException | None = None  # what ended the supervisor, if not stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            with httpx.Client(trust_env=False, timeout=0.5) as client:
                while not self._stop.wait(TICK_SECONDS):
                    for watch in self._watches:
                        self._step(watch, client, time.monotonic())
        except BaseException as err:  # reported by LocalMesh.check(); the mesh must not run unwatched
            self.error = err

    def _step(self, watch: _Watch, client: httpx.Client, now: float) -> None:
        task = watch.task
        if task.phase is Phase.RUNNING:
            dead = next((p for p in task.processes if p.exit_code() is not None), None)
            if dead is not None:
                watch.went_down = now
                ran_for = now - watch.ready_at
                self._down(watch, now, ran_for, f"{_role(task, dead)} {_exit_reason(dead)}", "stopped")
        elif task.phase is Phase.STOPPING:
            if now >= watch.deadline or all(p.exit_code() is not None for p in task.processes):
                kill_and_reap(task.processes)
                watch.restart_at = watch.down_at + (watch.delay or 0.0)
                self._enter(task, Phase.WAITING)
        elif task.phase is Phase.WAITING:
            if now >= watch.restart_at:
                task.restarts += 1
                watch.starting = 0
                watch.deadline = now + self.ready_timeout
                self._start(watch, now)
        elif task.phase is Phase.STARTING:
            self._check_start(watch, client, now)

    def _down(self, watch: _Watch, now: float, ran_for: float | None, why: str, verb: str) -> None:
        """The task died (verb "stopped") or failed to start again: stop the rest, plan the next start."""
        task = watch.task
        watch.delay = self.policy.next_delay(watch.delay, ran_for)
        watch.down_at = now
        watch.deadline = now + self.stop_grace
        terminate(task.processes)
        attempt = "start it again" if verb == "stopped" else "try again"
        self._say(
            f"{task.name} task {verb}: {why}; will {attempt} in {watch.delay:g}s (as ECS replaces a task)"
        )
        self._enter(task, Phase.STOPPING)

    def _start(self, watch: _Watch, now: float) -> None:
        task = watch.task
        proc = task.processes[watch.starting]
        try:
            proc.start()
        except OSError as err:
            self._down(watch, now, None, f"{_role(task, proc)} cannot start: {err}", "failed to start again")
            return
        self._enter(task, Phase.STARTING)

    def _check_start(self, watch: _Watch, client: httpx.Client, now: float) -> None:
        task = watch.task
        for proc in task.processes[: watch.starting + 1]:
            if proc.exit_code() is not None:
                why = f"{_role(task, proc)} {_exit_reason(proc)} (log: {proc.log_path})"
                self._down(watch, now, None, why, "failed to start again")
                return
        current = task.processes[watch.starting]
        failing = [
            (c, outcome) for c in task.probes if c.process is current and (outcome := probe(client, c))
        ]
        if failing:
            if now >= watch.deadline:
                check, outcome = failing[0]
                why = f"not ready after {self.ready_timeout:g}s: {check.what}: {outcome} (log: {current.log_path})"
                self._down(watch, now, None, why, "failed to start again")
            return
        watch.starting += 1
        if watch.starting < len(task.processes):
            self._start(watch, now)
            return
        watch.ready_at = now
        pids = ", ".join(f"{_role(task, p)} pid {p.pid}" for p in task.processes)
        self._say(
            f"{task.name} task started again (restart {task.restarts}): {pids}; "
            f"serving {now - watch.went_down:.1f}s after it went down"
        )
        self._enter(task, Phase.RUNNING)

    def _enter(self, task: Task, phase: Phase) -> None:
        task.phase = phase
        self._on_change()


def _role(task: Task, proc: ManagedProcess) -> str:
    """The process's name within its task: "app" or "envoy"."""
    return proc.name.removeprefix(f"{task.name} ")


def _exit_reason(proc: ManagedProcess) -> str:
    code = proc.exit_code()
    assert code is not None
    said = describe_exit(code)
    if code > 0 and (reason := failure_reason(proc.output())):
        said += f": {reason}"
    return said
