"""localmesh: a stack's mesh on this machine, with real Envoy in front of the sample apps."""

from fargate_mesh.spec.mesh import DataPlane

# What localmesh runs: Envoy with the bootstraps this product renders (the `envoy` data plane).
DATAPLANE: DataPlane = "envoy"
