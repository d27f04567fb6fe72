"""Pulumi components for a service mesh on ECS Fargate, built from a meshspec.Mesh.

Each component takes a typed args dataclass and can be used on its own:

    from fargate_mesh.components import MeshService, MeshServiceArgs
"""

from fargate_mesh.components.alarms import GatewayAlarmArgs
from fargate_mesh.components.appmesh.external import ExternalService, ExternalServiceArgs
from fargate_mesh.components.appmesh.gateway import GatewayTarget, IngressGateway, IngressGatewayArgs
from fargate_mesh.components.appmesh.routing import ServiceRouting, ServiceRoutingArgs
from fargate_mesh.components.appmesh.service import MeshService, MeshServiceArgs, mesh_backends
from fargate_mesh.components.ecs.workload import FargateService, FargateServiceArgs, LoadBalancerTarget
from fargate_mesh.components.firewall import Admission, MeshFirewall, MeshFirewallArgs, admissions_from_spec
from fargate_mesh.components.foundation import MeshFoundation, MeshFoundationArgs
from fargate_mesh.components.images import AppImage, AppImageArgs
from fargate_mesh.components.network import ExistingNetwork, Network, NetworkArgs
from fargate_mesh.components.platform import MeshPlatform, MeshPlatformArgs, missing_build_contexts
from fargate_mesh.components.public_endpoint import PublicEndpoint, PublicEndpointArgs
from fargate_mesh.render.appmesh.specs import MeshBackend

__all__ = [
    "Admission",
    "AppImage",
    "AppImageArgs",
    "ExistingNetwork",
    "ExternalService",
    "ExternalServiceArgs",
    "FargateService",
    "FargateServiceArgs",
    "GatewayAlarmArgs",
    "GatewayTarget",
    "IngressGateway",
    "IngressGatewayArgs",
    "LoadBalancerTarget",
    "MeshBackend",
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
    "PublicEndpoint",
    "PublicEndpointArgs",
    "ServiceRouting",
    "ServiceRoutingArgs",
    "admissions_from_spec",
    "mesh_backends",
    "missing_build_contexts",
]
