"""The ECS Service Connect data plane: ECS injects its own proxy east-west, the ALB routes north-south."""

from fargate_mesh.components.serviceconnect.dataplane import ServiceConnectDataPlane
from fargate_mesh.components.serviceconnect.service import ConnectService, ConnectServiceArgs, EdgeArgs

__all__ = ["ConnectService", "ConnectServiceArgs", "EdgeArgs", "ServiceConnectDataPlane"]
