"""Run a mesh on this machine as on Fargate: tasks of an app and its Envoy sidecar per version, the
gateway Envoy, each task on a loopback address of its own with Fargate's ports, and a DNS server that
answers the versions' Cloud Map names with their tasks' addresses (layout.py). Every Envoy runs the
bootstrap rendered for AWS, but for where it listens and the resolver it asks.

    with LocalMesh(mesh, gateway_port=8080) as running:
        httpx.get(running.gateway_url + "/v1/products")

Startup goes in waves so that no Envoy health-checks a listener that is not up yet (a failed first
check would mark a host unhealthy for two check intervals): all apps, then the sidecars of services
nobody depends on first, then the gateway. Any child that exits during startup, or a startup that
outlasts its deadline, tears everything down and raises StartupError naming the process, why it
failed (diagnose.py) and its log. Once started, a task that dies is started again (supervisor.py).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType

import httpx

from fargate_mesh.localmesh import DATAPLANE
from fargate_mesh.localmesh.diagnose import describe_exit, failure_reason
from fargate_mesh.localmesh.dns import LocalDnsServer
from fargate_mesh.localmesh.launch import AppCommand, app_launch, envoy_argv, envoy_binary
from fargate_mesh.localmesh.layout import (
    DNS_HOST,
    MAX_REPLICAS,
    LocalLayout,
    LocalTask,
    capped_versions,
    local_layout,
    replica_counts,
)
from fargate_mesh.localmesh.loopback import LoopbackBlock, random_block
from fargate_mesh.localmesh.ports import PortAllocator, require_free
from fargate_mesh.localmesh.processes import ManagedProcess, stop_all
from fargate_mesh.localmesh.readiness import Probe, probe
from fargate_mesh.localmesh.supervisor import RestartPolicy, Supervisor, Task, attach_probes
from fargate_mesh.localmesh.trust import ca_file_candidates, default_ca_file
from fargate_mesh.model import CompiledMesh, compile_checked
from fargate_mesh.render.envoy import GATEWAY, render_gateway, render_sidecar
from fargate_mesh.render.envoy.plan import Endpoint, MeshPlan
from fargate_mesh.spec import Mesh


class LocalMeshError(RuntimeError):
    """Something on this machine kept the mesh from running (not a spec problem)."""


class ProcessFailure(LocalMeshError):
    """A child process failed: one line saying which and why, then its log's path."""

    def __init__(self, message: str, process: ManagedProcess | None = None) -> None:
        self.process = process
        if process is not None:
            message = f"{message}\n  log: {process.log_path}"
        super().__init__(message)


class StartupError(ProcessFailure):
    """The mesh did not become ready: a child exited, or the deadline passed."""


def startup_waves(mesh: CompiledMesh) -> list[list[str]]:
    """Services in start order: each wave's mesh backends are in earlier waves (cycles go last)."""
    pending = dict.fromkeys(mesh.services)
    waves: list[list[str]] = []
    while pending:
        wave = [
            name
            for name in pending
            if not any(c.name in pending and c.name != name for c in mesh.services[name].callees)
        ]
        waves.append(wave or list(pending))
        for name in waves[-1]:
            pending.pop(name)
    return waves


def new_run_dir(root: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for attempt in range(1, 100):
        path = root / (f"run-{stamp}" if attempt == 1 else f"run-{stamp}-{attempt}")
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            continue
        return path
    raise LocalMeshError(f"cannot create a run folder under {root}")


class LocalMesh:
    """A mesh's processes on this machine; a context manager that always cleans up."""

    def __init__(
        self,
        mesh: Mesh,
        *,
        gateway_port: int | None = None,
        host: str = "127.0.0.1",
        run_dir: Path | None = None,
        runs_root: Path = Path(".localmesh"),
        apps_dir: Path = Path("apps"),
        app_command: AppCommand | None = None,
        ready_timeout: float = 20.0,
        stop_grace: float = 5.0,
        envoy_concurrency: int = 1,
        envoy_log_level: str = "info",
        access_logs: bool = True,
        external: Mapping[str, Endpoint] | None = None,
        ca_file: str | Path | None = None,
        say: Callable[[str], None] | None = None,
        restart: RestartPolicy | None = None,
        replicas: int | None = None,
        dns_port: int = 53,
    ) -> None:
        """gateway_port: the gateway's listener on `host` at this port (default: the gateway task's own
        address at the spec's port).
        access_logs: one file per proxy under <run>/access/ (else into each Envoy's own log).
        external: where external backends are reached (default: a local port nothing listens on).
        ca_file: the CA bundle sidecars validate external TLS backends with (default: this machine's,
        see localmesh.trust).
        say: receives progress lines (the CLI prints them).
        restart: the back-off before a dead task is started again (default 1 s doubling to 30 s).
        replicas: tasks per version instead of each version's desiredCount (at most MAX_REPLICAS).
        dns_port: where the DNS server listens on its own address (a free port when 53 cannot be bound).
        Raises SpecError when the spec uses what the envoy data plane cannot carry."""
        self.mesh = mesh
        self.compiled = compile_checked(mesh, DATAPLANE)  # localmesh runs the envoy data plane
        self.host = host
        self.gateway_port = gateway_port
        self.run_dir = run_dir
        self.runs_root = runs_root
        self.apps_dir = apps_dir
        self.app_command = app_command
        self.ready_timeout = ready_timeout
        self.stop_grace = stop_grace
        self.envoy_concurrency = envoy_concurrency
        self.envoy_log_level = envoy_log_level
        self.access_logs = access_logs
        self.external = dict(external or {})
        self.ca_file = str(ca_file) if ca_file is not None else None
        self._say = say or (lambda _line: None)
        self.restart_policy = restart or RestartPolicy()
        self.replicas = replicas
        self.dns_port = dns_port
        self.dns: LocalDnsServer | None = None
        self._layout: LocalLayout | None = None
        self.trusted_ca: str | None = None  # the CA bundle the sidecars were given (started)
        self.processes: list[ManagedProcess] = []
        self.tasks: dict[str, Task] = {}  # by name: "prices-v1", "gateway"
        self._supervisor: Supervisor | None = None
        self._plan: MeshPlan | None = None
        self._run_dir: Path | None = None
        self.startup_seconds: float | None = None
        self.timings: dict[str, float] = {}  # seconds per startup step, for people and the bench

    # -- what a caller uses once started -------------------------------------------------------
    @property
    def plan(self) -> MeshPlan:
        if self._plan is None:
            raise LocalMeshError("the mesh is not started")
        return self._plan

    @property
    def layout(self) -> LocalLayout:
        """Every task and its address (the plan's sidecars are each version's first task)."""
        if self._layout is None:
            raise LocalMeshError("the mesh is not started")
        return self._layout

    @property
    def gateway_url(self) -> str:
        return f"http://{self.plan.gateway}"

    def app_url(self, service: str, version: str) -> str:
        """The app of the version's first task; layout.tasks_of(service, version) has every task."""
        return f"http://{self.plan.sidecar(service, version).app}"

    def admin_url(self, service: str | None = None, version: str | None = None) -> str:
        """The sidecar's admin interface, or the gateway's without arguments."""
        if service is None:
            return f"http://{self.plan.gateway_admin}"
        return f"http://{self.plan.sidecar(service, version or '').admin}"

    def egress_proxy_url(self, service: str, version: str) -> str:
        return f"http://{self.plan.sidecar(service, version).egress}"

    @property
    def run_path(self) -> Path:
        """The run folder: envoy/ (configs), logs/ (one per process), access/ (Envoy access logs)."""
        if self._run_dir is None:
            raise LocalMeshError("the mesh is not started")
        return self._run_dir

    @property
    def access_log_dir(self) -> Path:
        return self.run_path / "access"

    @property
    def endpoints(self) -> list[Endpoint]:
        """Every address the mesh's processes listen on."""
        own = [e for t in self.layout.sidecar_tasks() for e in _listen_addresses(t)]
        return [*own, self.plan.gateway, self.plan.gateway_admin]

    def process(self, name: str) -> ManagedProcess:
        return next(p for p in self.processes if p.name == name)

    def check(self) -> None:
        """Raise if the supervisor, which starts dead tasks again, has itself failed (the CLI calls
        this while it waits). A dead task is not an error: it is being replaced."""
        if self._supervisor is not None and self._supervisor.error is not None:
            raise LocalMeshError(f"the task supervisor failed: {self._supervisor.error!r}")

    # -- lifecycle -----------------------------------------------------------------------------
    def __enter__(self) -> LocalMesh:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> LocalMesh:
        started = time.monotonic()
        ca_file = self.trusted_ca = self._trust_store()
        if self.gateway_port is not None:
            require_free(self.host, self.gateway_port, "gateway")
        ports = PortAllocator(self.host, reserved={self.gateway_port} if self.gateway_port else None)
        # External backends are not reached from here unless the caller says where: by default each
        # points at a local port nobody listens on, so a local run never resolves or calls the internet.
        external = {
            name: self.external.get(name) or Endpoint(self.host, ports()) for name in self.compiled.externals
        }
        block = random_block()
        self.dns = self._start_dns(block.host(DNS_HOST))
        try:
            configs = self._lay_out(block, self.dns, external, ca_file)
        except BaseException:
            self.stop()
            raise
        deadline = started + self.ready_timeout
        try:
            with httpx.Client(trust_env=False, timeout=1.0) as client:
                step = time.monotonic()
                self._start_apps(client, deadline)
                self.timings["apps"], step = time.monotonic() - step, time.monotonic()
                for wave in startup_waves(self.compiled):
                    self._start_sidecars(wave, configs, client, deadline)
                self.timings["sidecars"], step = time.monotonic() - step, time.monotonic()
                self._start_envoy(GATEWAY, configs[GATEWAY], client, deadline)
                self.timings["gateway"] = time.monotonic() - step
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        self._write_state()
        self._supervisor = Supervisor(
            self.tasks.values(),
            policy=self.restart_policy,
            ready_timeout=self.ready_timeout,
            stop_grace=self.stop_grace,
            say=self._say,
            on_change=self._write_state,
        )
        self._supervisor.start()
        return self

    def _lay_out(
        self, block: LoopbackBlock, dns: LocalDnsServer, external: dict[str, Endpoint], ca_file: str | None
    ) -> dict[str, Path]:
        """Every task's address, the DNS server's records, the run folder and each task's bootstrap."""
        gateway = Endpoint(self.host, self.gateway_port) if self.gateway_port is not None else None
        counts = replica_counts(self.compiled, self.replicas)
        for node, asked in capped_versions(self.compiled, self.replicas).items():
            self._say(f"{node}: {asked} tasks asked, {MAX_REPLICAS} run here (localmesh's cap per version)")
        self._layout = local_layout(
            self.compiled, block, Endpoint(*dns.address), counts, gateway=gateway, external=external
        )
        dns.set_records(self._layout.records(self.compiled))
        self._plan = self._layout.plan
        self._say(
            f"tasks on {block.network}, Cloud Map names answered by the DNS server at {self.plan.resolver}"
        )
        self.tasks = self._plan_tasks()
        self._run_dir = self.run_dir or new_run_dir(self.runs_root)
        self._run_dir.mkdir(parents=True, exist_ok=True)
        self._say(f"run folder: {self._run_dir.resolve()}")
        return self._write_configs(ca_file)

    def stop(self) -> None:
        if self._supervisor is not None:  # first, so that nothing is started again while we stop
            self._supervisor.stop()
        stop_all(self.processes, self.stop_grace)
        if self.dns is not None:
            self.dns.stop()

    # -- startup steps -------------------------------------------------------------------------
    def _start_dns(self, host: str) -> LocalDnsServer:
        """Cloud Map's stand-in, on its own address: port 53 as in a VPC, else any free port."""
        try:
            return LocalDnsServer(self.compiled.namespace, host=host, port=self.dns_port).start()
        except PermissionError:
            return LocalDnsServer(self.compiled.namespace, host=host, port=0).start()

    def _trust_store(self) -> str | None:
        """The CA file for external TLS: the one given (it must exist), else this machine's; no file
        is an error only when a TLS external backend needs one."""
        tls = [name for name, ext in self.compiled.externals.items() if ext.tls]
        if self.ca_file is not None:
            if not Path(self.ca_file).is_file():
                raise LocalMeshError(f"CA file {self.ca_file} does not exist (or is not a file)")
            found: str | None = self.ca_file
        else:
            found = default_ca_file()
            if found is None and tls:
                raise LocalMeshError(
                    f"external backend(s) {', '.join(tls)} use TLS, but this machine has no CA bundle in "
                    f"any of {', '.join(ca_file_candidates())}; pass one with --ca-file "
                    "(LocalMesh(ca_file=...))"
                )
        if tls:
            self._say(f"external TLS ({', '.join(tls)}) is validated with {found}")
        return found

    def _write_configs(self, ca_file: str | None) -> dict[str, Path]:
        """Each task's bootstrap, as rendered for AWS (access log to /dev/stdout, which the runner
        sends to access/<task>.access.log), with the task's own listen addresses and our resolver."""
        if self.access_logs:
            self.access_log_dir.mkdir(exist_ok=True)
        folder = self.run_path / "envoy"
        folder.mkdir(exist_ok=True)
        paths = {}
        for task in self.layout.tasks:
            plan = self.layout.plan_of(task)
            try:
                if task.sidecar is None:
                    bootstrap = render_gateway(self.compiled, plan)
                else:
                    bootstrap = render_sidecar(
                        self.compiled, plan, task.sidecar.service, task.sidecar.version, ca_file=ca_file
                    )
            except ValueError as err:  # the renderer refuses what it cannot express
                raise LocalMeshError(f"cannot render the Envoy configs: {err}") from err
            paths[task.name] = folder / f"{file_name(task.name)}.json"
            paths[task.name].write_text(json.dumps(bootstrap, indent=2) + "\n", encoding="utf-8")
        return paths

    def _write_state(self) -> None:
        """processes.json: what runs where, for scripts (and tests) that outlive this object's view;
        rewritten whenever a task is replaced, and read by `localmesh status` and `stop-task`."""
        state = {
            "localmesh_pid": os.getpid(),
            "tasks": [task.as_dict() for task in self.tasks.values()],
            "gateway": self.gateway_url,
            "processes": [
                {"name": p.name, "pid": p.pid, "listens": self._listens(p.name), "log": str(p.log_path)}
                for p in self.processes
            ],
            "endpoints": [str(e) for e in self.endpoints],
            "plan": self.plan.as_dict(),
        }
        path = self.run_path / "processes.json"
        partial = path.with_suffix(".json.partial")
        partial.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
        partial.replace(path)  # readers never see half a file

    def _plan_tasks(self) -> dict[str, Task]:
        tasks = [Task(GATEWAY, admin=self.plan.gateway_admin, listens=self.plan.gateway)]
        for t in self.layout.sidecar_tasks():
            assert t.sidecar is not None
            # Callers' Envoys resolve the version's name to this address: their /clusters show it.
            tasks.append(
                Task(t.name, admin=t.sidecar.admin, listens=t.sidecar.ingress, peer=t.sidecar.ingress)
            )
        return {task.name: task for task in tasks}

    def _spawn(
        self, task: str, role: str, argv: list[str], env: dict[str, str] | None = None
    ) -> ManagedProcess:
        name = f"{task} {role}"
        log = self.run_path / "logs" / f"{file_name(task)}.{role}.log"
        access = None
        if role == "envoy" and self.access_logs:
            access = self.access_log_dir / f"{file_name(task)}.access.log"
        proc = ManagedProcess(name, argv, log, env=env, stdout_path=access)
        self.processes.append(proc)
        self.tasks[task].processes.append(proc)
        proc.start()
        return proc

    def _start_apps(self, client: httpx.Client, deadline: float) -> None:
        probes = []
        for task in self.layout.sidecar_tasks():
            sidecar = task.sidecar
            assert sidecar is not None
            launch = app_launch(
                self.compiled,
                self.layout.plan_of(task),
                sidecar.service,
                sidecar.version,
                self.apps_dir,
                self.app_command,
            )
            proc = self._spawn(task.name, "app", launch.argv, launch.env)
            probes.append(self._health_probe(proc, sidecar.service, "health", str(sidecar.app)))
        self._say(f"starting {len(probes)} app(s)")
        self._wait(probes, client, deadline)

    def _start_sidecars(
        self, services: list[str], configs: dict[str, Path], client: httpx.Client, deadline: float
    ) -> None:
        probes = []
        for task in self.layout.sidecar_tasks():
            sidecar = task.sidecar
            assert sidecar is not None
            if sidecar.service not in services:
                continue
            proc = self._spawn(task.name, "envoy", self._envoy_argv(configs[task.name]))
            probes.append(Probe(f"{proc.name} admin /ready", f"http://{sidecar.admin}/ready", proc))
            # Also through the ingress listener: proves the sidecar reaches its own app.
            probes.append(self._health_probe(proc, sidecar.service, "ingress", str(sidecar.ingress)))
        self._say(f"starting Envoy sidecars of {', '.join(services)}")
        self._wait(probes, client, deadline)

    def _health_probe(self, proc: ManagedProcess, service: str, where: str, address: str) -> Probe:
        """The service's health check at address: a GET of its path, or for a grpc service the gRPC
        health checking protocol (as App Mesh checks each)."""
        compiled = self.compiled.services[service]
        if compiled.protocol == "grpc":
            return Probe(f"{proc.name} {where} gRPC health", f"http://{address}", proc, grpc=True)
        path = compiled.health_check.path
        return Probe(f"{proc.name} {where} {path}", f"http://{address}{path}", proc)

    def _start_envoy(self, name: str, config: Path, client: httpx.Client, deadline: float) -> None:
        proc = self._spawn(name, "envoy", self._envoy_argv(config))
        self._say("starting the gateway Envoy")
        self._wait([Probe(f"{proc.name} admin /ready", f"{self.admin_url()}/ready", proc)], client, deadline)

    def _envoy_argv(self, config: Path) -> list[str]:
        return envoy_argv(
            envoy_binary(), config, concurrency=self.envoy_concurrency, log_level=self.envoy_log_level
        )

    def _wait(self, probes: list[Probe], client: httpx.Client, deadline: float) -> None:
        attach_probes(self.tasks.values(), probes)
        pending = {check: "not asked yet" for check in probes}  # → what it answered last
        while pending:
            for proc in self.processes:
                code = proc.exit_code()
                if code is not None:
                    why = failure_reason(proc.output()) or "it wrote nothing"
                    raise StartupError(f"{proc.name} {describe_exit(code)} during startup: {why}", proc)
            for check in list(pending):
                outcome = probe(client, check)
                if outcome is None:
                    del pending[check]
                else:
                    pending[check] = outcome
            if pending and time.monotonic() > deadline:
                first, *others = pending
                also = f" (also waiting for {', '.join(p.what for p in others)})" if others else ""
                raise StartupError(
                    f"not ready after {self.ready_timeout:g}s: {first.what}: {pending[first]}{also}",
                    first.process,
                )
            if pending:
                time.sleep(0.05)

    # -- for people ----------------------------------------------------------------------------
    def process_table(self) -> list[str]:
        rows = [("PROCESS", "PID", "LISTENS ON", "LOG")]
        for proc in self.processes:
            rows.append((proc.name, str(proc.pid), self._listens(proc.name), str(proc.log_path)))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        return [f"  {r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}" for r in rows]

    def _listens(self, name: str) -> str:
        if name == f"{GATEWAY} envoy":
            return f"{self.plan.gateway} (admin {self.plan.gateway_admin})"
        for task in self.layout.sidecar_tasks():
            s = task.sidecar
            assert s is not None
            if name == f"{task.name} app":
                return str(s.app)
            if name == f"{task.name} envoy":
                return f"ingress {s.ingress}, egress {s.egress} (admin {s.admin})"
        return ""


def file_name(task: str) -> str:
    """A task's name in file names: prices-v1/2 → prices-v1.2."""
    return task.replace("/", ".")


def _listen_addresses(task: LocalTask) -> list[Endpoint]:
    s = task.sidecar
    return [] if s is None else [s.app, s.ingress, s.egress, s.admin]
