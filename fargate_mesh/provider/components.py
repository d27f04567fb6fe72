"""The components the provider hosts, and how each one's inputs mirror its Python component's args.

Each hosted class (in platform.py, edge.py, foundation.py, mesh.py, workloads.py, envoy.py,
serviceconnect.py, ecs.py) takes a
TypedDict the schema inference reads; those modules do not use `from __future__ import
annotations`, because the inference reads the annotations at run time. A Python arg reaches the
hosted component in one of three ways, and HOSTED says which for each one that is not an input of
the same name (tests/library/test_provider.py holds the table to the args classes):
- `given_as`: another input gives it (the spec and a service name give a compiled service), or the
  component's `dependsOn` does;
- `python_only`: it cannot be expressed in another language, and why (also said in the hosted
  class's docstring and in docs/reuse.md).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

from fargate_mesh import components as python
from fargate_mesh.components.ecs.workload import BlueGreenTraffic
from fargate_mesh.provider import (
    ecs,
    edge,
    envoy,
    foundation,
    inputs,
    mesh,
    platform,
    serviceconnect,
    workloads,
)
from fargate_mesh.provider.hosting import PACKAGE
from fargate_mesh.spec import Autoscaling

MESH_TLS = (
    "the mesh's certificates, which MeshStack makes once for the whole mesh; a spec with TLS is "
    "refused rather than run in plaintext"
)
FROM_SPEC_SERVICE = "spec + service: the spec's service, compiled"
FROM_SPEC_TELEMETRY = "the spec's logRetentionDays, tracing and xrayImage"
FROM_SPEC_NAMESPACE = "the spec's namespace"
FROM_SPEC_BOOTSTRAPS = "spec (+ envoyImage): the Envoy running the bootstrap rendered from the spec, inline"


@dataclass(frozen=True)
class Hosting:
    """A hosted component, the Python component it registers, and the Python args that are not an
    input of the same name."""

    hosted: type[pulumi.ComponentResource]
    python: type[pulumi.ComponentResource]
    args: type
    given_as: Mapping[str, str] = field(default_factory=dict)
    python_only: Mapping[str, str] = field(default_factory=dict)


HOSTED: list[Hosting] = [
    Hosting(
        platform.MeshStack,
        python.MeshPlatform,
        python.MeshPlatformArgs,
        given_as={
            "mesh": "spec",
            "spec_source": '"MeshStack spec", in errors',
            "existing_network": "vpcId, publicSubnetIds, privateSubnetIds",
            "existing_cluster": "clusterArn, clusterName",
            "existing_namespace": "namespaceId, named as the spec's namespace",
            "existing_mesh": "meshArn",
        },
    ),
    Hosting(edge.Network, python.Network, python.NetworkArgs),
    Hosting(edge.PublicEndpoint, python.PublicEndpoint, python.PublicEndpointArgs),
    Hosting(edge.MeshFirewall, python.MeshFirewall, python.MeshFirewallArgs),
    Hosting(foundation.MeshFoundation, python.MeshFoundation, python.MeshFoundationArgs),
    Hosting(foundation.AppImage, python.AppImage, python.AppImageArgs),
    Hosting(
        mesh.AppMesh,
        python.AppMesh,
        python.AppMeshArgs,
        python_only={
            "previous_parents": "Python components of an older Python stack that held the mesh, to "
            "alias it to; a program in another language has none"
        },
    ),
    Hosting(
        mesh.ServiceRouting,
        python.ServiceRouting,
        python.ServiceRoutingArgs,
        given_as={"service": FROM_SPEC_SERVICE, "namespace": FROM_SPEC_NAMESPACE},
        python_only={"mesh_tls": MESH_TLS},
    ),
    Hosting(
        mesh.ExternalService,
        python.ExternalService,
        python.ExternalServiceArgs,
        given_as={"external": "spec + external: the spec's external backend, compiled"},
    ),
    Hosting(
        workloads.MeshService,
        python.MeshService,
        python.MeshServiceArgs,
        given_as={
            "service": FROM_SPEC_SERVICE,
            "namespace": FROM_SPEC_NAMESPACE,
            "telemetry": FROM_SPEC_TELEMETRY,
        },
        python_only={"mesh_tls": MESH_TLS},
    ),
    Hosting(
        workloads.IngressGateway,
        python.IngressGateway,
        python.IngressGatewayArgs,
        given_as={
            "gateway": "spec: the spec's gateway, compiled",
            "telemetry": FROM_SPEC_TELEMETRY,
            "route_dependencies": "the component's dependsOn",
            "service_dependencies": "the component's dependsOn",
        },
        python_only={"mesh_tls": MESH_TLS},
    ),
    Hosting(
        envoy.EnvoyMeshService,
        python.EnvoyMeshService,
        python.EnvoyMeshServiceArgs,
        given_as={
            "service": FROM_SPEC_SERVICE,
            "proxies": FROM_SPEC_BOOTSTRAPS,
            "telemetry": FROM_SPEC_TELEMETRY,
        },
    ),
    Hosting(
        envoy.EnvoyGateway,
        python.EnvoyGateway,
        python.EnvoyGatewayArgs,
        given_as={
            "gateway": "spec: the spec's gateway, compiled",
            "proxy": FROM_SPEC_BOOTSTRAPS,
            "telemetry": FROM_SPEC_TELEMETRY,
            "service_dependencies": "the component's dependsOn",
        },
    ),
    Hosting(
        serviceconnect.ConnectService,
        python.ConnectService,
        python.ConnectServiceArgs,
        given_as={
            "service": FROM_SPEC_SERVICE,
            "telemetry": "the spec's logRetentionDays; no tracing (Service Connect's proxy sends no traces)",
        },
    ),
    Hosting(
        ecs.FargateService,
        python.FargateService,
        python.FargateServiceArgs,
        given_as={"depends_on": "the component's dependsOn"},
    ),
]

# Input types that mirror a Python args class field for field, as (TypedDict, Python class).
MIRRORED: list[tuple[type, type]] = [
    (inputs.GatewayAlarmArgs, python.GatewayAlarmArgs),
    (edge.ExistingNetworkArgs, python.ExistingNetwork),
    (edge.AdmissionArgs, python.Admission),
    (foundation.ExistingClusterArgs, python.ExistingCluster),
    (foundation.ExistingNamespaceArgs, python.ExistingNamespace),
    (inputs.TaskPlacementArgs, python.TaskPlacement),
    (inputs.ExistingTaskResourcesArgs, python.ExistingTaskResources),
    (inputs.WorkloadResourcesArgs, python.WorkloadResources),
    (inputs.EnvoyOptionsArgs, python.EnvoyOptions),
    (ecs.LoadBalancerTargetArgs, python.LoadBalancerTarget),
    (ecs.BlueGreenTrafficArgs, BlueGreenTraffic),
    (ecs.AutoscalingArgs, Autoscaling),
]

# Public Python components the provider does not host, with why. None today; one added here must
# be named, with its reason, in docs/reuse.md's "From TypeScript, Go, C#, Java or YAML".
PYTHON_ONLY: dict[type[pulumi.ComponentResource], str] = {}

COMPONENTS: list[type[pulumi.ComponentResource]] = [hosting.hosted for hosting in HOSTED]

__all__ = ["COMPONENTS", "HOSTED", "MIRRORED", "PACKAGE", "PYTHON_ONLY", "Hosting"]
