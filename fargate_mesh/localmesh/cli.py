"""`localmesh`: validate a stack's mesh, show its routes, render its Envoy configs, or run it here;
look at a running mesh's tasks, or stop one for an experiment.

Exit codes: 0 ok, 1 the mesh could not run on this machine, 2 invalid spec or usage.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fargate_mesh import spec as meshspec
from fargate_mesh.localmesh import DATAPLANE
from fargate_mesh.localmesh.layout import MAX_REPLICAS
from fargate_mesh.localmesh.ports import PortNeedsPrivilegesError, PortUnavailableError, free_port_near
from fargate_mesh.localmesh.route_table import route_table
from fargate_mesh.localmesh.trust import default_ca_file
from fargate_mesh.model import CompiledMesh, compile_checked, unsupported
from fargate_mesh.model.dataplanes import INFO
from fargate_mesh.render.envoy.plan import Endpoint, fargate_plan
from fargate_mesh.spec import Mesh, SpecError
from fargate_mesh.spec.loader import StackNotFoundError

EXIT_OK, EXIT_RUNTIME, EXIT_SPEC = 0, 1, 2
if TYPE_CHECKING:
    from fargate_mesh.localmesh.runner import LocalMesh
    from fargate_mesh.localmesh.status import Run

READY_LINE = "localmesh ready: {url}"
# The Makefile sets this to its target, so that hints name what the user typed: `make demo PORT=8081`.
MAKE_TARGET_ENV = "LOCALMESH_MAKE_TARGET"
CA_FILE_HELP = "CA bundle for external TLS backends (default: this machine's, e.g. $SSL_CERT_FILE)"


def say(line: str = "") -> None:
    # Flushed per line: scripts and tests read this through a pipe while the mesh keeps running.
    print(line, flush=True)


def error(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class _Stop(Exception):
    """SIGINT, SIGTERM or SIGHUP: stop."""


def stack_path(stack: str, stacks_dir: Path) -> Path:
    """`dev` names stacks/Pulumi.dev.yaml; anything that looks like a file is used as given."""
    if stack.endswith((".yaml", ".yml")) or "/" in stack:
        return Path(stack)
    return meshspec.stack_file(stack, stacks_dir)


def how_to_set(option: str, value: object) -> str:
    """How the user gives `option` on the command they ran: `--port 8081`, or `make demo PORT=8081`."""
    target = os.environ.get(MAKE_TARGET_ENV)
    return f"make {target} {option.upper()}={value}" if target else f"--{option} {value}"


def load(args: argparse.Namespace) -> tuple[Mesh, CompiledMesh] | None:
    """The stack's spec, valid and runnable on Envoy, and its compiled mesh; None (and every problem
    printed) otherwise."""
    path = stack_path(args.stack, args.stacks_dir)
    try:
        mesh = meshspec.load_stack_file(path)
        return mesh, compile_checked(mesh, DATAPLANE, source=str(path))
    except StackNotFoundError as err:
        pick = f"; pick one, e.g. {how_to_set('stack', err.available[0])}" if err.available else ""
        error(f"localmesh: {err}{pick}")
        return None
    except SpecError as err:
        error(str(err))
        return None


def cmd_validate(args: argparse.Namespace) -> int:
    loaded = load(args)
    if loaded is None:
        return EXIT_SPEC
    mesh, compiled = loaded
    versions = sum(len(s.versions) for s in mesh.services.values())
    say(
        f"OK: {stack_path(args.stack, args.stacks_dir)} is a valid mesh spec ({len(mesh.services)} services, "
        f"{versions} versions, {len(mesh.gateway.routes)} gateway routes)"
    )
    # localmesh runs Envoy; the stack's own data plane may refuse what Envoy takes: say so now.
    elsewhere = unsupported(compiled, mesh.dataplane)
    if elsewhere:
        say(
            f"note: {INFO[mesh.dataplane].title} (dataplane: {mesh.dataplane}, for `pulumi up`) would refuse:"
        )
        for problem in elsewhere:
            say(f"  - {problem}")
    return EXIT_OK


def cmd_routes(args: argparse.Namespace) -> int:
    loaded = load(args)
    if loaded is None:
        return EXIT_SPEC
    for line in route_table(loaded[1]):
        say(line)
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    from fargate_mesh.localmesh.launch import envoy_validate
    from fargate_mesh.render.envoy import render_all

    loaded = load(args)
    if loaded is None:
        return EXIT_SPEC
    mesh = loaded[1]
    # What the envoy data plane ships to its Fargate tasks, and what `up` runs but for addresses.
    plan = fargate_plan(mesh)
    ca_file = str(args.ca_file) if args.ca_file is not None else default_ca_file()
    try:
        configs = render_all(mesh, plan, access_log_dir=args.access_log_dir, ca_file=ca_file)
    except ValueError as err:  # e.g. a TLS external backend and no CA file on this machine
        error(f"localmesh: {err}; pass --ca-file PATH")
        return EXIT_RUNTIME
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, bootstrap in configs.items():
        path = args.out / f"{name}.json"
        path.write_text(json.dumps(bootstrap, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    addresses = plan.as_dict()
    (args.out / "addresses.json").write_text(json.dumps(addresses, indent=2) + "\n", encoding="utf-8")
    for path in written:
        say(f"wrote {path}")
    say(f"wrote {args.out / 'addresses.json'}")
    if not args.check:
        return EXIT_OK
    failed = 0
    for path in written:
        result = envoy_validate(path)
        if result.returncode == 0:
            say(f"envoy accepts {path.name}")
        else:
            failed += 1
            error(f"envoy rejects {path.name}:\n{(result.stdout + result.stderr).strip()}")
    return EXIT_RUNTIME if failed else EXIT_OK


DIAGRAM_FORMATS = ("mermaid", "dot", "svg", "markdown")


def cmd_diagram(args: argparse.Namespace) -> int:
    from fargate_mesh.render import diagram

    loaded = load(args)
    if loaded is None:
        return EXIT_SPEC
    drawn = diagram.architecture(loaded[1])
    if args.format == "markdown":
        text = diagram.to_markdown(drawn, str(stack_path(args.stack, args.stacks_dir)))
    elif args.format == "mermaid":
        text = diagram.to_mermaid(drawn)
    else:
        text = diagram.to_dot(drawn)
        if args.format == "svg":
            try:
                text = diagram.to_svg(text)
            except diagram.DiagramError as err:
                error(f"localmesh: {err}")
                return EXIT_RUNTIME
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    say(f"wrote {args.out}")
    return EXIT_OK


@contextmanager
def _stop_signals() -> Iterator[None]:
    def stop(signum: int, _frame: object) -> None:
        raise _Stop(signal.Signals(signum).name)

    # SIGINT too: Python raises KeyboardInterrupt only if SIGINT was not ignored when it started, and a
    # shell runs a background job (`localmesh up &`, nohup, some CI runners) with SIGINT ignored.
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _no_interruptions() -> Iterator[None]:
    """Teardown must finish: a second Ctrl-C would otherwise leave processes behind."""
    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in sigs}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def cmd_up(args: argparse.Namespace) -> int:
    from fargate_mesh.localmesh.runner import LocalMesh, LocalMeshError

    loaded = load(args)
    if loaded is None:
        return EXIT_SPEC
    mesh = loaded[0]
    unknown = sorted(set(args.external) - set(mesh.external))
    if unknown:
        known = ", ".join(mesh.external) or "none"
        error(
            f"localmesh: --external names {', '.join(unknown)}, not an external backend of the spec (known: {known})"
        )
        return EXIT_SPEC
    running = LocalMesh(
        mesh,
        gateway_port=args.port if args.port is not None else mesh.gateway.port,
        host=args.host,
        run_dir=args.run_dir,
        apps_dir=args.apps_dir,
        ready_timeout=args.timeout,
        envoy_concurrency=args.concurrency,
        external=args.external,
        ca_file=args.ca_file,
        say=say,
        replicas=args.replicas,
    )
    code = EXIT_OK
    with _stop_signals():
        try:
            running.start()
            _announce(running)
            if args.demo:
                from fargate_mesh.localmesh.demo import run_demo

                run_demo(running, say)
            while True:
                time.sleep(0.5)
                running.check()  # a dead task is replaced, not fatal; only a broken supervisor is
        except (KeyboardInterrupt, _Stop):
            say("stopping")
        except PortUnavailableError as err:
            error(f"localmesh: {err}{_another_port(err, args.host)}")
            code = EXIT_RUNTIME
        except (LocalMeshError, OSError) as err:
            error(f"localmesh: {err}")
            code = EXIT_RUNTIME
        finally:
            with _no_interruptions():
                running.stop()
    if running.processes:  # else nothing started, so nothing stopped
        say("localmesh stopped: every process ended")
    return code


def _another_port(err: PortUnavailableError, host: str) -> str:
    """A free port to try, said the way the user sets it."""
    if not err.port:
        return ""
    if isinstance(err, PortNeedsPrivilegesError):
        suggested = free_port_near(host, 8080)
        return f", e.g. {how_to_set('port', suggested)}" if suggested else ""
    suggested = free_port_near(host, err.port + 1)
    return f"; pick another, e.g. {how_to_set('port', suggested)}" if suggested else "; pick another"


def _announce(running: LocalMesh) -> None:
    steps = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in running.timings.items())
    say(f"started in {running.startup_seconds:.1f}s ({steps})")
    say("processes:")
    for line in running.process_table():
        say(line)
    say("routes:")
    for line in route_table(running.compiled, str(running.plan.gateway)):
        say(f"  {line}")
    for name, at in running.plan.external.items():
        ext = running.compiled.externals[name]
        say(
            f"external {name} ({ext.host}:{ext.port}) is sent to {at} here; pass --external {name}=HOST:PORT to change"
        )
    say(
        f"gateway: {running.gateway_url}   (try: curl {running.gateway_url}{running.compiled.gateway.health_check_path})"
    )
    say(f"logs: {running.run_path / 'logs'}  (Envoy access logs: {running.access_log_dir})")
    say(f"tasks: localmesh status --run-dir {running.run_path}   (a dead task is started again)")
    say(READY_LINE.format(url=running.gateway_url))
    say("Ctrl-C stops everything.")


def _running(args: argparse.Namespace) -> Run | None:
    from fargate_mesh.localmesh.status import NoRunningMesh, latest_run, load_run

    try:
        return load_run(args.run_dir) if args.run_dir is not None else latest_run(args.runs_root)
    except NoRunningMesh as err:
        error(f"localmesh: {err}")
        return None


def cmd_status(args: argparse.Namespace) -> int:
    import httpx

    from fargate_mesh.localmesh.status import collect, status_table

    run = _running(args)
    if run is None:
        return EXIT_RUNTIME
    with httpx.Client(trust_env=False, timeout=2.0) as client:
        report = collect(run, client)
    for line in status_table(run, report):
        say(line)
    return EXIT_OK


def cmd_stop_task(args: argparse.Namespace) -> int:
    from fargate_mesh.localmesh.status import stop_task

    run = _running(args)
    if run is None:
        return EXIT_RUNTIME
    sig = signal.SIGKILL if args.kill else signal.SIGTERM
    try:
        signalled = stop_task(run, args.task, sig)
    except KeyError as err:
        error(f"localmesh: {err.args[0]}")
        return EXIT_SPEC
    if not signalled:
        say(f"{args.task}: no process of it is running (it is being started again)")
        return EXIT_OK
    say(
        f"sent {sig.name} to {args.task} ({', '.join(signalled)}); localmesh will start it again after its back-off"
    )
    return EXIT_OK


def _external_arg(text: str) -> tuple[str, Endpoint]:
    name, sep, address = text.partition("=")
    host, colon, port = address.rpartition(":")
    if not (sep and colon and name and host and port.isdigit()):
        raise argparse.ArgumentTypeError(f"expected NAME=HOST:PORT, got {text!r}")
    return name, Endpoint(host, int(port))


class _MergeDict(argparse.Action):
    """Repeated NAME=HOST:PORT options collected into one dict."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        name, endpoint = values
        setattr(namespace, self.dest, {**(getattr(namespace, self.dest) or {}), name: endpoint})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="localmesh",
        description="Run a stack's service mesh on this machine with real Envoy.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def stack_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--stack", required=True, help="stack name (dev → stacks/Pulumi.dev.yaml) or a file path"
        )
        p.add_argument("--stacks-dir", type=Path, default=Path("stacks"), help="where stack files live")

    p = sub.add_parser("validate", help="check a stack's mesh spec; every problem by field path")
    stack_args(p)
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("routes", help="print the route table; starts nothing")
    stack_args(p)
    p.set_defaults(handler=cmd_routes)

    p = sub.add_parser("render", help="write every Envoy bootstrap as shipped to Fargate tasks, as JSON")
    stack_args(p)
    p.add_argument("--out", type=Path, required=True, help="folder for the JSON files")
    p.add_argument("--access-log-dir", default=None, help="where the configs write access logs")
    p.add_argument("--check", action="store_true", help="also have Envoy validate each file")
    p.add_argument("--ca-file", type=Path, default=None, help=CA_FILE_HELP)
    p.set_defaults(handler=cmd_render)

    p = sub.add_parser("diagram", help="draw the stack's architecture (Mermaid, DOT or SVG)")
    stack_args(p)
    p.add_argument(
        "--format",
        choices=DIAGRAM_FORMATS,
        default="mermaid",
        help="mermaid (default; code hosts render it), dot, svg (needs Graphviz), or markdown (Mermaid in a page)",
    )
    p.add_argument("--out", type=Path, default=None, help="write to this file (default: standard output)")
    p.set_defaults(handler=cmd_diagram)

    p = sub.add_parser("up", help="run the mesh here until Ctrl-C")
    stack_args(p)
    p.add_argument("--port", type=int, default=None, help="gateway port (default: the spec's, 8080 in dev)")
    p.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    p.add_argument(
        "--run-dir", type=Path, default=None, help="configs and logs (default .localmesh/run-<time>)"
    )
    p.add_argument("--apps-dir", type=Path, default=Path("apps"), help="where apps/<service> live")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for readiness")
    p.add_argument("--concurrency", type=int, default=1, help="worker threads per Envoy")
    p.add_argument("--demo", action="store_true", help="once ready, send sample requests and show results")
    p.add_argument(
        "--replicas",
        type=int,
        default=None,
        help=f"tasks per version (default: each version's desiredCount, at most {MAX_REPLICAS})",
    )
    p.add_argument(
        "--external",
        type=_external_arg,
        action=_MergeDict,
        default={},
        metavar="NAME=HOST:PORT",
        help="where an external backend is reached (default: a local port nothing listens on)",
    )
    p.add_argument("--ca-file", type=Path, default=None, help=CA_FILE_HELP)
    p.set_defaults(handler=cmd_up)

    def run_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--run-dir", type=Path, default=None, help="the run folder of a running `up`")
        p.add_argument(
            "--runs-root",
            type=Path,
            default=Path(".localmesh"),
            help="without --run-dir: the newest running mesh's folder under this one",
        )

    p = sub.add_parser("status", help="each task of a running mesh: pids, restarts, requests, health")
    run_args(p)
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("stop-task", help="stop one task of a running mesh (it is started again)")
    p.add_argument(
        "task",
        metavar="TASK",
        help="a task name as status shows it (prices-v1, prices-v1/2, gateway); a version's name stops all its tasks",
    )
    p.add_argument("--kill", action="store_true", help="SIGKILL instead of SIGTERM")
    run_args(p)
    p.set_defaults(handler=cmd_stop_task)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "port", None) is not None and not 1 <= args.port <= 65535:
        error(f"localmesh: --port must be 1..65535 (got {args.port})")
        return EXIT_SPEC
    if getattr(args, "replicas", None) is not None and not 1 <= args.replicas <= MAX_REPLICAS:
        error(f"localmesh: --replicas must be 1..{MAX_REPLICAS} (got {args.replicas})")
        return EXIT_SPEC
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
