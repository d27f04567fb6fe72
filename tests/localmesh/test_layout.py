"""The local layout: the Fargate plan moved onto loopback addresses, one per task, with replicas."""

from __future__ import annotations

from fargate_mesh.localmesh.layout import MAX_REPLICAS, capped_versions, local_layout, replica_counts
from fargate_mesh.localmesh.loopback import LoopbackBlock
from fargate_mesh.render.envoy.plan import Endpoint, fargate_plan
from tests.helpers.meshes import compiled, stack_mesh

BLOCK = LoopbackBlock(9, 8)
RESOLVER = Endpoint("127.9.8.1", 53)


def test_each_version_runs_its_desired_count_capped_or_the_override():
    """GIVEN the prod stack (desiredCount 2 per version)
    WHEN replica counts are worked out, as asked, with --replicas 1, and with an override above the cap
    THEN each version runs 2, then 1, then MAX_REPLICAS (and the capped versions are named)"""
    prod = compiled(stack_mesh("prod"))
    assert set(replica_counts(prod).values()) == {2}
    assert set(replica_counts(prod, 1).values()) == {1}
    assert set(replica_counts(prod, 9).values()) == {MAX_REPLICAS}
    assert capped_versions(prod) == {}
    assert set(capped_versions(prod, 9).values()) == {9}


def test_every_task_has_its_own_address_and_fargates_ports():
    """GIVEN the prod stack with 2 tasks per version
    WHEN it is laid out on 127.9.8.0/24
    THEN the gateway is 127.9.8.2 (admin 9901, listener at the spec's port), each task has an address
    of its own from .10 with app, ingress, egress and admin on Fargate's ports, a version with several
    tasks names them node/1, node/2, and peers still dial the Cloud Map name, answered by our DNS
    server with both tasks' addresses"""
    prod = compiled(stack_mesh("prod"))
    layout = local_layout(prod, BLOCK, RESOLVER, replica_counts(prod))
    aws = fargate_plan(prod)
    assert layout.plan.gateway == Endpoint("127.9.8.2", prod.gateway.port)
    assert layout.plan.gateway_admin == Endpoint("127.9.8.2", 9901)
    assert layout.plan.resolver == RESOLVER
    tasks = layout.sidecar_tasks()
    assert len({t.address for t in tasks}) == len(tasks) == 2 * len(aws.sidecars)
    assert tasks[0].address == "127.9.8.10"
    for task in tasks:
        assert task.sidecar is not None
        shipped = aws.sidecar(task.sidecar.service, task.sidecar.version)
        assert task.sidecar.peer_address == shipped.peer_address  # products-v1.shop.local:15000
        assert [
            e.port for e in (task.sidecar.app, task.sidecar.ingress, task.sidecar.egress, task.sidecar.admin)
        ] == [
            shipped.app.port,
            15000,
            15001,
            9901,
        ]
        assert {e.host for e in (task.sidecar.app, task.sidecar.ingress, task.sidecar.egress)} == {
            task.address
        }
    node = prod.version("products", "v1").node
    assert [t.name for t in layout.tasks_of("products", "v1")] == [f"{node}/1", f"{node}/2"]
    records = layout.records(prod)
    assert records[prod.version("products", "v1").dns_name] == [
        t.address for t in layout.tasks_of("products", "v1")
    ]


def test_a_tasks_plan_differs_from_the_mesh_plan_only_in_its_own_sidecar():
    """GIVEN the second task of a version
    WHEN the plan its bootstrap is rendered with is taken
    THEN that version's sidecar is this task's, and everything else is the mesh plan's"""
    prod = compiled(stack_mesh("prod"))
    layout = local_layout(prod, BLOCK, RESOLVER, replica_counts(prod))
    second = layout.tasks_of("products", "v1")[1]
    plan = layout.plan_of(second)
    assert plan.sidecar("products", "v1") == second.sidecar
    assert {k: v for k, v in plan.sidecars.items() if k != ("products", "v1")} == {
        k: v for k, v in layout.plan.sidecars.items() if k != ("products", "v1")
    }
    assert (plan.gateway, plan.resolver, plan.external) == (
        layout.plan.gateway,
        layout.plan.resolver,
        layout.plan.external,
    )
