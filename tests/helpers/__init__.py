"""Builders and helpers shared by the test folders (fixtures stay in conftest.py files):

spec      a minimal mesh dict, `edit`/`with_mesh` at dotted paths, problem assertions
meshes    the shipped stacks, the spec that uses every construct, compiled meshes and plans
envoy     `envoy --mode validate` over many bootstraps, and readers of rendered configs
"""
