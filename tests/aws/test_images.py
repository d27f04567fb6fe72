"""AppImage used alone: ECR repository and the image built from the app's folder."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from fargate_mesh.components import AppImage, AppImageArgs
from fargate_mesh.components.images import build_digest, context_digest, repository_arn_from_uri
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
    WHEN a bytecode cache and an editable install's egg-info appear, then a source file changes
    THEN the digest ignores the cache and the egg-info (the build ignores both) and changes with
    the source."""
    before = context_digest(app_dir)
    (app_dir / "__pycache__").mkdir()
    (app_dir / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    assert context_digest(app_dir) == before
    (app_dir / "app.egg-info").mkdir()
    (app_dir / "app.egg-info" / "PKG-INFO").write_text("Metadata-Version: 2.1\n")
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


@pytest.fixture
def kit_app(tmp_path: Path) -> tuple[Path, Path]:
    """An app folder without a Dockerfile, and a kit holding the shared one."""
    app, kit = tmp_path / "prices", tmp_path / "kit"
    (app / "prices_api").mkdir(parents=True)
    (app / "prices_api" / "main.py").write_text("app = 1\n")
    kit.mkdir()
    (kit / "Dockerfile").write_text("FROM scratch\n")
    (kit / "lib.py").write_text("x = 1\n")
    return app, kit


def kit_args(app: Path, kit: Path) -> AppImageArgs:
    return AppImageArgs(
        "shop/prices",
        str(app),
        dockerfile=str(kit / "Dockerfile"),
        named_contexts={"kit": str(kit)},
        build_args={"APP_PACKAGE": "prices_api"},
    )


def test_a_shared_dockerfile_and_kit_are_build_inputs(mocks, kit_app):
    """GIVEN an app built by a shared Dockerfile with a named context and a build argument
    WHEN deployed
    THEN the image gets the app folder as its context, the kit as named context, that Dockerfile
    and that argument, and a tag that is not the app folder's digest alone."""
    app, kit = kit_app
    rec = deploy(mocks, lambda: AppImage("prices", kit_args(app, kit)).urn)
    inputs = rec.of_type(IMAGE)[0]["inputs"]
    assert inputs["context"] == {"location": str(app), "named": {"kit": {"location": str(kit)}}}
    assert inputs["dockerfile"] == {"location": str(kit / "Dockerfile")}
    assert inputs["buildArgs"] == {"APP_PACKAGE": "prices_api"}
    assert not inputs["tags"][0].endswith(context_digest(app))


def test_the_tag_follows_the_kit_and_the_dockerfile_too(kit_app):
    """GIVEN an app built with the kit
    WHEN the kit's code, then the Dockerfile changes
    THEN the tag changes each time (an immutable repository could not take the old tag again);
    an app with its own Dockerfile keeps its folder's digest as its tag."""
    app, kit = kit_app

    def tag() -> str:
        return build_digest(
            str(app), {"kit": str(kit)}, str(kit / "Dockerfile"), {"APP_PACKAGE": "prices_api"}
        )

    first = tag()
    (kit / "lib.py").write_text("x = 2\n")
    second = tag()
    (kit / "Dockerfile").write_text("FROM scratch\nUSER 10001\n")
    assert len({first, second, tag()}) == 3
    assert build_digest(str(app), {}, None, {}) == context_digest(app)


def test_a_missing_named_context_is_refused(kit_app):
    """GIVEN a named context that does not exist
    WHEN AppImage is built
    THEN it raises naming the folder."""
    app, kit = kit_app
    with pytest.raises(ValueError, match="no-kit"):
        AppImage("x", AppImageArgs("r", str(app), named_contexts={"kit": str(kit.parent / "no-kit")}))
