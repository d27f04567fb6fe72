"""Mesh TLS pieces every data plane that runs Envoy in its tasks shares.

trust.py   MeshTrust: the mesh's Private CA (created or given) and one ACM private certificate per identity
setup.py   TlsDelivery: a task's TLS permissions and the setup container that writes its certificate files
"""
