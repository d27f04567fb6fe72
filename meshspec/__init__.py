"""The mesh spec: a typed, validated model of one stack's mesh. Knows nothing of Pulumi or Envoy."""

from meshspec.errors import Problem, SpecError
from meshspec.loader import load_stack_file, parse_mesh, stack_file, validate_mesh
from meshspec.matches import GatewayMatch, HeaderMatch, HttpMatch, PathMatch, QueryParameterMatch
from meshspec.mesh import ExternalBackend, Gateway, Mesh, Network
from meshspec.policies import HealthCheck, OutlierDetection, RetryPolicy, Timeouts
from meshspec.routes import GatewayRoute, Rewrite, Route
from meshspec.service import Autoscaling, Service, TaskSize, Version

__all__ = [
    "Autoscaling",
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
