"""Everything App Mesh-specific: spec rendering, routing, the Envoy sidecar, gateway, externals.

App Mesh reached end of support on 2026-09-30; another data plane is a sibling package that
reuses components.ecs, components.firewall and the spec, not a change to this one.
"""
