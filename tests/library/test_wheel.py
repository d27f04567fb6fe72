"""The built wheel, installed (not editable) into a fresh venv, used by a consumer program that has
its own `components` package, under the shipped mocks (fargate_mesh.testing).

The wheel is built from a copy of the sources in a temporary folder, so setuptools' build/ and
egg-info never land in the repository. The venv reuses this interpreter's installed dependencies
through a .pth line (no downloads), which does not run the editable install's import hook: the
only fargate_mesh the consumer can import is the wheel's.
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from fargate_mesh.components import MeshPlatform, MeshPlatformArgs
from fargate_mesh.spec import parse_mesh
from fargate_mesh.testing import deploy

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parents[2]
CONSUMER = Path(__file__).with_name("consumer_project")


def run(*cmd: str | Path, cwd: Path | None = None) -> str:
    """Run a command with no PYTHONPATH (the repository must not leak in); its stdout, or fail with its stderr."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; returns its folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "fargate_mesh", source / "fargate_mesh", ignore=shutil.ignore_patterns("__pycache__")
    )
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", tmp / "dist", source)
    (wheel,) = (tmp / "dist").glob("fargate_mesh-*.whl")

    env = tmp / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", env)
    python = env / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", wheel)
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env


@pytest.fixture(scope="module")
def consumer(venv: Path) -> dict[str, Any]:
    """What the consumer's check.py printed, run with the venv's python from the consumer's folder."""
    return json.loads(run(venv / "bin" / "python", CONSUMER / "check.py", cwd=CONSUMER))


def test_the_import_is_the_installed_wheel_with_py_typed(venv: Path, consumer: dict[str, Any]):
    """GIVEN the consumer run with the venv's python
    WHEN it imports fargate_mesh
    THEN the package comes from the venv's site-packages (not this checkout), and ships py.typed."""
    package = Path(consumer["fargate_mesh"]).parent
    assert package.is_relative_to(venv)
    assert not package.is_relative_to(ROOT)
    assert (package / "py.typed").is_file()
    assert (package / "testing" / "mocks.py").is_file()


def test_the_consumers_own_components_package_is_its_own(consumer: dict[str, Any]):
    """GIVEN a consumer with a package named `components`
    WHEN it imports both that and fargate_mesh
    THEN `components` is the consumer's folder: the library no longer claims the name."""
    assert Path(consumer["components"]) == CONSUMER / "components" / "__init__.py"


def test_edge_only_on_an_existing_vpc_given_as_outputs(consumer: dict[str, Any]):
    """GIVEN PublicEndpoint alone, with the VPC id and public subnet list given as Outputs
    WHEN the consumer deploys it under the shipped mocks
    THEN the ALB and its target group use the resolved ids, and nothing else is created."""
    edge = consumer["edge"]
    by_type = {r["type"]: r for r in edge["resources"]}
    assert by_type["aws:lb/loadBalancer:LoadBalancer"]["inputs"]["subnets"] == [
        "subnet-pub-a",
        "subnet-pub-b",
    ]
    assert by_type["aws:lb/targetGroup:TargetGroup"]["inputs"]["vpcId"] == "vpc-0abc"
    assert edge["outputs"] == {"url": "https://api.myshop.com"}
    assert not [r for r in edge["resources"] if r["type"].startswith(("aws:ec2/vpc:", "aws:ec2/subnet:"))]


def test_the_whole_platform_from_a_python_dict(consumer: dict[str, Any]):
    """GIVEN the whole platform from a spec written as a Python dict
    WHEN the consumer deploys it from the installed wheel
    THEN it registers exactly the resources (URNs) this checkout registers for the same spec."""
    spec = runpy.run_path(str(CONSUMER / "components" / "platform.py"))["SPEC"]

    def program() -> Any:
        mesh = parse_mesh(spec)
        return {"url": MeshPlatform(mesh.name, MeshPlatformArgs(mesh=mesh)).url}

    here = deploy(program)
    platform = consumer["platform"]
    assert platform["urns"] == sorted(here.urns())
    assert len(platform["urns"]) > 40
    assert platform["outputs"] == {"url": "https://api.myshop.com"}


def test_one_extra_service_joins_an_existing_mesh_by_arn(consumer: dict[str, Any]):
    """GIVEN one MeshService joining a mesh another account shares, given by its ARN
    WHEN the consumer deploys it from the installed wheel
    THEN no mesh is made and each App Mesh resource names the shared mesh and its owner."""
    made = consumer["join"]["resources"]
    app_mesh = [r for r in made if r["type"].startswith("aws:appmesh/")]
    assert len(app_mesh) == 4
    assert {(r["inputs"]["meshName"], r["inputs"]["meshOwner"]) for r in app_mesh} == {
        ("shared", "210987654321")
    }
    assert consumer["join"]["outputs"] == {"service": "reviews.shop.local"}


def test_two_platforms_in_one_program(consumer: dict[str, Any]):
    """GIVEN two platforms of one spec, named east and west, in one program
    WHEN the consumer deploys them from the installed wheel
    THEN every URN is registered once and each platform answers on its own URL output."""
    two = consumer["two_platforms"]
    urns = [r["urn"] for r in two["resources"]]
    assert len(urns) == len(set(urns)) == len(two["urns"])
    assert len(urns) == 2 * len(consumer["platform"]["urns"])
    assert two["outputs"] == {"east": "https://api.myshop.com", "west": "https://api.myshop.com"}
