"""The `envoy` data plane: Envoy on Fargate running the bootstraps this library renders (no App Mesh).

dataplane.py   EnvoyDataPlane: the services and the gateway on the platform's parts
service.py     EnvoyMeshService: one service's versions, each in its own Cloud Map service
gateway.py     EnvoyGateway: the ingress Envoy behind the ALB
proxy.py       EnvoyProxy: Envoy's containers in a task (the task builder's Proxy)
delivery.py    how a bootstrap reaches its container: inline, or S3 and an init container
discovery.py   a version's Cloud Map service (A, MULTIVALUE, ECS custom health check)
egress.py      how the app's calls reach its sidecar (HTTP_PROXY)
"""

from fargate_mesh.components.envoy.dataplane import EnvoyDataPlane

__all__ = ["EnvoyDataPlane"]
