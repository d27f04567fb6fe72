"""Where each local task lives: the Fargate plan, moved onto loopback addresses of this machine.

On Fargate every task has an IP of its own, so every sidecar listens on the same ports (ingress
15000, egress 15001, admin 9901) and its app on the service's port, and peers dial a version by its
Cloud Map name (`prices-v1.shop.local:15000`), which answers one A record per running task. Here
each task gets an address of its own in a random 127.X.Y.0/24 block (loopback.py) and listens on
those same ports there; localmesh's DNS server (dns.py) answers the Cloud Map names with the tasks'
addresses. So a task's bootstrap is the one rendered for AWS (`render_all(compiled,
fargate_plan(compiled))`) except where it listens (its own address instead of 0.0.0.0 / 127.0.0.1,
which every task of a version would otherwise share), where its app listens (the same address), and
the resolver its DNS clusters ask (ours instead of the VPC's).

    127.X.Y.1    the DNS server (port 53, or a free port when this user may not bind 53)
    127.X.Y.2    the gateway task: its admin on 9901; its listener at the spec's gateway port, unless
                 the caller asks for a port on 127.0.0.1 (`localmesh up --port`, the ALB's stand-in)
    127.X.Y.10+  the tasks of every version, in spec order

Each version runs its desired count of tasks (`desiredCount`), at most MAX_REPLICAS here, or the
count the caller asks for; at least one, so that a version scaled to zero can still be tried. The
gateway runs one task (on AWS its tasks sit behind the ALB, which localmesh does not model).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from fargate_mesh.facts import ENVOY_ADMIN_PORT, ENVOY_EGRESS_PORT, ENVOY_INGRESS_PORT
from fargate_mesh.localmesh.loopback import LoopbackBlock
from fargate_mesh.model import CompiledMesh
from fargate_mesh.render.envoy import GATEWAY
from fargate_mesh.render.envoy.plan import Endpoint, MeshPlan, SidecarPlan, fargate_plan

MAX_REPLICAS = 4  # tasks per version here: two cores run every app and Envoy of the mesh
DNS_HOST = 1
GATEWAY_HOST = 2
FIRST_TASK_HOST = 10


@dataclass(frozen=True)
class LocalTask:
    """One task: a version's app and sidecar, or the gateway's Envoy, on an address of its own."""

    name: str  # the version's node ("prices-v1"), "prices-v1/2" when the version runs several; "gateway"
    address: str  # its loopback address
    service: str | None = None  # None for the gateway
    version: str | None = None
    sidecar: SidecarPlan | None = None  # where its app and Envoy listen; None for the gateway


@dataclass(frozen=True)
class LocalLayout:
    block: LoopbackBlock
    plan: MeshPlan  # the Fargate plan with our resolver and gateway; each version at its first task
    tasks: list[LocalTask]  # the gateway first, then every version's tasks

    @property
    def gateway(self) -> LocalTask:
        return self.tasks[0]

    def sidecar_tasks(self) -> list[LocalTask]:
        return [task for task in self.tasks if task.sidecar is not None]

    def tasks_of(self, service: str, version: str) -> list[LocalTask]:
        return [t for t in self.tasks if (t.service, t.version) == (service, version)]

    def plan_of(self, task: LocalTask) -> MeshPlan:
        """The plan a task's own bootstrap is rendered with: its sidecar where this task listens (its
        peers are reached by name, so no other task's bootstrap depends on where it listens)."""
        if task.sidecar is None:
            return self.plan
        key = (task.sidecar.service, task.sidecar.version)
        return dataclasses.replace(self.plan, sidecars={**self.plan.sidecars, key: task.sidecar})

    def records(self, mesh: CompiledMesh) -> dict[str, list[str]]:
        """What the DNS server answers: each version's Cloud Map name → its tasks' addresses."""
        return {
            version.dns_name: [t.address for t in self.tasks_of(service.name, version.name)]
            for service in mesh.services.values()
            for version in service.versions.values()
        }


def replica_counts(mesh: CompiledMesh, override: int | None = None) -> dict[tuple[str, str], int]:
    """Tasks per version: `override`, else the version's desiredCount; between 1 and MAX_REPLICAS."""
    return {
        (service.name, version.name): max(
            1, min(override if override is not None else version.desired_count, MAX_REPLICAS)
        )
        for service in mesh.services.values()
        for version in service.versions.values()
    }


def capped_versions(mesh: CompiledMesh, override: int | None = None) -> dict[str, int]:
    """Versions whose count here is below what was asked (node → count asked), to say so."""
    return {
        version.node: asked
        for service in mesh.services.values()
        for version in service.versions.values()
        if (asked := override if override is not None else version.desired_count) > MAX_REPLICAS
    }


def local_layout(
    mesh: CompiledMesh,
    block: LoopbackBlock,
    resolver: Endpoint,
    counts: Mapping[tuple[str, str], int],
    *,
    gateway: Endpoint | None = None,
    external: Mapping[str, Endpoint] | None = None,
) -> LocalLayout:
    """gateway: where the gateway's listener is (default: its own address at the spec's port).
    external: where external backends are reached (default: their own host and port)."""
    aws = fargate_plan(mesh)
    tasks = [LocalTask(GATEWAY, block.host(GATEWAY_HOST))]
    number = FIRST_TASK_HOST
    for (service, version), count in counts.items():
        shipped = aws.sidecar(service, version)
        for index in range(1, count + 1):
            address = block.host(number)
            number += 1
            sidecar = dataclasses.replace(
                shipped,
                app=Endpoint(address, shipped.app.port),
                ingress=Endpoint(address, ENVOY_INGRESS_PORT),
                egress=Endpoint(address, ENVOY_EGRESS_PORT),
                admin=Endpoint(address, ENVOY_ADMIN_PORT),
                # extraPorts: the same ports as in a task, on this task's address; peers dial names.
                extra=tuple(
                    dataclasses.replace(
                        port,
                        app=Endpoint(address, port.app.port),
                        ingress=Endpoint(address, port.ingress.port),
                    )
                    for port in shipped.extra
                ),
            )
            node = mesh.version(service, version).node
            name = node if count == 1 else f"{node}/{index}"
            tasks.append(LocalTask(name, address, service, version, sidecar))
    first = {(t.service, t.version): t.sidecar for t in reversed(tasks) if t.sidecar is not None}
    plan = MeshPlan(
        gateway=gateway or Endpoint(tasks[0].address, mesh.gateway.port),
        gateway_admin=Endpoint(tasks[0].address, ENVOY_ADMIN_PORT),
        sidecars={key: first[key] for key in aws.sidecars},
        external={**aws.external, **(external or {})},
        resolver=resolver,
        # As in a task: X-Ray segments go to 127.0.0.1:2000/udp, where a local X-Ray daemon may
        # collect them; with none there they are dropped.
        tracer=aws.tracer,
    )
    return LocalLayout(block, plan, tasks)
