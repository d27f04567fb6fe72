"""A bootstrap too big for its task definition: stored in a private S3 bucket and fetched by an init
container, with the task role reading exactly that object. Forced here by reserving the whole 64 KiB
for the rest of the task definition (EnvoyDataPlane.reserved_bytes)."""

from __future__ import annotations

import json

import pytest

from fargate_mesh.components import DATA_PLANES, MeshPlatform, MeshPlatformArgs
from fargate_mesh.components.envoy import EnvoyDataPlane
from fargate_mesh.components.envoy.dataplane import fargate_bootstraps
from fargate_mesh.components.envoy.proxy import BOOTSTRAP_CONTAINER, BOOTSTRAP_VOLUME, EnvoyProxy
from fargate_mesh.model import compile_checked
from fargate_mesh.render.envoy.delivery import BOOTSTRAP_PATH, TASK_DEFINITION_LIMIT_BYTES, choose_delivery
from fargate_mesh.testing import Recording
from tests.helpers.ecs_tasks import TASK_DEFINITION, containers, workload_of
from tests.helpers.meshes import prebuilt
from tests.helpers.pulumi import deploy

OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"


@pytest.fixture
def s3_stack(mocks, monkeypatch) -> Recording:
    monkeypatch.setitem(
        DATA_PLANES, "envoy", lambda args: EnvoyDataPlane(reserved_bytes=TASK_DEFINITION_LIMIT_BYTES - 1)
    )
    mesh = prebuilt("envoy")
    return deploy(mocks, lambda: MeshPlatform("shop-envoy", MeshPlatformArgs(mesh=mesh)).urn)


def test_the_bucket_is_private_encrypted_versioned_and_tls_only(s3_stack: Recording):
    """GIVEN bootstraps that go to S3 WHEN the stack is deployed
    THEN one bucket holds them: public access blocked, ACLs off, SSE, versioning on, and a policy that
    denies every request without TLS."""
    (bucket,) = s3_stack.of_type("aws:s3/bucket:Bucket")
    block = s3_stack.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(
        block["inputs"][k] is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    owner = s3_stack.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert owner["inputs"]["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    sse = s3_stack.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    assert sse["inputs"]["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    versioning = s3_stack.one("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning["inputs"]["versioningConfiguration"]["status"] == "Enabled"
    (statement,) = json.loads(s3_stack.one("aws:s3/bucketPolicy:BucketPolicy")["inputs"]["policy"])[
        "Statement"
    ]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }
    assert bucket["outputs"]["arn"] in statement["Resource"]


def test_each_object_is_the_rendered_bootstrap_under_its_content_key(s3_stack: Recording):
    """GIVEN the S3 objects WHEN read THEN there is one per task, holding exactly the rendered bootstrap,
    under a key named by its content, and it is kept when replaced (a rollback reads it)."""
    bootstraps = fargate_bootstraps(compile_checked(prebuilt("envoy"), "envoy"))
    objects = s3_stack.of_type(OBJECT)
    assert len(objects) == len(bootstraps)
    by_content = {json.dumps(json.loads(o["inputs"]["content"]), sort_keys=True): o for o in objects}
    for bootstrap in bootstraps.values():
        stored = by_content[json.dumps(bootstrap, sort_keys=True)]
        assert stored["inputs"]["key"] == choose_delivery(bootstrap).object_key
        assert stored["options"]["retainOnDelete"] is True


def test_an_init_container_fetches_the_bootstrap_envoy_reads(s3_stack: Recording):
    """GIVEN each task definition WHEN its containers are read
    THEN an init container copies its own object to a task volume, Envoy starts after it succeeded and
    reads the file with -c, and the task role may s3:GetObject that one object and nothing else."""
    mesh = compile_checked(prebuilt("envoy"), "envoy")
    bootstraps = fargate_bootstraps(mesh)
    policies = {
        p["name"]: json.loads(p["inputs"]["policy"])
        for p in s3_stack.of_type("aws:iam/rolePolicy:RolePolicy")
    }
    tasks = s3_stack.of_type(TASK_DEFINITION)
    assert len(tasks) == 4
    for task in tasks:
        key = choose_delivery(bootstraps[workload_of(mesh, task["inputs"]["family"])]).object_key
        found = containers(task)
        fetch, envoy = found[BOOTSTRAP_CONTAINER], found["envoy"]
        assert fetch["command"][:2] == ["s3", "cp"] and fetch["command"][-2].endswith("/" + key)
        assert fetch["command"][-1] == BOOTSTRAP_PATH and fetch["essential"] is False
        assert envoy["dependsOn"] == [{"containerName": BOOTSTRAP_CONTAINER, "condition": "SUCCESS"}]
        envoy_argv = envoy["command"][envoy["command"].index("envoy") :]
        assert envoy_argv[envoy_argv.index("-c") + 1] == BOOTSTRAP_PATH
        assert "--config-yaml" not in envoy["command"]
        assert {m["sourceVolume"] for c in (fetch, envoy) for m in c["mountPoints"]} == {BOOTSTRAP_VOLUME}
        assert task["inputs"]["volumes"] == [{"name": BOOTSTRAP_VOLUME}]
        role = task["inputs"]["taskRoleArn"].rsplit("/", 1)[1]
        (s3,) = [s for s in policies[f"{role}"]["Statement"] if any(a.startswith("s3:") for a in s["Action"])]
        assert s3["Action"] == ["s3:GetObject"] and len(s3["Resource"]) == 1
        assert s3["Resource"][0].startswith("arn:aws:s3:::") and s3["Resource"][0].endswith("/" + key)


def test_a_proxy_refuses_a_delivery_without_its_object():
    """GIVEN a bootstrap that must go to S3 WHEN a proxy is made without the stored object
    THEN it is refused, naming the mode."""
    delivery = choose_delivery({"admin": {}}, reserved_bytes=TASK_DEFINITION_LIMIT_BYTES - 1)
    with pytest.raises(ValueError, match="'s3' needs its stored object"):
        EnvoyProxy(delivery)
