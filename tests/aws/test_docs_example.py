"""docs/aws.md's example of a component used alone runs as written."""

from __future__ import annotations

import pytest

from tests.examples import example
from tests.helpers.pulumi import deploy


@pytest.mark.parametrize("document", ["docs/aws.md", "README.md"])
def test_mesh_service_example_runs(mocks, document):
    """GIVEN the MeshService example in docs/aws.md and in the README
    WHEN it runs as a Pulumi program under mocks
    THEN it builds the orders service: its node, its ECS service and its autoscaling."""
    code = example("mesh-service", document)
    rec = deploy(mocks, lambda: exec(compile(code, document, "exec"), {}))
    assert rec.one("aws:appmesh/virtualNode:VirtualNode", name="orders-v1")
    assert rec.one("aws:ecs/service:Service", name="orders-v1")
    assert rec.one("aws:appmesh/virtualService:VirtualService", name="orders.shop.local")
    assert len(rec.of_type("aws:appautoscaling/target:Target")) == 1
