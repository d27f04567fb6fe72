"""AppImage used alone: ECR repository and the image built from the app's folder."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from fargate_mesh.components import AppImage, AppImageArgs
from fargate_mesh.components.images import context_digest, repository_arn_from_uri
from tests.helpers.pulumi import deploy

REPO = "aws:ecr/repository:Repository"
IMAGE = "docker-build:index:Image"


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    return tmp_path


def test_repository_is_immutable_scanned_and_pruned(mocks, app_dir):
    """GIVEN an app folder
    WHEN AppImage is deployed
    THEN the repository has immutable tags and scan on push, and a lifecycle policy keeps the
    newest N images."""
    rec = deploy(
        mocks, lambda: AppImage("products", AppImageArgs("shop/products", str(app_dir), keep_images=7)).urn
    )
    (repo,) = rec.of_type(REPO)
    assert repo["inputs"]["name"] == "shop/products"
    assert repo["inputs"]["imageTagMutability"] == "IMMUTABLE"
    assert repo["inputs"]["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo["inputs"]["forceDelete"] is False
    (lifecycle,) = rec.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    assert lifecycle["inputs"]["repository"] == "shop/products"
    (rule,) = json.loads(lifecycle["inputs"]["policy"])["rules"]
    assert rule["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 7}
    assert rule["action"] == {"type": "expire"}


def test_image_is_built_for_amd64_and_pushed_with_ecr_credentials(mocks, app_dir):
    """GIVEN an app folder
    WHEN deployed
    THEN the image is built from that folder for linux/amd64 and pushed to the repository with a
    tag derived from the folder's content, logging in with the ECR authorization token."""
    rec = deploy(mocks, lambda: AppImage("products", AppImageArgs("shop/products", str(app_dir))).urn)
    repo_url = rec.of_type(REPO)[0]["outputs"]["repositoryUrl"]
    (image,) = rec.of_type(IMAGE)
    inputs = image["inputs"]
    assert inputs["context"] == {"location": str(app_dir)}
    assert inputs["platforms"] == ["linux/amd64"]
    assert inputs["push"] is True
    assert inputs["tags"] == [f"{repo_url}:{context_digest(app_dir)}"]
    (registry,) = inputs["registries"]
    assert registry["address"] == repo_url.split("/")[0]
    assert registry["username"] == "AWS"
    assert registry["password"] == "mock-ecr-password"
    token_calls = [
        c for c in mocks.calls if c["token"] == "aws:ecr/getAuthorizationToken:getAuthorizationToken"
    ]
    assert token_calls[0]["args"]["registryId"] == "123456789012"


@pulumi.runtime.test
def test_image_ref_is_the_pushed_digest(mocks, app_dir):
    """GIVEN a deployed AppImage
    WHEN its image_ref resolves
    THEN it is the repository tag pinned by digest (asserted in the apply)."""
    image = AppImage("products", AppImageArgs("shop/products", str(app_dir)))

    def check(values: list[str]) -> None:
        ref, url = values
        assert ref.startswith(f"{url}:{context_digest(app_dir)}@sha256:")

    return pulumi.Output.all(image.image_ref, image.repository_url).apply(check)


def test_context_digest_follows_content_not_caches(app_dir):
    """GIVEN an app folder
    WHEN a bytecode cache appears, then a source file changes
    THEN the digest ignores the cache and changes with the source."""
    before = context_digest(app_dir)
    (app_dir / "__pycache__").mkdir()
    (app_dir / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    assert context_digest(app_dir) == before
    (app_dir / "app.py").write_text("print('changed')\n")
    assert context_digest(app_dir) != before


def test_missing_folder_is_refused():
    """GIVEN a folder that does not exist
    WHEN AppImage is built
    THEN it raises naming the folder."""
    with pytest.raises(ValueError, match="not a folder"):
        AppImage("x", AppImageArgs("r", "/no/such/folder"))


def test_repository_arn_from_ecr_uri_only():
    """GIVEN image URIs from private ECR and elsewhere
    WHEN their repository ARN is derived
    THEN private ECR gives the repository ARN, anything else None."""
    uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/products:1.2@sha256:abc"
    assert repository_arn_from_uri(uri) == "arn:aws:ecr:eu-west-1:123456789012:repository/team/products"
    assert repository_arn_from_uri("public.ecr.aws/nginx/nginx:1.27") is None
    assert repository_arn_from_uri("ghcr.io/acme/products:1") is None


def test_registry_password_is_secret(mocks, app_dir):
    """GIVEN the ECR authorization token
    WHEN the image resource is registered
    THEN its registries input travels as a Pulumi secret."""
    rec = deploy(mocks, lambda: AppImage("products", AppImageArgs("shop/products", str(app_dir))).urn)
    assert rec.of_type(IMAGE)[0]["secretInputs"] == ["registries"]


def test_preview_does_not_build(mocks, app_dir):
    """GIVEN an app folder
    WHEN AppImage is deployed
    THEN the image asks not to be built on preview (docker-build's default is to build), so
    `pulumi preview` needs no Docker: the build happens in `pulumi up`."""
    rec = deploy(mocks, lambda: AppImage("products", AppImageArgs("shop/products", str(app_dir))).urn)
    (image,) = rec.of_type(IMAGE)
    assert image["inputs"]["buildOnPreview"] is False
