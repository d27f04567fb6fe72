"""Mesh TLS in App Mesh's shapes: listener TLS on virtual nodes and the virtual gateway, and the client
policies callers enforce. Pure: certificate and CA ARNs come in as Pulumi inputs.

Where each piece comes from, and why (App Mesh user guide, "Transport Layer Security" and "Mutual TLS
authentication"; the botocore appmesh model's shapes):
- A listener's own certificate: from ACM (a private certificate of the mesh's Private CA), which App
  Mesh hands to Envoy itself; the task role may export exactly that certificate. With certificates
  from Secrets Manager (`tls.authority.secrets`), from files instead.
- A caller validates the callee against the CA (ACM trust: the task role may read exactly the CA's
  certificate) and the callee's one DNS name; files trust with user secrets.
- Mutual TLS: App Mesh takes a client certificate, and a listener's trust for client certificates,
  only from files or SDS, never ACM. Here: files in the task's TLS folder (facts.TASK_TLS_DIRECTORY,
  laid out as tls_files.CertificateFiles), written at start by the task's setup container.
- A node's mesh backends each carry their own client policy, because the callee's name differs per
  backend and a backend-defaults policy would also reach plaintext external backends. The virtual
  gateway has backend defaults only: enforced TLS to every routed service, any of their names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from fargate_mesh.facts import TASK_TLS_DIRECTORY
from fargate_mesh.model import CompiledMesh, Identity, ListenerTls
from fargate_mesh.tls_files import CertificateFiles

Spec = dict[str, Any]


@dataclass(frozen=True)
class MeshCertificates:
    """What the stack's certificate authority gives App Mesh: ARNs from ACM and Private CA, or
    nothing when the certificates are the user's (then every certificate and trust is a file)."""

    ca_arn: pulumi.Input[str] | None  # the Private CA; None with user-provided secrets
    certificate_arns: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)  # identity name → ACM ARN
    files: CertificateFiles = field(default_factory=lambda: CertificateFiles(TASK_TLS_DIRECTORY))

    @property
    def from_acm(self) -> bool:
        return self.ca_arn is not None


def _names(names: list[str]) -> Spec:
    return {"match": {"exacts": names}}


def _own_certificate(certs: MeshCertificates, identity: Identity) -> Spec:
    if certs.from_acm:
        return {"acm": {"certificate_arn": certs.certificate_arns[identity.name]}}
    return {
        "file": {"certificate_chain": certs.files.chain(identity), "private_key": certs.files.key(identity)}
    }


def _file_certificate(certs: MeshCertificates, identity: Identity) -> Spec:
    return {
        "file": {"certificate_chain": certs.files.chain(identity), "private_key": certs.files.key(identity)}
    }


def _trust(certs: MeshCertificates) -> Spec:
    if certs.from_acm:
        return {"acm": {"certificate_authority_arns": [certs.ca_arn]}}
    return {"file": {"certificate_chain": certs.files.ca}}


def listener_tls(listener: ListenerTls, certs: MeshCertificates) -> Spec | None:
    """A virtual node listener's `tls`, or None when DISABLED."""
    if not listener.encrypted:
        return None
    spec: Spec = {"mode": listener.mode, "certificate": _own_certificate(certs, listener.identity)}
    if listener.mutual:
        spec["validation"] = {
            "trust": {"file": {"certificate_chain": certs.files.ca}},
            "subject_alternative_names": _names([c.dns_name for c in listener.clients]),
        }
    return spec


def client_policy(callee: ListenerTls, port: int, caller: Identity, certs: MeshCertificates) -> Spec | None:
    """A caller's client policy toward a mesh service, or None when the callee is plaintext."""
    if not callee.encrypted:
        return None
    tls: Spec = {
        "enforce": True,
        "ports": [port],
        "validation": {
            "trust": _trust(certs),
            "subject_alternative_names": _names([callee.identity.dns_name]),
        },
    }
    if callee.mutual:
        tls["certificate"] = _file_certificate(certs, caller)
    return {"tls": tls}


def node_backend_policies(mesh: CompiledMesh, service: str, certs: MeshCertificates) -> dict[str, Spec]:
    """The client policy of each mesh backend of `service` that speaks TLS, by its virtual service name."""
    caller = mesh.tls.services[service].identity
    policies = {}
    for callee in mesh.services[service].callees:
        if callee.external:
            continue
        policy = client_policy(mesh.tls.services[callee.name], callee.port, caller, certs)
        if policy is not None:
            policies[callee.dns_name] = policy
    return policies


def gateway_listener_tls(mesh: CompiledMesh, certs: MeshCertificates) -> Spec | None:
    """The virtual gateway listener's `tls` (the load balancer hop), or None when DISABLED."""
    edge = mesh.tls.gateway
    if edge.mode == "DISABLED":
        return None
    return {"mode": "STRICT", "certificate": _own_certificate(certs, edge.identity)}


def gateway_backend_defaults(mesh: CompiledMesh, certs: MeshCertificates) -> Spec | None:
    """The virtual gateway's backend defaults: TLS enforced toward the routed services that speak it,
    their names accepted, the gateway's certificate presented when any of them is mutual."""
    routed = [mesh.tls.services[s.name] for s in mesh.gateway_services]
    encrypted = [listener for listener in routed if listener.encrypted]
    if not encrypted:
        return None
    ports = sorted({mesh.services[listener.identity.name].port for listener in encrypted})
    tls: Spec = {
        "enforce": True,
        "ports": ports,
        "validation": {
            "trust": _trust(certs),
            "subject_alternative_names": _names([listener.identity.dns_name for listener in encrypted]),
        },
    }
    if any(listener.mutual for listener in encrypted):
        tls["certificate"] = _file_certificate(certs, mesh.tls.gateway.identity)
    return {"client_policy": {"tls": tls}}


def with_node_tls(spec: Spec, mesh: CompiledMesh, service: str, certs: MeshCertificates) -> Spec:
    """A virtual node spec (specs.virtual_node_spec*) with its listener's TLS and its backends' client
    policies; unchanged when the service neither serves nor calls over TLS."""
    listener = listener_tls(mesh.tls.services[service], certs)
    policies = node_backend_policies(mesh, service, certs)
    if listener is None and not policies:
        return spec
    spec = {**spec, "listeners": [dict(item) for item in spec["listeners"]]}
    if listener is not None:
        for item in spec["listeners"]:
            item["tls"] = listener
    backends = []
    for backend in spec.get("backends", []):
        name = backend["virtual_service"]["virtual_service_name"]
        if name in policies:
            backend = {"virtual_service": {**backend["virtual_service"], "client_policy": policies[name]}}
        backends.append(backend)
    if backends:
        spec["backends"] = backends
    return spec


def with_gateway_tls(spec: Spec, mesh: CompiledMesh, certs: MeshCertificates) -> Spec:
    """A virtual gateway spec (specs.virtual_gateway_spec*) with its listener's TLS and its backend
    defaults; unchanged when neither hop uses TLS."""
    listener = gateway_listener_tls(mesh, certs)
    defaults = gateway_backend_defaults(mesh, certs)
    spec = dict(spec)
    if listener is not None:
        spec["listeners"] = [{**item, "tls": listener} for item in spec["listeners"]]
    if defaults is not None:
        spec["backend_defaults"] = defaults
    return spec


@dataclass(frozen=True)
class TaskTlsNeeds:
    """What one identity's task needs for mesh TLS on App Mesh, each the least that works."""

    export_own: bool  # App Mesh or the setup container exports its ACM certificate
    read_ca: bool  # it validates peers against the Private CA's certificate
    files: bool  # its TLS folder is filled at start (client certificate, mutual trust, user secrets)


def task_needs(mesh: CompiledMesh, certs: MeshCertificates, identity: Identity) -> TaskTlsNeeds:
    """For `identity`'s task: files when it presents a client certificate (a callee is mutual),
    validates client certificates (it is mutual), or takes everything from files (user secrets)."""
    if not mesh.tls.enabled:
        return TaskTlsNeeds(False, False, False)
    if identity == mesh.tls.gateway.identity:
        serves = mesh.tls.gateway.mode != "DISABLED"
        mutual = False
        callees = [mesh.tls.services[s.name] for s in mesh.gateway_services]
    else:
        own = mesh.tls.services[identity.name]
        serves, mutual = own.encrypted, own.mutual
        callees = [mesh.tls.services[c.name] for c in mesh.services[identity.name].callees if not c.external]
    files = not certs.from_acm or mutual or any(c.mutual for c in callees)
    calls = any(c.encrypted for c in callees)
    acm = certs.from_acm
    return TaskTlsNeeds(export_own=acm and (serves or files), read_ca=acm and (calls or files), files=files)
