"""Mesh TLS on App Mesh: the compiled mesh's TLS decisions and MeshTrust's certificates, turned into
node and gateway specs and each task's certificate delivery (components/tls/setup.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fargate_mesh.components.tls.setup import TlsDelivery, delivery_of
from fargate_mesh.facts import DEFAULT_TLS_SETUP_IMAGE
from fargate_mesh.model import CompiledMesh, Identity
from fargate_mesh.render.appmesh.tls import MeshCertificates, task_needs, with_gateway_tls, with_node_tls

# Envoy's uid in the App Mesh Envoy image (sidecar.ENVOY_UID; not imported: sidecar imports this module).
ENVOY_UID = "1337"


@dataclass(frozen=True)
class MeshTlsParts:
    """Everything the App Mesh components need for mesh TLS: the compiled mesh's decisions and the
    certificates MeshTrust made. One per stack, handed to each service and the gateway."""

    mesh: CompiledMesh
    certificates: MeshCertificates
    setup_image: str = DEFAULT_TLS_SETUP_IMAGE

    def delivery(self, identity: Identity) -> TlsDelivery | None:
        """The TLS delivery of `identity`'s tasks, or None when it needs nothing."""
        needs = task_needs(self.mesh, self.certificates, identity)
        if not (needs.export_own or needs.read_ca or needs.files):
            return None
        return delivery_of(self.mesh.tls, self.certificates, identity, needs, ENVOY_UID, self.setup_image)

    def service_delivery(self, service: str) -> TlsDelivery | None:
        return self.delivery(self.mesh.tls.services[service].identity)

    def gateway_delivery(self) -> TlsDelivery | None:
        return self.delivery(self.mesh.tls.gateway.identity)

    def node_spec(self, spec: dict[str, Any], service: str) -> dict[str, Any]:
        return with_node_tls(spec, self.mesh, service, self.certificates)

    def gateway_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        return with_gateway_tls(spec, self.mesh, self.certificates)
