"""fargate-mesh: a service mesh for microservices on AWS ECS Fargate, as code.

One validated spec (`fargate_mesh.spec`) is compiled once and rendered for a data plane on AWS
(`fargate_mesh.components`, Pulumi) or run on this machine with real Envoy (`fargate_mesh.localmesh`).
"""
