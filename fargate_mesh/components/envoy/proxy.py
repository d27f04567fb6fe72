"""Upstream Envoy in an ECS task, as the task builder's Proxy: a sidecar in front of a version's app,
or the gateway's only container. It runs exactly the bootstrap rendered for its task.

- Start and stop: render/envoy/lifecycle.py's wrapper (bash) starts Envoy and, on ECS's SIGTERM,
  drains its listeners for `drain_seconds` before it exits; `stopTimeout` leaves room for it.
- Ready: an exec-form health check through bash's /dev/tcp (the image has bash, no curl) that passes
  once the admin interface says LIVE; the app starts only when Envoy is HEALTHY.
- As uid 1337 with a read-only root filesystem: Envoy writes nothing but its logs to stdout.
- The bootstrap inline in the command, or (too big for the task definition) fetched from S3 by an
  init container into a task volume Envoy reads it from; the task role may read that one object.
- No proxyConfiguration: the app's calls reach the sidecar through HTTP_PROXY (egress.py).
- Mesh TLS: the task's setup container (components/tls/setup.py) writes its certificate, key and CA
  into a task volume; Envoy mounts it read-only and starts once the setup has succeeded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from fargate_mesh import naming
from fargate_mesh.components.ecs import iam
from fargate_mesh.components.ecs.containers import Container
from fargate_mesh.components.envoy.egress import proxy_environment
from fargate_mesh.components.tls.setup import TlsDelivery
from fargate_mesh.facts import AWS_CLI_IMAGE, UPSTREAM_ENVOY_IMAGE
from fargate_mesh.render.envoy.delivery import BOOTSTRAP_PATH, Delivery
from fargate_mesh.render.envoy.lifecycle import Lifecycle, container_command, health_check

ENVOY_CONTAINER = "envoy"
BOOTSTRAP_CONTAINER = "envoy-bootstrap"
BOOTSTRAP_VOLUME = "envoy-bootstrap"
ENVOY_UID = "1337"
# Hot restart needs shared memory and a second Envoy in the container; ECS replaces tasks instead.
ENVOY_EXTRA_ARGS = ("--disable-hot-restart",)


@dataclass(frozen=True)
class EnvoyImages:
    """What the proxy's containers run: pinned, overridable (MeshPlatformArgs.envoy_image).

    Args:
        envoy: Envoy's image. Default the upstream release the bootstraps are validated with
            (facts.UPSTREAM_ENVOY_IMAGE).
        aws_cli: The image of the init container that fetches a bootstrap kept in S3. Default
            facts.AWS_CLI_IMAGE.
    """

    envoy: str = UPSTREAM_ENVOY_IMAGE
    aws_cli: str = AWS_CLI_IMAGE  # the S3 delivery's init container


@dataclass(frozen=True)
class S3Bootstrap:
    """Where a bootstrap too big for its task definition was stored (components/envoy/delivery.py)."""

    url: pulumi.Input[str]  # s3://bucket/key
    object_arn: pulumi.Input[str]


@dataclass(frozen=True)
class EnvoyProxy:
    """Upstream Envoy in a task running one rendered bootstrap: a service version's sidecar, or the
    gateway's only container. Made by `envoy_sidecars` and `envoy_gateway_proxy` (or the platform).

    Args:
        delivery: The bootstrap and how it reaches the container (inline, or S3). Required.
        images: Default EnvoyImages().
        lifecycle: How Envoy starts, drains and is health checked. Default Lifecycle().
        s3: Where an "s3" delivery's bootstrap is stored. Default None; required for "s3".
        gateway_port: A gateway's: the port the ALB sends to. Default None: a sidecar.
        tls: Mesh TLS: the certificate files its bootstrap reads. Default None: no mesh TLS.
        extra_ingress_ports: A sidecar's listeners in front of the app's extraPorts. Default none.
    """

    delivery: Delivery
    images: EnvoyImages = field(default_factory=EnvoyImages)
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    s3: S3Bootstrap | None = None  # required when delivery.mode is "s3"
    gateway_port: int | None = None  # a gateway: the port the ALB sends to; None: a sidecar
    tls: TlsDelivery | None = None  # mesh TLS: the certificate files its bootstrap reads
    # A sidecar's ingress listeners in front of the app's extraPorts (the plan's, 15101, ...): mapped
    # on the Envoy container, since peers dial them there and not through the app's own ports.
    extra_ingress_ports: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if (self.delivery.mode == "s3") != (self.s3 is not None):
            raise ValueError(
                f"EnvoyProxy: a bootstrap delivered {self.delivery.mode!r} needs "
                f"{'its stored object (s3)' if self.delivery.mode == 's3' else 'no s3 object'}"
            )

    @property
    def is_sidecar(self) -> bool:
        return self.gateway_port is None

    def command(self) -> list[str]:
        """The Envoy container's command: the lifecycle wrapper around Envoy and its bootstrap."""
        return container_command(self.delivery.envoy_config_args, self.lifecycle, extra_args=ENVOY_EXTRA_ARGS)

    def containers(self, log_configuration: Mapping[str, Any], tracing: bool) -> list[Container]:
        envoy: Container = {
            "name": ENVOY_CONTAINER,
            "image": self.images.envoy,
            "essential": True,
            "user": ENVOY_UID,
            "readonlyRootFilesystem": True,
            "command": self.command(),
            "healthCheck": health_check(self.lifecycle),
            "stopTimeout": self.lifecycle.stop_timeout_seconds,
            "ulimits": [{"name": "nofile", "softLimit": 15000, "hardLimit": 15000}],
            "logConfiguration": dict(log_configuration),
        }
        if not self.is_sidecar:
            envoy["portMappings"] = [{"containerPort": self.gateway_port, "protocol": "tcp"}]
        elif self.extra_ingress_ports:
            # awsvpc: the container port only (the host port is the same ENI's).
            envoy["portMappings"] = [
                {"containerPort": port, "protocol": "tcp", "name": naming.sidecar_ingress_port_mapping(port)}
                for port in self.extra_ingress_ports
            ]
        setup = self.tls.setup_containers(log_configuration) if self.tls is not None else []
        if setup:
            assert self.tls is not None
            envoy |= self.tls.envoy_additions()
        if self.s3 is None:
            return [*setup, envoy]
        mount = {"sourceVolume": BOOTSTRAP_VOLUME, "containerPath": BOOTSTRAP_PATH.rsplit("/", 1)[0]}
        envoy["mountPoints"] = [*envoy.get("mountPoints", []), {**mount, "readOnly": True}]
        envoy["dependsOn"] = [
            *envoy.get("dependsOn", []),
            {"containerName": BOOTSTRAP_CONTAINER, "condition": "SUCCESS"},
        ]
        fetch: Container = {
            "name": BOOTSTRAP_CONTAINER,
            "image": self.images.aws_cli,
            "essential": False,  # it exits once the file is written; Envoy waits for its SUCCESS
            # The image's user (root): a fresh task volume is root's. Envoy (1337) only reads the file.
            "readonlyRootFilesystem": True,
            # The image's entrypoint is `aws`; --only-show-errors keeps the log to what went wrong.
            "command": ["s3", "cp", "--only-show-errors", self.s3.url, BOOTSTRAP_PATH],
            "mountPoints": [{**mount, "readOnly": False}],
            "logConfiguration": dict(log_configuration),
        }
        return [*setup, fetch, envoy]

    @property
    def app_depends_on(self) -> list[dict[str, str]]:
        """Start the app only once Envoy is HEALTHY (LIVE), or its first calls go nowhere."""
        return [{"containerName": ENVOY_CONTAINER, "condition": "HEALTHY"}]

    @property
    def proxy_configuration(self) -> None:
        return None

    @property
    def task_statements(self) -> list[iam.Statement]:
        statements = list(self.tls.task_statements) if self.tls is not None else []
        if self.s3 is not None:
            statements.append(
                {
                    "Sid": "ReadOwnEnvoyBootstrap",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject"],
                    "Resource": [self.s3.object_arn],
                }
            )
        return statements

    @property
    def task_role_purpose(self) -> str:
        uses = []
        if self.s3 is not None:
            uses.append("the init container reads this task's Envoy bootstrap from S3")
        if self.tls is not None:
            uses.append("the TLS setup container fetches this task's certificate and the mesh CA")
        return "; ".join(uses) or "Envoy's bootstrap is in the task definition; the proxy needs no AWS API"

    @property
    def bypass_user(self) -> None:
        """Nothing is redirected (no iptables), so the X-Ray daemon needs no exempt uid."""
        return None

    @property
    def app_environment(self) -> dict[str, str]:
        """A sidecar's app sends its calls through Envoy's egress listener; a gateway has no app."""
        return proxy_environment() if self.is_sidecar else {}

    @property
    def volumes(self) -> list[dict[str, Any]]:
        """The task volumes the init containers write the bootstrap and the certificates to."""
        tls = self.tls.volumes if self.tls is not None else []
        return [*tls, *([{"name": BOOTSTRAP_VOLUME}] if self.s3 is not None else [])]
