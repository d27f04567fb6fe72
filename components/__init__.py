"""Pulumi components for a service mesh on ECS Fargate, built from a meshspec.Mesh.

Each component takes a typed args dataclass and can be used on its own:

    from components import MeshService, MeshServiceArgs
"""

from components.alarms import GatewayAlarmArgs
from components.appmesh.external import ExternalService, ExternalServiceArgs
from components.appmesh.gateway import GatewayTarget, IngressGateway, IngressGatewayArgs
from components.appmesh.routing import ServiceRouting, ServiceRoutingArgs
from components.appmesh.service import MeshService, MeshServiceArgs, mesh_backends
from components.appmesh.specs import MeshBackend
from components.ecs.workload import FargateService, FargateServiceArgs, LoadBalancerTarget
from components.firewall import Admission, MeshFirewall, MeshFirewallArgs, admissions_from_spec
from components.foundation import MeshFoundation, MeshFoundationArgs
from components.images import AppImage, AppImageArgs
from components.network import ExistingNetwork, Network, NetworkArgs
from components.platform import MeshPlatform, MeshPlatformArgs, missing_build_contexts
from components.public_endpoint import PublicEndpoint, PublicEndpointArgs

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
