"""`localmesh diagram`: the stack's architecture drawn from its spec, and the docs' diagrams current."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from fargate_mesh.localmesh.cli import main
from fargate_mesh.model import CompiledMesh
from fargate_mesh.render.diagram import Diagram, architecture, to_dot, to_mermaid
from tests.helpers.meshes import ROOT, STACKS, compiled, stack_mesh
from tests.helpers.spec import with_mesh

SHIPPED = sorted(p.name.split(".")[1] for p in STACKS.glob("Pulumi.*.yaml"))
DOCS = ROOT / "docs" / "diagrams"


def dev() -> CompiledMesh:
    return compiled(stack_mesh("dev"))


def edges(diagram: Diagram) -> dict[tuple[str, str], tuple[str, str]]:
    """(source's first line, target's first line) → (label, style)."""
    first = {n.id: n.lines[0] for n in diagram.nodes}
    return {(first[e.source], first[e.target]): (e.label, e.style) for e in diagram.edges}


def test_the_dev_stack_is_drawn_the_way_a_request_travels() -> None:
    """GIVEN the dev stack
    WHEN its architecture is drawn
    THEN client → Route 53 (the domain) → ALB → gateway → each gateway route in order → its service
    → the service's routes → versions with the route's weights, every version registered in Cloud
    Map, products' versions calling prices and the external payments backend, App Mesh in the title"""
    diagram = architecture(dev())
    drawn = edges(diagram)
    assert diagram.title == "shop-dev: data plane AWS App Mesh (appmesh)"
    chain = [("client", "Route 53"), ("Route 53", "Application Load Balancer")]
    chain += [("Application Load Balancer", "Envoy :8080"), ("Envoy :8080", "1. products-v1-products")]
    chain += [("1. products-v1-products", "products.shop.local:8080"), ("Envoy :8080", "2. prices-v1-prices")]
    chain += [("2. prices-v1-prices", "prices.shop.local:8080")]
    assert all(drawn[hop][1] == "request" for hop in chain)
    assert drawn[("Route 53", "Application Load Balancer")] == ("alias", "request")
    route53 = next(n for n in diagram.nodes if n.lines[0] == "Route 53")
    assert "api.dev.myshop.com" in route53.lines
    assert drawn[("products.shop.local:8080", "1. canary-header (priority 1)")][1] == "request"
    assert drawn[("1. canary-header (priority 1)", "products-v2")] == ("100%", "request")
    assert drawn[("2. default (priority 10)", "products-v1")] == ("90%", "request")
    assert drawn[("2. default (priority 10)", "products-v2")] == ("10%", "request")
    assert drawn[("1. default", "prices-v1")] == ("100%", "request")
    for version in ("products-v1", "products-v2", "prices-v1"):
        assert drawn[(version, "Cloud Map")] == ("registered", "registration")
    for version in ("products-v1", "products-v2"):
        assert drawn[(version, "prices.shop.local:8080")] == ("calls", "call")
        assert drawn[(version, "external payments")] == ("calls", "call")
    assert not any(src == "prices-v1" and style == "call" for (src, _), (_, style) in drawn.items())


def test_the_title_names_the_data_plane_of_the_spec() -> None:
    """GIVEN a spec whose data plane is envoy (App Mesh when the key is absent)
    WHEN it is drawn
    THEN the title names the self-managed Envoy data plane"""
    mesh = compiled(with_mesh(dataplane="envoy"))
    assert architecture(mesh).title == "shop: data plane self-managed Envoy (envoy)"


def test_task_counts_and_autoscaling_are_shown() -> None:
    """GIVEN the prod stack (autoscaled gateway and services)
    WHEN it is drawn
    THEN the gateway and each version show their task range"""
    lines = {n.lines[0]: n.lines for n in architecture(compiled(stack_mesh("prod"))).nodes}
    assert lines["Envoy :8080"][1] == "2-6 tasks (CPU 60%)"
    assert lines["products-v1"][1] == "2-10 tasks (CPU 60%)"


def test_mermaid_escapes_what_it_would_read_as_markup() -> None:
    """GIVEN a route matching a header value with a quote, a hash and angle brackets
    WHEN drawn as Mermaid
    THEN the label carries them as Mermaid entity codes, so the diagram still parses"""
    header = {"name": "x-q", "exact": 'say "<a#b>"'}
    route = {"name": "main", "match": {"headers": [header]}, "targets": {"v1": 100}}
    text = to_mermaid(architecture(compiled(with_mesh(**{"services.products.routes": [route]}))))
    assert "x-q exact 'say #quot;#lt;a#35;b#gt;#quot;'" in text
    assert '"<a' not in text


def test_dot_escapes_quotes_and_backslashes() -> None:
    """GIVEN a regex path route with a backslash and a quote in a header value
    WHEN drawn as DOT
    THEN both are escaped inside the quoted label"""
    header = {"name": "x-q", "exact": 'a"b'}
    match = {"path": {"regex": r"/v1/\d+"}, "headers": [header]}
    route = {"name": "main", "match": match, "targets": {"v1": 100}}
    text = to_dot(architecture(compiled(with_mesh(**{"services.products.routes": [route]}))))
    assert r"path~/v1/\\d+ x-q exact 'a\"b'" in text


def test_svg_through_graphviz(tmp_path: Path) -> None:
    """GIVEN Graphviz installed
    WHEN `localmesh diagram --format svg` runs
    THEN it writes an SVG with the stack's names in it"""
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed (apt-get install graphviz)")
    out = tmp_path / "dev.svg"
    assert (
        main(["diagram", "--stack", "dev", "--stacks-dir", str(STACKS), "--format", "svg", "--out", str(out)])
        == 0
    )
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "api.dev.myshop.com" in svg and "products.shop.local:8080" in svg


def test_svg_without_graphviz_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN no `dot` on PATH
    WHEN `localmesh diagram --format svg` runs
    THEN it exits 1 naming apt-get install graphviz and the formats that need nothing"""
    monkeypatch.setenv("PATH", "")
    assert main(["diagram", "--stack", "dev", "--stacks-dir", str(STACKS), "--format", "svg"]) == 1
    out, err = capsys.readouterr()
    assert "apt-get install graphviz" in err and "--format mermaid" in err
    assert out == ""


def test_mermaid_is_the_default_on_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN no --format and no --out
    WHEN `localmesh diagram --stack dev` runs
    THEN Mermaid text goes to standard output, starting with its title"""
    assert main(["diagram", "--stack", "dev", "--stacks-dir", str(STACKS)]) == 0
    out = capsys.readouterr().out
    assert out.startswith('---\ntitle: "shop-dev: data plane AWS App Mesh (appmesh)"\n---\nflowchart LR\n')


@pytest.mark.parametrize("stack", SHIPPED)
def test_the_docs_diagram_of_each_stack_is_current(
    stack: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a shipped stack
    WHEN its diagram page is generated as `make diagrams` does
    THEN docs/diagrams/<stack>.md holds exactly that"""
    monkeypatch.chdir(ROOT)  # the page names its stack file relative to the repository, as make runs it
    out = tmp_path / f"{stack}.md"
    assert main(["diagram", "--stack", stack, "--format", "markdown", "--out", str(out)]) == 0
    committed = DOCS / f"{stack}.md"
    assert committed.exists(), f"{committed} is missing: run `make diagrams`"
    assert committed.read_text() == out.read_text(), f"{committed} is stale: run `make diagrams`"
    assert "```mermaid\n" in committed.read_text()


def test_make_demo_says_where_the_diagram_is() -> None:
    """GIVEN the Makefile
    WHEN `make -n demo STACK=prod` shows what it would run
    THEN it prints where prod's diagram is, and that page exists"""
    shown = subprocess.run(
        ["make", "-n", "demo", "STACK=prod"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "docs/diagrams/prod.md" in shown.stdout
    assert (DOCS / "prod.md").exists()
