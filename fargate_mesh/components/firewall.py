"""MeshFirewall: who may open connections to whom. One security group per workload (the gateway,
each service), closed by default; an ingress rule per admitted caller, by security group
reference, on the callee's listener port only.

Task egress is open (0.0.0.0/0): tasks reach ECR, CloudWatch Logs, the App Mesh control plane and
external backends through NAT, and App Mesh's DROP_ALL egress filter is what limits where the
app's own traffic may go. The security groups are made here, not in each service, because a
rule names two workloads: mutual backends would otherwise be a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.args import check_port_range, raise_problems, require_plain, rule_problems
from fargate_mesh.components.base import child, type_token
from fargate_mesh.facts import envoy_ingress_port
from fargate_mesh.model import CompiledMesh
from fargate_mesh.spec import Problem

# Keys for the platform's own parts. Service names are DNS labels, which have no ':', so these
# never meet a service (a service named "alb" or "gateway" is just a service). They appear in
# logical names only; MeshFirewallArgs.labels gives what AWS shows (Name tags, descriptions).
ALB = ":alb"
GATEWAY = ":gateway"


@dataclass(frozen=True, order=True)
class Admission:
    """`target` admits connections from `source` on `port`."""

    target: str
    source: str
    port: int
    description: str = ""


def admissions_from_spec(
    mesh: CompiledMesh,
    alb: str = ALB,
    gateway: str = GATEWAY,
    service_port: int | None = None,
    gateway_workload: bool = True,
) -> list[Admission]:
    """ALB → gateway on the gateway port; gateway → every service a gateway route targets;
    caller → each mesh service among its callees. Nothing else. Services are keyed by their names,
    the ALB and the gateway by `alb` and `gateway` (by default ALB and GATEWAY: no service can be
    named that). service_port: the port a service's tasks admit callers on for its `port`, the data
    plane's sidecar ingress (DataPlane.admission_port), extraPorts behind the sidecar's further
    ingress ports; None for the service's own ports. gateway_workload=False: the data plane has no
    gateway tasks (DataPlane.has_gateway_workload), so neither the ALB → gateway nor the gateway →
    service admissions exist; the data plane admits the ALB where its listener rules forward."""

    def admitted(service: str, port: int) -> int:
        # A sidecar puts the app's index-th port behind its own ingress port (extraPorts[i] at
        # 15100 + i + 1, render/envoy/plan.py); service_port is the one in front of `port`.
        if service_port is None:
            return port
        index = mesh.services[service].ports.index(port)
        return service_port if index == 0 else envoy_ingress_port(index)

    rules: set[Admission] = set()
    if gateway_workload:
        rules.add(Admission(gateway, alb, mesh.gateway.port, "the ALB forwards to the gateway Envoy"))
        for route in mesh.gateway.routes:
            port = admitted(route.service, route.target_port)
            rules.add(Admission(route.service, gateway, port, "gateway routes to this service"))
    for caller, service in mesh.services.items():
        for callee in service.callees:
            if not callee.external:
                ports = [admitted(callee.name, p) for p in mesh.services[callee.name].ports]
                for port in ports:
                    rules.add(
                        Admission(callee.name, caller, port, f"{caller} declares {callee.name} as a backend")
                    )
    return sorted(rules)


@dataclass(frozen=True)
class MeshFirewallArgs:
    """One security group per workload, closed: it admits only the callers named in
    `admissions`, by security group reference, on one port each. Workload and source keys name
    resources, so they (and the admissions and labels) must be plain values; ids take Outputs.

    Args:
        vpc_id: The VPC the security groups belong to. Required.
        workloads: Keys of the workloads that get a security group each (e.g. service names).
            Required.
        admissions: Who may connect to whom, on which port (`admissions_from_spec` derives them
            from a spec). Required; an empty list admits nothing.
        external_sources: Security groups made elsewhere that appear as sources (the ALB's), by
            key. Each gets an egress rule to the target it is admitted to, since it has none of
            its own. Default none.
        open_egress: Give each workload an egress rule to anywhere (0.0.0.0/0): tasks reach ECR,
            CloudWatch Logs, the App Mesh control plane and external backends through NAT, and
            App Mesh's DROP_ALL egress filter limits where the app's own traffic goes. Default
            True; False closes egress, and then you add the rules the tasks need (e.g. to VPC
            endpoints' security groups).
        labels: How a key is shown in Name tags and descriptions. Default: the key itself.
        tags: Added to every resource. Default none.
    """

    vpc_id: pulumi.Input[str]
    workloads: Sequence[str]
    admissions: Sequence[Admission]
    external_sources: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    open_egress: bool = True
    labels: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    def label(self, key: str) -> str:
        return self.labels.get(key, key)

    def __post_init__(self) -> None:
        require_plain(
            "MeshFirewallArgs",
            workloads=self.workloads,
            admissions=[(a.target, a.source, a.port, a.description) for a in self.admissions],
            external_sources=list(self.external_sources),
            open_egress=self.open_egress,
            labels=self.labels,
        )
        problems: list[Problem] = []
        names = list(self.workloads) + list(self.external_sources)
        if len(set(names)) != len(names):
            problems.append(
                Problem("workloads", f"workload and external source names must be distinct: {names}")
            )
        known = set(names)
        for i, a in enumerate(self.admissions):
            if a.target not in self.workloads or a.source not in known:
                problems.append(
                    Problem(f"admissions[{i}]", f"{a} names an unknown workload; known: {sorted(known)}")
                )
            problems += rule_problems(f"admissions[{i}].port", check_port_range, a.port)
        raise_problems("MeshFirewallArgs", problems)


class MeshFirewall(pulumi.ComponentResource):
    """A closed security group per workload, each admitting only the sources named in its
    admissions, by security group reference (MeshFirewallArgs). Output: group_ids, workload → id."""

    group_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: MeshFirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_token("network", "MeshFirewall"), name, None, opts)
        tags = dict(args.tags)
        groups: dict[str, aws.ec2.SecurityGroup] = {}
        for workload in args.workloads:
            groups[workload] = aws.ec2.SecurityGroup(
                f"{name}-{workload}",
                vpc_id=args.vpc_id,
                description=f"Tasks of {args.label(workload)}: admitted callers only",
                tags={**tags, "Name": f"{name}-{args.label(workload)}"},
                opts=child(self),
            )
            if args.open_egress:
                aws.vpc.SecurityGroupEgressRule(
                    f"{name}-{workload}-out",
                    security_group_id=groups[workload].id,
                    ip_protocol="-1",
                    cidr_ipv4="0.0.0.0/0",
                    description="AWS APIs, App Mesh control plane, external backends (via NAT)",
                    tags=tags,
                    opts=child(self),
                )
        ids: dict[str, pulumi.Input[str]] = {w: g.id for w, g in groups.items()} | dict(args.external_sources)
        named: set[tuple[str, str]] = set()
        for a in args.admissions:
            # One rule per (target, source) keeps its old name; a second port of the pair (a service
            # with extraPorts) adds its port, so no existing rule is renamed.
            pair = (
                f"{a.target}-from-{a.source}"
                if (a.target, a.source) not in named
                else f"{a.target}-from-{a.source}-{a.port}"
            )
            named.add((a.target, a.source))
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-{pair}",
                security_group_id=ids[a.target],
                referenced_security_group_id=ids[a.source],
                ip_protocol="tcp",
                from_port=a.port,
                to_port=a.port,
                description=a.description or f"from {args.label(a.source)}",
                tags=tags,
                opts=child(self),
            )
            if a.source in args.external_sources:
                aws.vpc.SecurityGroupEgressRule(
                    f"{name}-{a.source}-to-{a.target}" + pair.removeprefix(f"{a.target}-from-{a.source}"),
                    security_group_id=ids[a.source],
                    referenced_security_group_id=ids[a.target],
                    ip_protocol="tcp",
                    from_port=a.port,
                    to_port=a.port,
                    description=f"to {args.label(a.target)}",
                    tags=tags,
                    opts=child(self),
                )
        self.group_ids = {w: g.id for w, g in groups.items()}
        self.register_outputs({"group_ids": self.group_ids})
