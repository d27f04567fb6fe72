"""Mesh TLS in Envoy's shapes: a listener's downstream context, a caller's upstream context.

The compiled mesh decides who is encrypted, who must present a certificate and whom a listener lets
in (model/tls.py); the plan says where the files are. This module only translates:
- a listener that speaks TLS presents its identity's certificate; a mutual one requires a client
  certificate signed by the mesh CA whose DNS name is one of its clients' (else the handshake fails,
  counted as `ssl.fail_verify_san`);
- PERMISSIVE: a TLS inspector reads the first bytes, and a filter chain matched on the transport
  protocol takes TLS, a second one plaintext;
- a caller to an encrypted callee sends SNI, checks the callee's certificate against the mesh CA and
  the callee's DNS name, and presents its own certificate when the callee is mutual.
"""

from __future__ import annotations

from typing import Any

from fargate_mesh.model import EdgeTls, Identity, ListenerTls
from fargate_mesh.tls_files import CertificateFiles

_TLS_SOCKET = "envoy.transport_sockets.tls"
_TLS_TYPES = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3."
TLS_INSPECTOR = {
    "name": "envoy.filters.listener.tls_inspector",
    "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"
    },
}


# Not a DNS name (a space is not allowed in one), so no certificate's DNS name equals it.
NOBODY = "no caller is allowed"


def _dns_names(names: list[str]) -> list[dict[str, Any]]:
    return [{"san_type": "DNS", "matcher": {"exact": name}} for name in names]


def _certificate(files: CertificateFiles, identity: Identity) -> dict[str, Any]:
    return {
        "certificate_chain": {"filename": files.chain(identity)},
        "private_key": {"filename": files.key(identity)},
    }


def _validation(files: CertificateFiles, names: list[str]) -> dict[str, Any]:
    return {"trusted_ca": {"filename": files.ca}, "match_typed_subject_alt_names": _dns_names(names)}


# Both ends of a hop inside the mesh are our Envoys, so TLS 1.3 only (Envoy's clients stop at 1.2
# unless told). The load balancer's hop to the gateway keeps Envoy's defaults (TLS 1.2 and up).
MESH_TLS_PARAMS = {"tls_minimum_protocol_version": "TLSv1_3", "tls_maximum_protocol_version": "TLSv1_3"}


def downstream(
    files: CertificateFiles,
    identity: Identity,
    clients: tuple[Identity, ...] | None,
    alpn: list[str],
    *,
    inside_mesh: bool = True,
) -> dict[str, Any]:
    """A listener's TLS: present `identity`; clients not None: require a certificate naming one of them."""
    common: dict[str, Any] = {"tls_certificates": [_certificate(files, identity)], "alpn_protocols": alpn}
    if inside_mesh:
        common["tls_params"] = MESH_TLS_PARAMS
    context: dict[str, Any] = {"@type": _TLS_TYPES + "DownstreamTlsContext", "common_tls_context": common}
    if clients is not None:
        # Envoy reads an empty name list as "any certificate of the CA": a listener nobody may call
        # gets a name no DNS certificate can carry instead.
        names = [c.dns_name for c in clients] or [NOBODY]
        common["validation_context"] = _validation(files, names)
        context["require_client_certificate"] = True
    return {"name": _TLS_SOCKET, "typed_config": context}


def upstream(
    files: CertificateFiles, callee: ListenerTls, caller: Identity, alpn: list[str]
) -> dict[str, Any]:
    """A caller's TLS to `callee`: SNI and the expected name are the callee's; its certificate only
    when the callee asks for one."""
    common: dict[str, Any] = {
        "tls_params": MESH_TLS_PARAMS,
        "validation_context": _validation(files, [callee.identity.dns_name]),
        "alpn_protocols": alpn,
    }
    if callee.mutual:
        common["tls_certificates"] = [_certificate(files, caller)]
    return {
        "name": _TLS_SOCKET,
        "typed_config": {
            "@type": _TLS_TYPES + "UpstreamTlsContext",
            "sni": callee.identity.dns_name,
            "common_tls_context": common,
        },
    }


def alpn_for(protocol: str) -> list[str]:
    """What a TLS hop offers: h2 for an http2 or grpc service (its clusters speak HTTP/2), HTTP/1.1
    otherwise."""
    return ["h2"] if protocol in ("http2", "grpc") else ["http/1.1"]


def protect_edge(listener: dict[str, Any], edge: EdgeTls, files: CertificateFiles) -> dict[str, Any]:
    """The gateway's public listener: under TLS when the load balancer hop is STRICT; the load
    balancer presents no certificate, so none is asked for."""
    if edge.mode == "DISABLED":
        return listener
    [chain] = listener["filter_chains"]
    socket = downstream(files, edge.identity, None, alpn_for("http"), inside_mesh=False)
    return {**listener, "filter_chains": [{**chain, "transport_socket": socket}]}


def protect(
    listener: dict[str, Any], tls: ListenerTls, files: CertificateFiles, protocol: str
) -> dict[str, Any]:
    """The listener as `tls` says: unchanged when DISABLED; its one filter chain under TLS when STRICT;
    a TLS chain and a plaintext chain, told apart by the TLS inspector, when PERMISSIVE."""
    if not tls.encrypted:
        return listener
    [chain] = listener["filter_chains"]
    socket = downstream(files, tls.identity, tls.clients if tls.mutual else None, alpn_for(protocol))
    secure = {**chain, "transport_socket": socket}
    if tls.mode == "STRICT":
        return {**listener, "filter_chains": [secure]}
    return {
        **listener,
        "listener_filters": [TLS_INSPECTOR],
        "filter_chains": [
            {"filter_chain_match": {"transport_protocol": "tls"}, **secure},
            {"filter_chain_match": {"transport_protocol": "raw_buffer"}, **chain},
        ],
    }
