"""The mesh spec: a typed, validated model of one stack's mesh. Knows nothing of Pulumi or Envoy."""

from fargate_mesh.spec.errors import Problem, SpecError
from fargate_mesh.spec.loader import load_stack_file, parse_mesh, stack_file, validate_mesh
from fargate_mesh.spec.matches import GatewayMatch, HeaderMatch, HttpMatch, PathMatch, QueryParameterMatch
from fargate_mesh.spec.mesh import ExternalBackend, Gateway, Mesh, Network
from fargate_mesh.spec.policies import ConnectionPool, HealthCheck, OutlierDetection, RetryPolicy, Timeouts
from fargate_mesh.spec.rollout import Rollout
from fargate_mesh.spec.routes import GatewayRoute, Rewrite, Route
from fargate_mesh.spec.service import Autoscaling, Service, TaskSize, Version

__all__ = [
    "Autoscaling",
    "ConnectionPool",
    "ExternalBackend",
    "Gateway",
    "GatewayMatch",
    "GatewayRoute",
    "HeaderMatch",
    "HealthCheck",
    "HttpMatch",
    "Mesh",
    "Network",
    "OutlierDetection",
    "PathMatch",
    "Problem",
    "QueryParameterMatch",
    "RetryPolicy",
    "Rewrite",
    "Rollout",
    "Route",
    "Service",
    "SpecError",
    "TaskSize",
    "Timeouts",
    "Version",
    "load_stack_file",
    "parse_mesh",
    "stack_file",
    "validate_mesh",
]
