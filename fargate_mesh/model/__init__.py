"""The compiled mesh: every fact renderers need, computed once from a validated spec.

    compiled = compile_checked(mesh, "envoy")   # or compile_mesh(mesh) without the capability check

Pure: no Pulumi or Envoy imports. docs/architecture.md shows where it sits between the spec and the
renderers.
"""

from fargate_mesh.model.capabilities import FEATURES, Feature, unsupported
from fargate_mesh.model.compile import compile_mesh
from fargate_mesh.model.compiled import (
    Callee,
    CompiledExternal,
    CompiledGateway,
    CompiledGatewayRoute,
    CompiledMesh,
    CompiledRoute,
    CompiledService,
    CompiledVersion,
    Target,
)
from fargate_mesh.model.gate import compile_checked
from fargate_mesh.model.policies import APP_MESH_DEFAULT_RETRY, DEFAULT_TIMEOUT, Retry, RoutePolicy, Timeout
from fargate_mesh.model.tls import CompiledTls, EdgeTls, Identity, ListenerTls, TlsAuthority

__all__ = [
    "APP_MESH_DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "FEATURES",
    "Callee",
    "CompiledExternal",
    "CompiledGateway",
    "CompiledGatewayRoute",
    "CompiledMesh",
    "CompiledRoute",
    "CompiledService",
    "CompiledTls",
    "CompiledVersion",
    "EdgeTls",
    "Feature",
    "Identity",
    "ListenerTls",
    "Retry",
    "RoutePolicy",
    "Target",
    "Timeout",
    "TlsAuthority",
    "compile_checked",
    "compile_mesh",
    "unsupported",
]
