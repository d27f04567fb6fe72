"""The architecture of one stack as a picture: Mermaid (renders on code hosts), Graphviz DOT, or SVG.

One graph is built from the spec, then translated. A request's way: client → Route 53 record (the
domain) → ALB → gateway → gateway routes in match order → services → their routes in match order,
weights on the edges → versions → Cloud Map, where every version is registered. External backends
are drawn too, and each caller's versions point at the services they may call. The title names the
data plane that carries the traffic on AWS.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Literal

from fargate_mesh.model import CompiledMesh, Target
from fargate_mesh.model.dataplanes import INFO
from fargate_mesh.model.rollouts import steady_version
from fargate_mesh.spec import Autoscaling, Rewrite

Kind = Literal[
    "client", "edge", "gateway", "gateway-route", "service", "route", "version", "registry", "external"
]
Style = Literal["request", "call", "registration"]

LEGEND = (
    "Solid arrows carry requests, in match order; the percentages are each route's weights. "
    "Arrows labelled *calls*: that version may call that backend, and any other egress is refused. "
    "Arrows labelled *registered*: the version's tasks are registered in Cloud Map."
)


class DiagramError(RuntimeError):
    """The picture cannot be produced here (e.g. SVG without Graphviz)."""


@dataclass(frozen=True)
class Node:
    id: str
    lines: tuple[str, ...]
    kind: Kind
    group: str | None = None


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""
    style: Style = "request"


@dataclass(frozen=True)
class Group:
    id: str
    label: str


@dataclass
class Diagram:
    title: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)

    def add(self, name: str, kind: Kind, *lines: str, group: str | None = None) -> str:
        """Add a node; its id is made from `name`, unique in the diagram."""
        base = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_") or "n"
        taken = {n.id for n in self.nodes} | {g.id for g in self.groups}
        node_id, suffix = base, 2
        while node_id in taken:
            node_id, suffix = f"{base}_{suffix}", suffix + 1
        self.nodes.append(Node(node_id, lines, kind, group))
        return node_id

    def link(self, source: str, target: str, label: str = "", style: Style = "request") -> None:
        self.edges.append(Edge(source, target, label, style))


def _tasks(count: int, autoscaling: Autoscaling | None) -> str:
    if autoscaling is not None:
        return (
            f"{autoscaling.min_tasks}-{autoscaling.max_tasks} tasks (CPU {autoscaling.target_cpu_percent}%)"
        )
    return f"{count} task" if count == 1 else f"{count} tasks"


def _rewrite(rewrite: Rewrite) -> str:
    return rewrite.describe()


def _share(weight: int, total: int) -> str:
    return f"{weight}%" if total == 100 else f"{weight}/{total}"


def architecture(mesh: CompiledMesh) -> Diagram:
    """The stack's architecture as one graph, in the order a request travels it."""
    diagram = Diagram(f"{mesh.name}: data plane {INFO[mesh.dataplane].title} ({mesh.dataplane})")
    client = diagram.add("client", "client", "client")
    dns = diagram.add("route53", "edge", "Route 53", mesh.domain, f"zone {mesh.hosted_zone}")
    alb = diagram.add("alb", "edge", "Application Load Balancer", "HTTPS :443, HTTP :80 redirects")
    diagram.link(client, dns, "HTTPS")
    diagram.link(dns, alb, "alias")

    gateway = mesh.gateway
    connect = mesh.dataplane == "serviceConnect"
    if connect:
        # No gateway task: the load balancer's own rules route, straight to the services' targets.
        diagram.groups.append(Group("ingress", "listener rules on the load balancer's HTTPS listener"))
        gateway_node = diagram.add("gateway", "gateway", "listener rules", "no gateway task", group="ingress")
        diagram.link(alb, gateway_node, "HTTPS :443")
    else:
        diagram.groups.append(Group("ingress", f"ingress gateway {gateway.name}"))
        gateway_node = diagram.add(
            "gateway",
            "gateway",
            f"Envoy :{gateway.port}",
            _tasks(gateway.desired_count, gateway.autoscaling),
            group="ingress",
        )
        diagram.link(alb, gateway_node, f"HTTP, health check {gateway.health_check_path}")

    services: dict[str, str] = {}
    routes: dict[str, list[tuple[str, tuple[Target, ...]]]] = {}
    versions: dict[tuple[str, str], str] = {}
    for name, service in mesh.services.items():
        # Declared in the order a request meets them: Mermaid lays nodes out in that order.
        group = f"service_{name}"
        diagram.groups.append(Group(group, f"service {name}"))
        services[name] = diagram.add(
            f"svc_{name}", "service", f"{service.dns_name}:{service.port}", group=group
        )
        routes[name] = []
        for position, route in enumerate(service.routes, start=1):
            priority = f" (priority {route.priority})" if route.priority is not None else ""
            node = diagram.add(
                f"{name}_route_{route.name}",
                "route",
                f"{position}. {route.name}{priority}",
                route.match.describe(),
                group=group,
            )
            routes[name].append((node, route.written_targets))
        steady = steady_version(service) if connect else None
        for version in service.versions.values():
            lines = [version.node, _tasks(version.desired_count, service.autoscaling)]
            if connect:
                # One ECS service per service, running one version; a rollout moves it to the next.
                lines[0] = (
                    f"ECS service {name} runs {version.name}" if version.name == steady else version.node
                )
                if version.name != steady:
                    lines[1] = "not running: ECS runs one version at a time"
            if version.unrouted:
                lines.append(f"unrouted: {version.unrouted}")
            versions[(name, version.name)] = diagram.add(
                f"{name}_{version.name}", "version", *lines, group=group
            )

    for position, gateway_route in enumerate(gateway.routes, start=1):
        node = diagram.add(
            f"gr_{gateway_route.name}",
            "gateway-route",
            f"{position}. {gateway_route.name}",
            gateway_route.match.describe(),
            _rewrite(gateway_route.rewrite),
            group="ingress",
        )
        diagram.link(gateway_node, node)
        diagram.link(node, services[gateway_route.service])

    for name in mesh.services:
        for node, targets in routes[name]:
            diagram.link(services[name], node)
            total = sum(t.weight for t in targets)
            for target in targets:
                diagram.link(node, versions[(name, target.version)], _share(target.weight, total))

    external: dict[str, str] = {}
    for name, backend in mesh.externals.items():
        tls = "TLS from the proxy" if backend.tls else "plain TCP"
        external[name] = diagram.add(
            f"ext_{name}", "external", f"external {name}", f"{backend.host}:{backend.port}", tls
        )

    registry = diagram.add("cloudmap", "registry", "Cloud Map", f"namespace {mesh.namespace}")
    for (name, _version), node in versions.items():
        diagram.link(node, registry, "registered", style="registration")
        for callee in mesh.services[name].callees:
            diagram.link(
                node,
                external[callee.name] if callee.external else services[callee.name],
                "calls",
                style="call",
            )
    return diagram


# -- Mermaid ---------------------------------------------------------------------------------------
_MERMAID_SHAPES: dict[Kind, tuple[str, str]] = {
    "client": ("([", "])"),
    "edge": ("[", "]"),
    "gateway": ("[[", "]]"),
    "gateway-route": ("{{", "}}"),
    "service": ("[", "]"),
    "route": ("{{", "}}"),
    "version": ("(", ")"),
    "registry": ("[(", ")]"),
    "external": ("[/", "/]"),
}
_MERMAID_ARROWS: dict[Style, str] = {"request": "-->", "call": "-.->", "registration": "-.->"}


def _mermaid_text(text: str) -> str:
    # Mermaid reads labels as HTML with its own #code; entities: escape what it would interpret.
    for raw, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(raw, code)
    return text


def _mermaid_node(node: Node) -> str:
    opening, closing = _MERMAID_SHAPES[node.kind]
    label = "<br/>".join(_mermaid_text(line) for line in node.lines)
    return f'{node.id}{opening}"{label}"{closing}'


def to_mermaid(diagram: Diagram) -> str:
    title = _mermaid_text(diagram.title).replace("\\", "\\\\")  # a double-quoted YAML string
    lines = ["---", f'title: "{title}"', "---", "flowchart LR"]
    for node in diagram.nodes:
        if node.group is None:
            lines.append(f"  {_mermaid_node(node)}")
    for group in diagram.groups:
        lines.append(f'  subgraph {group.id}["{_mermaid_text(group.label)}"]')
        lines += [f"    {_mermaid_node(n)}" for n in diagram.nodes if n.group == group.id]
        lines.append("  end")
    for edge in diagram.edges:
        arrow = _MERMAID_ARROWS[edge.style]
        label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {edge.source} {arrow}{label} {edge.target}")
    return "\n".join(lines) + "\n"


# -- Graphviz --------------------------------------------------------------------------------------
_DOT_SHAPES: dict[Kind, str] = {
    "client": "oval",
    "edge": "box",
    "gateway": "box3d",
    "gateway-route": "hexagon",
    "service": "box",
    "route": "hexagon",
    "version": "box",
    "registry": "cylinder",
    "external": "box",
}
_DOT_STYLES: dict[Style, str] = {"request": "solid", "call": "dashed", "registration": "dotted"}


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot_node(node: Node) -> str:
    label = "\\n".join(_dot_text(line) for line in node.lines)
    style = {"version": ', style="rounded"', "external": ', style="dashed"'}.get(node.kind, "")
    return f'"{node.id}" [label="{label}", shape={_DOT_SHAPES[node.kind]}{style}];'


def to_dot(diagram: Diagram) -> str:
    lines = [
        "digraph architecture {",
        f'  label="{_dot_text(diagram.title)}"; labelloc=t; rankdir=LR;',
        '  node [fontname="Helvetica", fontsize=10]; edge [fontname="Helvetica", fontsize=9];',
    ]
    lines += [f"  {_dot_node(n)}" for n in diagram.nodes if n.group is None]
    for group in diagram.groups:
        lines.append(f'  subgraph "cluster_{group.id}" {{')
        lines.append(f'    label="{_dot_text(group.label)}"; style=rounded;')
        lines += [f"    {_dot_node(n)}" for n in diagram.nodes if n.group == group.id]
        lines.append("  }")
    for edge in diagram.edges:
        label = f'label="{_dot_text(edge.label)}", ' if edge.label else ""
        lines.append(f'  "{edge.source}" -> "{edge.target}" [{label}style={_DOT_STYLES[edge.style]}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_svg(dot: str) -> str:
    """The DOT text laid out by Graphviz's `dot`; DiagramError when Graphviz is not installed."""
    program = shutil.which("dot")
    if program is None:
        raise DiagramError(
            "SVG needs Graphviz's `dot`, which is not installed here: apt-get install graphviz "
            "(macOS: brew install graphviz); --format mermaid or dot needs nothing"
        )
    result = subprocess.run([program, "-Tsvg"], input=dot, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DiagramError(f"Graphviz's dot failed: {result.stderr.strip()}")
    return result.stdout


def to_markdown(diagram: Diagram, source: str) -> str:
    """A page for docs/: the Mermaid diagram in a fenced block, which code hosts render."""
    return (
        f"# {diagram.title}\n\n"
        f"<!-- Generated from {source} by `make diagrams`; a test checks that it is current. -->\n\n"
        f"```mermaid\n{to_mermaid(diagram)}```\n\n{LEGEND}\n"
    )
