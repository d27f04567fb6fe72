"""The Envoy container's life on Fargate: how it starts, how ECS knows it is ready, how it stops.

Made for the upstream `envoyproxy/envoy` image (not `-distroless`): an Ubuntu base with bash, the
binary at /usr/local/bin/envoy, no curl (its Dockerfile installs only ca-certificates and tzdata;
envoyproxy/envoy distribution/docker/Dockerfile-envoy). Both commands below therefore speak HTTP to
Envoy's admin interface through bash's /dev/tcp. The image's entrypoint runs a command that does not
start with "-" as given (as the `envoy` user unless ENVOY_UID=0), so bash becomes the container's main
process and receives ECS's SIGTERM.

Start (`container_command`): bash starts Envoy in the background and waits. Envoy alone would exit at
once on SIGTERM, dropping requests in flight
(https://www.envoyproxy.io/docs/envoy/v1.40.0/intro/arch_overview/operations/draining: "By default,
the Envoy server will close listeners immediately on server shutdown"). So on SIGTERM the wrapper
- asks the admin interface to `POST /drain_listeners?graceful`: for `--drain-time-s` Envoy keeps
  accepting connections but closes them after each response (HTTP/1 `connection: close`, HTTP/2
  GOAWAY), so callers move to other tasks (same page). Then it stops its listeners; it does not exit
  by itself (Envoy 1.40, observed here: tests/localmesh/test_envoy_lifecycle.py);
- `--drain-strategy immediate`: every connection is told to close from the first second of the drain
  rather than on a rising fraction of requests, since the task is leaving for good;
- waits `drain_seconds` (or less if Envoy exits), then sends Envoy SIGTERM and exits 0.
ECS sends SIGKILL `stopTimeout` seconds after SIGTERM (Fargate: default 30, at most 120;
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html, stopTimeout),
so the drain must end well before it. If Envoy exits by itself, the wrapper exits with its status, so a
crashed Envoy stops the task.

Ready (`health_check`): an ECS container health check, exec form (`CMD`), that GETs the admin
`/ready`; it succeeds only on `200` with the body `LIVE` (the server state; 503 with PRE_INITIALIZING,
INITIALIZING or DRAINING otherwise: admin.v3.ServerInfo.State). An app container that `dependsOn`
Envoy being HEALTHY then starts only once Envoy's clusters are initialised.

Not verifiable here (no Docker): the image's entrypoint was read from public copies of it, not run;
that Ubuntu's bash has /dev/tcp enabled is checked with this machine's Debian bash, which is built the
same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fargate_mesh.facts import ENVOY_ADMIN_PORT
from fargate_mesh.render.envoy.plan import Endpoint

ADMIN = Endpoint("127.0.0.1", ENVOY_ADMIN_PORT)
DRAIN_SECONDS = 15
STOP_TIMEOUT_SECONDS = 25
FARGATE_MAX_STOP_TIMEOUT_SECONDS = 120
# Time between the end of the drain and SIGKILL: the admin call, Envoy's own exit, scheduling noise.
EXIT_MARGIN_SECONDS = 5
ENVOY_BINARY = "envoy"  # on PATH in the image: /usr/local/bin/envoy

# $1 admin host, $2 admin port, $3 drain seconds; the rest is Envoy's command line.
_WRAPPER = r"""admin_host=$1 admin_port=$2 drain_seconds=$3
shift 3
"$@" &
envoy_pid=$!
drain_and_stop() {
  trap '' TERM INT
  echo "envoy-lifecycle: $1: draining listeners for ${drain_seconds}s" >&2
  if exec 3<>"/dev/tcp/$admin_host/$admin_port"; then
    printf 'POST /drain_listeners?graceful HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' "$admin_host" >&3
    IFS= read -r -t 2 status <&3 || status="no answer"
    exec 3>&-
    echo "envoy-lifecycle: admin: ${status%$'\r'}" >&2
  fi
  deadline=$((SECONDS + drain_seconds))
  while ((SECONDS < deadline)) && kill -0 "$envoy_pid" 2>/dev/null; do sleep 0.2; done
  kill -TERM "$envoy_pid" 2>/dev/null
  wait "$envoy_pid"
  echo "envoy-lifecycle: stopped" >&2
  exit 0
}
trap 'drain_and_stop SIGTERM' TERM
trap 'drain_and_stop SIGINT' INT
wait "$envoy_pid"
"""

# $1 admin host, $2 admin port, $3 seconds to wait for the answer. Exit 0 only for "200" and a body
# line "LIVE" (Envoy sends the body chunked: "5\r\nLIVE\n\r\n0\r\n\r\n"; HTTP/1.0, unchunked, it refuses).
_READY = r"""exec 3<>"/dev/tcp/$1/$2" || exit 1
printf 'GET /ready HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$1" >&3
IFS= read -r -d '' -t "$3" response <&3
body=$'\n'${response#*$'\r\n\r\n'}
[[ $response == 'HTTP/1.1 200 '* && $body == *$'\n'LIVE$'\n'* ]]
"""


@dataclass(frozen=True)
class Lifecycle:
    """Where the admin interface is, and how long a stopping Envoy drains."""

    admin: Endpoint = ADMIN
    drain_seconds: int = DRAIN_SECONDS
    stop_timeout_seconds: int = STOP_TIMEOUT_SECONDS
    # ECS health check settings (HealthCheck in the ECS API; its ranges in the comments).
    interval_seconds: int = 5  # 5-300
    timeout_seconds: int = 4  # 2-60
    retries: int = 3  # 1-10
    start_period_seconds: int = 10  # 0-300

    def __post_init__(self) -> None:
        problems = []
        if self.drain_seconds < 0:
            problems.append(f"drain_seconds: {self.drain_seconds} is negative")
        if not 0 < self.stop_timeout_seconds <= FARGATE_MAX_STOP_TIMEOUT_SECONDS:
            problems.append(
                f"stop_timeout_seconds: {self.stop_timeout_seconds} is not between 1 and "
                f"{FARGATE_MAX_STOP_TIMEOUT_SECONDS} (Fargate's maximum)"
            )
        elif self.drain_seconds + EXIT_MARGIN_SECONDS > self.stop_timeout_seconds:
            problems.append(
                f"drain_seconds: {self.drain_seconds} leaves less than {EXIT_MARGIN_SECONDS}s before "
                f"stop_timeout_seconds ({self.stop_timeout_seconds}), when ECS kills the container"
            )
        for name, low, high in (
            ("interval_seconds", 5, 300),
            ("timeout_seconds", 2, 60),
            ("retries", 1, 10),
            ("start_period_seconds", 0, 300),
        ):
            value = getattr(self, name)
            if not low <= value <= high:
                problems.append(f"{name}: {value} is not between {low} and {high} (ECS HealthCheck)")
        if problems:
            raise ValueError("; ".join(problems))


def container_command(
    config_args: Sequence[str],
    lifecycle: Lifecycle = Lifecycle(),
    envoy: str = ENVOY_BINARY,
    extra_args: Sequence[str] = (),
) -> list[str]:
    """The Envoy container's `command`: the drain-on-SIGTERM wrapper around Envoy.

    config_args: how Envoy gets its bootstrap, e.g. ["--config-yaml", json] or ["-c", path]
    (delivery.py decides). extra_args: more of Envoy's options (log level, concurrency, ...).
    """
    admin = lifecycle.admin
    drain = str(lifecycle.drain_seconds)
    envoy_argv = [envoy, *config_args, "--drain-time-s", drain, "--drain-strategy", "immediate", *extra_args]
    return ["bash", "-c", _WRAPPER, "envoy-lifecycle", admin.host, str(admin.port), drain, *envoy_argv]


def health_check(lifecycle: Lifecycle = Lifecycle()) -> dict[str, Any]:
    """The Envoy container's ECS `healthCheck` (API field names)."""
    admin = lifecycle.admin
    # The answer must come before ECS gives up on the command, so a slow Envoy reads as unhealthy.
    read_timeout = str(max(1, lifecycle.timeout_seconds - 1))
    return {
        "command": ["CMD", "bash", "-c", _READY, "envoy-ready", admin.host, str(admin.port), read_timeout],
        "interval": lifecycle.interval_seconds,
        "timeout": lifecycle.timeout_seconds,
        "retries": lifecycle.retries,
        "startPeriod": lifecycle.start_period_seconds,
    }
