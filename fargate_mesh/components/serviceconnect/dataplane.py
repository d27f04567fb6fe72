"""The ECS Service Connect data plane (`dataplane: serviceConnect`).

A ConnectService per spec service in the cluster's Cloud Map namespace (ECS injects its own proxy:
no Envoy, X-Ray daemon or App Mesh resource of ours), and the gateway routes as listener rules on the
HTTPS listener, whose default answers 404 to what no gateway route matches. No gateway task
(has_gateway_workload is False): the load balancer forwards to the services' own target groups, and
the platform makes no gateway target group or security group. The ALB's security group is opened to
each routed service on its port, by reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.alarms import GatewayAlarmArgs
from fargate_mesh.components.base import child
from fargate_mesh.components.dataplane import DeployedDataPlane, PlatformParts
from fargate_mesh.components.ecs.task import Telemetry
from fargate_mesh.components.serviceconnect.service import ConnectService, ConnectServiceArgs, EdgeArgs
from fargate_mesh.model.dataplanes import INFO
from fargate_mesh.model.rollouts import steady_version
from fargate_mesh.render import alb


@dataclass(frozen=True)
class ServiceConnectDataPlane:
    # Thresholds of each routed service's deployment alarms (its target group), and a topic to tell.
    alarms: GatewayAlarmArgs = field(default_factory=GatewayAlarmArgs)
    # Callers connect to the service's own port (its port mapping, where Service Connect's proxy listens).
    admission_port: int | None = None
    # No gateway task: the ALB's listener rules forward to the services' own target groups.
    has_gateway_workload: bool = field(default=INFO["serviceConnect"].gateway_task, init=False)

    def deploy(self, platform: pulumi.Resource, parts: PlatformParts) -> DeployedDataPlane:
        compiled = parts.mesh  # compiled and checked for serviceConnect by MeshPlatformArgs
        endpoint, tags = parts.endpoint, dict(parts.tags)
        rules = alb.listener_rules(compiled)
        services: dict[str, ConnectService] = {}
        for name, service in compiled.services.items():
            own_rules = [r for r in rules if r.service == name]
            version = steady_version(service)
            own = parts.resources(name)
            services[name] = ConnectService(
                name,
                ConnectServiceArgs(
                    service=service,
                    mesh_name=compiled.name,
                    namespace=parts.foundation.namespace_name,
                    placement=parts.placement(name),
                    image=parts.images[name].by_version[version],
                    kit_health_check=service.versions[version].image is None,
                    repository_arns=parts.images[name].repository_arns,
                    edge=EdgeArgs(
                        vpc_id=parts.vpc_id,
                        listener_arn=endpoint.https_listener_arn,
                        load_balancer_arn_suffix=endpoint.alb_arn_suffix,
                        rules=own_rules,
                        alarms=self.alarms,
                        depends_on=[endpoint.https_listener],
                    )
                    if own_rules
                    else None,
                    read_only_root_filesystem=name not in parts.writable_root_services,
                    telemetry=Telemetry.of(compiled),
                    tags=tags,
                    existing=own.existing,
                    task_policy_arns=own.task_policy_arns,
                ),
                opts=child(platform),
            )
            if own_rules:
                _admit_load_balancer(platform, parts, name, service.port, tags)
        return DeployedDataPlane(
            # No mesh resource: the namespace the services are published in stands for the mesh,
            # the cluster holds them, and the HTTPS listener is the gateway.
            mesh_name=parts.foundation.namespace_name,
            mesh_arn=parts.foundation.cluster_arn,
            gateway_arn=endpoint.https_listener_arn,
            service_names={
                name: pulumi.Output.from_input(compiled.services[name].dns_name) for name in services
            },
            task_role_policies={
                name: {steady_version(compiled.services[name]): s.task_role_policy}
                for name, s in services.items()
            },
        )


def _admit_load_balancer(
    platform: pulumi.Resource, parts: PlatformParts, service: str, port: int, tags: dict[str, str]
) -> None:
    """The ALB may open connections to the service's tasks on its port, and nothing else."""
    alb_group = parts.endpoint.alb_security_group_id
    service_group = parts.firewall.group_ids[service]
    rules = (
        (aws.vpc.SecurityGroupIngressRule, f"{service}-from-alb", service_group, alb_group, "this service"),
        (aws.vpc.SecurityGroupEgressRule, f"alb-to-{service}", alb_group, service_group, service),
    )
    for rule, name, group, peer, to in rules:
        rule(
            name,
            security_group_id=group,
            referenced_security_group_id=peer,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=f"the ALB forwards gateway routes to {to}",
            tags=tags,
            opts=child(platform),
        )
