"""Pulumi components for a service mesh on ECS Fargate, built from a fargate_mesh.spec.Mesh
compiled by fargate_mesh.model (MeshPlatformArgs compiles it; the mesh components take its parts).

Each component takes a typed args dataclass and can be used on its own:

    from fargate_mesh.components import MeshService, MeshServiceArgs
"""

from fargate_mesh.components.alarms import GatewayAlarmArgs
from fargate_mesh.components.appmesh.dataplane import AppMeshDataPlane
from fargate_mesh.components.appmesh.external import ExternalService, ExternalServiceArgs
from fargate_mesh.components.appmesh.gateway import IngressGateway, IngressGatewayArgs
from fargate_mesh.components.appmesh.mesh import AppMesh, AppMeshArgs, ExistingMesh
from fargate_mesh.components.appmesh.routing import ServiceRouting, ServiceRoutingArgs
from fargate_mesh.components.appmesh.service import MeshService, MeshServiceArgs
from fargate_mesh.components.appmesh.sidecar import AppMeshEnvoy, EnvoyOptions
from fargate_mesh.components.dataplane import DataPlane, DeployedDataPlane, PlatformParts, ServiceImages
from fargate_mesh.components.ecs.task import (
    App,
    Capacity,
    ExistingTaskResources,
    Proxy,
    TaskArgs,
    TaskGroup,
    Telemetry,
    Workload,
    WorkloadResources,
)
from fargate_mesh.components.ecs.workload import (
    FargateService,
    FargateServiceArgs,
    LoadBalancerTarget,
    TaskPlacement,
)
from fargate_mesh.components.envoy.gateway import EnvoyGateway, EnvoyGatewayArgs
from fargate_mesh.components.envoy.proxy import EnvoyImages, EnvoyProxy
from fargate_mesh.components.envoy.service import EnvoyMeshService, EnvoyMeshServiceArgs
from fargate_mesh.components.envoy.sidecars import envoy_gateway_proxy, envoy_sidecars
from fargate_mesh.components.firewall import (
    GATEWAY,
    Admission,
    MeshFirewall,
    MeshFirewallArgs,
    admissions_from_spec,
)
from fargate_mesh.components.foundation import (
    ExistingCluster,
    ExistingNamespace,
    MeshFoundation,
    MeshFoundationArgs,
)
from fargate_mesh.components.images import AppImage, AppImageArgs
from fargate_mesh.components.names import StackNames, TaskNames
from fargate_mesh.components.network import ExistingNetwork, Network, NetworkArgs
from fargate_mesh.components.platform import (
    DATA_PLANES,
    MeshPlatform,
    MeshPlatformArgs,
    missing_build_contexts,
)
from fargate_mesh.components.public_endpoint import PublicEndpoint, PublicEndpointArgs
from fargate_mesh.components.serviceconnect.service import ConnectService, ConnectServiceArgs, EdgeArgs

__all__ = [
    "DATA_PLANES",
    "GATEWAY",
    "Admission",
    "App",
    "AppImage",
    "AppImageArgs",
    "AppMesh",
    "AppMeshArgs",
    "AppMeshDataPlane",
    "AppMeshEnvoy",
    "Capacity",
    "ConnectService",
    "ConnectServiceArgs",
    "DataPlane",
    "DeployedDataPlane",
    "EdgeArgs",
    "EnvoyGateway",
    "EnvoyGatewayArgs",
    "EnvoyImages",
    "EnvoyMeshService",
    "EnvoyMeshServiceArgs",
    "EnvoyOptions",
    "EnvoyProxy",
    "ExistingCluster",
    "ExistingMesh",
    "ExistingNamespace",
    "ExistingNetwork",
    "ExistingTaskResources",
    "ExternalService",
    "ExternalServiceArgs",
    "FargateService",
    "FargateServiceArgs",
    "GatewayAlarmArgs",
    "IngressGateway",
    "IngressGatewayArgs",
    "LoadBalancerTarget",
    "MeshFirewall",
    "MeshFirewallArgs",
    "MeshFoundation",
    "MeshFoundationArgs",
    "MeshPlatform",
    "MeshPlatformArgs",
    "MeshService",
    "MeshServiceArgs",
    "Network",
    "NetworkArgs",
    "PlatformParts",
    "Proxy",
    "PublicEndpoint",
    "PublicEndpointArgs",
    "ServiceImages",
    "ServiceRouting",
    "ServiceRoutingArgs",
    "StackNames",
    "TaskArgs",
    "TaskGroup",
    "TaskNames",
    "TaskPlacement",
    "Telemetry",
    "Workload",
    "WorkloadResources",
    "admissions_from_spec",
    "envoy_gateway_proxy",
    "envoy_sidecars",
    "missing_build_contexts",
]
