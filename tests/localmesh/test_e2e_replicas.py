"""A version of two tasks behind real Envoy, as on Fargate: callers balance across them, and retries,
outlier detection and the task supervisor keep clients whole when one fails.

One mesh per module: the flaky app as service `flaky`, v1 with desiredCount 2, each task on its own
loopback address; its callers are the gateway and the sidecar of `front` (one task, flaky declared as
its backend), which tests use as an HTTP proxy, as front's app would. Every test leaves both tasks serving (tests of this
module may also run on another pytest worker, with a mesh of its own). A task is "broken" while a
file named after it exists: it answers 503 but passes its health check, so only retries and outlier
detection can route around it. The figures each test prints are the report's.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from fargate_mesh import naming
from fargate_mesh import spec as meshspec
from fargate_mesh.localmesh.layout import LocalTask
from fargate_mesh.localmesh.runner import LocalMesh, file_name
from fargate_mesh.localmesh.status import collect, load_run, stop_task
from fargate_mesh.localmesh.supervisor import Phase, RestartPolicy
from fargate_mesh.render.envoy.plan import Endpoint
from tests.helpers.localmesh import flaky_app, free_port, running_mesh

pytestmark = pytest.mark.e2e

EJECTION_SECONDS = 3.0
INTERVAL_SECONDS = 1.0
OUTLIER = {
    "maxServerErrors": 3,
    "maxEjectionPercent": 50,
    "interval": f"{INTERVAL_SECONDS:g}s",
    "baseEjectionDuration": f"{EJECTION_SECONDS:g}s",
}
# What front's app would call: flaky's virtual service, through front's sidecar (its HTTP proxy).
FLAKY_URL = "http://flaky.t.local:8080/load"
# The route's per-request timeout: App Mesh's default, as the spec gives none.
ROUTE_TIMEOUT_SECONDS = 15.0


def broken_flag(folder: Path, at: Endpoint) -> Path:
    return folder / f"broken-{at.host}"


def app_command(folder: Path) -> Callable[[str, str, Endpoint], Sequence[str]]:
    def command(service: str, version: str, at: Endpoint) -> Sequence[str]:
        return [*flaky_app(service, version, at), "--broken-if", str(broken_flag(folder, at))]

    return command


@pytest.fixture(scope="module")
def flags(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("flags")


def two_services() -> meshspec.Mesh:
    """flaky (v1: two tasks, outlier detection), called by the gateway and by front's sidecar."""
    return meshspec.parse_mesh(
        {
            "name": "replicas",
            "namespace": "t.local",
            "domain": "api.t.example.com",
            "hostedZone": "example.com",
            "gateway": {"routes": [{"match": {"prefix": "/"}, "service": "flaky"}]},
            "services": {
                "flaky": {
                    "desiredCount": 2,
                    "outlierDetection": OUTLIER,
                    "versions": {"v1": {"weight": 100}},
                },
                "front": {"backends": ["flaky"], "versions": {"v1": {"weight": 100}}},
            },
        }
    )


@pytest.fixture(scope="module")
def running(flags: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMesh]:
    mesh = LocalMesh(
        two_services(),
        gateway_port=free_port(),
        run_dir=tmp_path_factory.mktemp("replicas-run"),
        app_command=app_command(flags),
        # Long enough to see a version with no task, short enough for the suite.
        restart=RestartPolicy(first_delay=2.0),
    )
    yield from running_mesh(mesh)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=ROUTE_TIMEOUT_SECONDS + 5) as c:
        yield c


def tasks(running: LocalMesh) -> list[LocalTask]:
    return running.layout.tasks_of("flaky", "v1")


def app_of(task: LocalTask) -> str:
    assert task.sidecar is not None
    return str(task.sidecar.app)


def cluster(running: LocalMesh) -> str:
    """Every caller's cluster for flaky v1 (App Mesh's name)."""
    service = running.compiled.services["flaky"]
    return naming.egress_cluster(running.compiled.name, service.versions["v1"].node, "http", service.port)


def gateway_stat(running: LocalMesh, client: httpx.Client, name: str) -> int:
    return caller_stat(running, client, name, running.admin_url())


def caller_stat(running: LocalMesh, client: httpx.Client, name: str, admin: str) -> int:
    """A counter or gauge of a caller's flaky-v1 cluster (0 before Envoy creates it)."""
    full = f"cluster.{cluster(running)}.{name}"
    for line in client.get(f"{admin}/stats", params={"filter": full}).text.splitlines():
        key, _, value = line.partition(": ")
        if key == full:
            return int(value)
    return 0


def served_by(client: httpx.Client, running: LocalMesh, count: int, path: str = "/replicas") -> Counter[str]:
    """Which task's app answered each of `count` requests through the gateway (status 200 only)."""
    seen: Counter[str] = Counter()
    for _ in range(count):
        response = client.get(f"{running.gateway_url}{path}")
        assert response.status_code == 200, response.text
        seen[response.headers["x-served-by"]] += 1
    return seen


def wait_both_serving(running: LocalMesh, client: httpx.Client, timeout: float = 30.0) -> None:
    """Until every task runs, none is ejected, and the gateway sends requests to both again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running_all = all(running.tasks[t.name].phase is Phase.RUNNING for t in tasks(running))
        if running_all and gateway_stat(running, client, "outlier_detection.ejections_active") == 0:
            try:
                if len(served_by(client, running, 4)) == 2:
                    return
            except AssertionError:
                pass
        time.sleep(0.2)
    pytest.fail(f"both tasks did not serve again within {timeout}s")


def access_lines(running: LocalMesh, since: int, task: str = "gateway") -> list[dict[str, object]]:
    """A task's Envoy access log entries from byte `since` on."""
    log = running.access_log_dir / f"{file_name(task)}.access.log"
    time.sleep(0.7)  # Envoy flushes access logs every 500 ms
    with log.open("rb") as f:
        f.seek(since)
        return [json.loads(line) for line in f.read().decode().splitlines() if line.strip()]


def access_offset(running: LocalMesh, task: str = "gateway") -> int:
    time.sleep(0.7)
    log = running.access_log_dir / f"{file_name(task)}.access.log"
    return log.stat().st_size if log.exists() else 0


def test_the_gateway_balances_round_robin_across_the_versions_tasks(
    running: LocalMesh, client: httpx.Client
) -> None:
    """GIVEN flaky v1 with desiredCount 2: two tasks, each on its own address at Fargate's app port
    WHEN 40 requests go through the gateway one after another
    THEN the gateway found both tasks by asking our DNS server for flaky-v1.t.local, and its round
    robin (App Mesh's policy) gives each task half of the requests; so does front's sidecar"""
    wait_both_serving(running, client)
    both = tasks(running)
    assert len(both) == 2 and len({t.address for t in both}) == 2
    assert all(app_of(t).endswith(":8080") for t in both)
    assert running.dns is not None and running.dns.queries("flaky-v1.t.local")
    seen = served_by(client, running, 40)
    with httpx.Client(proxy=running.egress_proxy_url("front", "v1"), trust_env=False, timeout=5) as front:
        via_front = Counter(front.get(FLAKY_URL).headers["x-served-by"] for _ in range(40))
    print(f"\nround robin over 40 requests: gateway {dict(seen)}, front's sidecar {dict(via_front)}")
    for counts in (seen, via_front):
        assert set(counts) == {app_of(t) for t in both}
        assert abs(counts[app_of(both[0])] - counts[app_of(both[1])]) <= 2, counts


def test_a_retry_lands_on_the_healthy_task_while_a_broken_replica_answers_503(
    running: LocalMesh, client: httpx.Client, flags: Path
) -> None:
    """GIVEN flaky v1's first task broken (503 to every request, healthy to its health check)
    WHEN 20 requests go through the gateway
    THEN every one answers 200 from the second task: the requests sent to the broken task were
    retried (App Mesh's default retry: 503, other host) and the access log shows two attempts"""
    wait_both_serving(running, client)
    broken, healthy = tasks(running)
    retries_before = gateway_stat(running, client, "upstream_rq_retry")
    since = access_offset(running)
    flag = broken_flag(flags, Endpoint(broken.address, 8080))
    flag.touch()
    try:
        seen = served_by(client, running, 20, "/retried")
    finally:
        flag.unlink()
    retries = gateway_stat(running, client, "upstream_rq_retry") - retries_before
    retried = [e for e in access_lines(running, since) if e["path"] == "/retried" and e["attempts"] != 1]
    print(f"\n20 requests with {broken.name} broken: answered by {dict(seen)}; {retries} retried:")
    for entry in retried:
        print(
            f"  {entry['request_id']} status {entry['status']} after {entry['attempts']} attempts, last {entry['upstream_host']}"
        )
    assert seen == Counter({app_of(healthy): 20})
    assert retries >= 1 and len(retried) == retries
    assert all(e["status"] == 200 and e["upstream_host"] == f"{healthy.address}:15000" for e in retried)


def test_a_task_that_returns_5xx_is_ejected_and_back_after_the_ejection_time(
    running: LocalMesh, client: httpx.Client, flags: Path
) -> None:
    """GIVEN outlier detection: 3 consecutive 5xx eject a task for 3 s (checked every 1 s)
    WHEN flaky v1's second task answers 503 until the gateway ejects it, then is fixed
    THEN the gateway's stats show the ejection (ejections_enforced_consecutive_5xx +1, active 1) and
    `localmesh status` shows the task ejected by the gateway, and
    the task is back (active 0, requests reach it again) by 3 s + two intervals, sooner only when an
    active health check passed meanwhile (Envoy un-ejects a host that passes one)"""
    wait_both_serving(running, client)
    _, broken = tasks(running)
    enforced = gateway_stat(running, client, "outlier_detection.ejections_enforced_consecutive_5xx")
    flag = broken_flag(flags, Endpoint(broken.address, 8080))
    flag.touch()
    # Each moment is known only between two stat reads, and reads are slow on a loaded machine: the
    # true ejection lies in (last_clear, ejected_seen], the return in (last_active, back_seen].
    try:
        deadline = time.monotonic() + 10
        last_clear = time.monotonic()
        while True:
            read_at = time.monotonic()
            if gateway_stat(running, client, "outlier_detection.ejections_active") != 0:
                break
            last_clear = read_at
            assert time.monotonic() < deadline, "not ejected within 10 s"
            client.get(f"{running.gateway_url}/ejection")
        ejected_seen = time.monotonic()
    finally:
        flag.unlink()
    checks_when_ejected = gateway_stat(running, client, "health_check.success")
    shown = {row.name: row.seen_by for row in collect(load_run(running.run_path), client).tasks}
    after = gateway_stat(running, client, "outlier_detection.ejections_enforced_consecutive_5xx")
    last_active = ejected_seen
    while True:
        read_at = time.monotonic()
        if gateway_stat(running, client, "outlier_detection.ejections_active") == 0:
            break
        last_active = read_at
        assert read_at < ejected_seen + 15, "still ejected after 15 s"
        time.sleep(0.05)
    back_seen = time.monotonic()
    checks_when_back = gateway_stat(running, client, "health_check.success")
    longest, shortest = back_seen - last_clear, max(0.0, last_active - ejected_seen)
    seen = served_by(client, running, 6)
    print(
        f"\n{broken.name} ejected (ejections_enforced_consecutive_5xx {enforced} → {after}, "
        f"ejections_active 1), back after {shortest:.2f} to {longest:.2f}s (ejections_active 0); "
        f"then {dict(seen)}"
    )
    assert after == enforced + 1
    assert shown[broken.name]["gateway"] == "ejected", shown  # `localmesh status` says so too
    # Back within two outlier checks after the ejection time at the latest. Sooner only through an
    # active health check that passed meanwhile: Envoy then un-ejects the host at once
    # (outlier_detection.successful_active_health_check_uneject_host, on by default, as in App Mesh).
    assert shortest <= EJECTION_SECONDS + 2 * INTERVAL_SECONDS + 0.5, (shortest, longest)
    if longest < EJECTION_SECONDS - 0.2:
        assert checks_when_back > checks_when_ejected, (shortest, longest, "back early, no health check")
    assert app_of(broken) in seen


def test_one_of_two_tasks_killed_under_steady_load_fails_no_request(
    running: LocalMesh, client: httpx.Client
) -> None:
    """GIVEN steady load from front (4 clients, each pausing 20 ms between requests, through front's
    sidecar) on flaky v1's two tasks
    WHEN the first task is killed with SIGKILL (app and sidecar: `localmesh stop-task --kill`)
    THEN no client request fails: the ones in flight or sent to the dead task are retried on the
    other one (printed from front's sidecar's access log), outlier detection and the health check
    take it out, and the supervisor starts it again on its address"""
    wait_both_serving(running, client)
    killed, alive = tasks(running)
    front = running.layout.tasks_of("front", "v1")[0].name
    front_admin = running.admin_url("front", "v1")
    retries_before = caller_stat(running, client, "upstream_rq_retry", front_admin)
    since = access_offset(running, front)
    stop = threading.Event()
    results: Counter[str] = Counter()
    lock = threading.Lock()

    def load() -> None:
        proxy = running.egress_proxy_url("front", "v1")
        with httpx.Client(proxy=proxy, trust_env=False, timeout=ROUTE_TIMEOUT_SECONDS + 5) as c:
            while not stop.is_set():
                try:
                    outcome = str(c.get(FLAKY_URL).status_code)
                except httpx.HTTPError as err:
                    outcome = type(err).__name__
                with lock:
                    results[outcome] += 1
                # Steady, not flat out: a response already being forwarded when its task dies cannot be
                # retried by any proxy, and back-to-back load on a loaded 2-core machine widens that window.
                stop.wait(0.02)

    workers = [threading.Thread(target=load) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(1.0)
        signalled = stop_task(load_run(running.run_path), killed.name, signal.SIGKILL)
        assert len(signalled) == 2, signalled
        time.sleep(3.0)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    retries = caller_stat(running, client, "upstream_rq_retry", front_admin) - retries_before
    ejections = caller_stat(running, client, "outlier_detection.ejections_enforced_total", front_admin)
    retried = [e for e in access_lines(running, since, front) if e["path"] == "/load" and e["attempts"] != 1]
    total = sum(results.values())
    print(
        f"\n{total} requests from front over 4 s, {killed.name} killed after 1 s: {dict(results)}; "
        f"front's sidecar ejected it {ejections} time(s) so far and retried {retries}:"
    )
    for entry in retried:
        print(
            f"  {entry['request_id']} status {entry['status']} after {entry['attempts']} attempts, "
            f"last {entry['upstream_host']}"
        )
    assert results == Counter({"200": total}), results
    assert retried and all(e["upstream_host"] == f"{alive.address}:15000" for e in retried)
    wait_both_serving(running, client)  # the supervisor replaced it on its own address
    assert running.tasks[killed.name].restarts >= 1


def test_every_task_of_a_version_stopped_gives_a_clean_503_then_recovers(
    running: LocalMesh, client: httpx.Client
) -> None:
    """GIVEN both tasks of flaky v1 stopped (SIGKILL), the supervisor's back-off 2 s
    WHEN clients call through the gateway meanwhile
    THEN each gets a 503 from the gateway well within the route's timeout, and 200 again once a task
    is back"""
    wait_both_serving(running, client)
    stopped_at = time.monotonic()
    signalled = stop_task(load_run(running.run_path), "flaky-v1", signal.SIGKILL)  # every task of v1
    assert len(signalled) == 4, signalled
    answers = []
    while time.monotonic() < stopped_at + 1.5:
        sent = time.monotonic()
        response = client.get(f"{running.gateway_url}/nobody")
        answers.append((response.status_code, time.monotonic() - sent, response.text))
    assert {status for status, _, _ in answers} == {503}, answers
    slowest = max(seconds for _, seconds, _ in answers)
    assert slowest < ROUTE_TIMEOUT_SECONDS / 3
    while client.get(f"{running.gateway_url}/nobody").status_code != 200:
        assert time.monotonic() < stopped_at + 20, "no task served within 20 s"
        time.sleep(0.05)
    recovered = time.monotonic() - stopped_at
    print(
        f"\nboth tasks stopped: {len(answers)} requests answered 503 in at most {slowest * 1000:.0f} ms "
        f"({answers[0][2].strip()!r}); 200 again {recovered:.2f}s after the stop"
    )
    wait_both_serving(running, client)
