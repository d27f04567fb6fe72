"""Mesh TLS, worked out once: who holds a certificate, how each listener is protected, and whom a
mutual listener lets in.

- One identity per service, its DNS name (products.shop.local), plus the gateway's
  (shop-gateway.shop.local). Every version of a service presents the same identity: a caller checks
  that it reached the service, not which version.
- A service's mode and mutual are its own `tls` override, else the mesh's, else DISABLED (no `tls`
  key). Mutual only means something on a listener that speaks TLS.
- Callers speak TLS to a callee whose mode is STRICT or PERMISSIVE (PERMISSIVE still accepts
  plaintext from callers not yet moved: the migration step, docs/tls.md).
- A mutual callee accepts exactly the services that declare it as a backend, plus the gateway when a
  gateway route targets it. Anyone else is refused during the handshake.
- The load balancer → gateway hop is STRICT when the mesh's own mode uses TLS, unless gateway.tls
  says otherwise; it is never mutual (spec/tls.py says why).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from fargate_mesh import naming
from fargate_mesh.spec import Mesh
from fargate_mesh.spec.mesh import DataPlane
from fargate_mesh.spec.tls import TlsMode, UsageMode


@dataclass(frozen=True)
class Identity:
    name: str  # the service, or naming.GATEWAY_IDENTITY
    dns_name: str  # what its certificate names (its only subject alternative name)


@dataclass(frozen=True)
class TlsAuthority:
    kind: Literal["privateCa", "arn", "secrets"]
    usage_mode: UsageMode | None  # a created Private CA's mode; None for the other kinds
    arn: str | None  # an existing Private CA's ARN
    ca_secret: str | None  # secrets: the CA bundle's secret ARN
    identity_secrets: Mapping[str, str]  # secrets: identity name → its secret ARN
    path: str  # tls.authority


@dataclass(frozen=True)
class ListenerTls:
    """How a service's listener is protected, and who may call it."""

    mode: TlsMode
    mutual: bool  # clients must present a certificate (never on a DISABLED listener)
    identity: Identity
    clients: tuple[Identity, ...]  # when mutual: exactly who may call; empty otherwise
    mode_path: str  # where the mode was decided: services.prices.tls.mode, or tls.mode
    mutual_path: str

    @property
    def encrypted(self) -> bool:
        """Callers speak TLS to it (STRICT or PERMISSIVE)."""
        return self.mode != "DISABLED"


@dataclass(frozen=True)
class EdgeTls:
    """The load balancer → gateway hop, and the certificate the gateway presents to services."""

    mode: Literal["STRICT", "DISABLED"]
    identity: Identity
    mode_path: str


@dataclass(frozen=True)
class CompiledTls:
    authority: TlsAuthority | None  # None: no hop uses TLS, nothing to issue
    services: Mapping[str, ListenerTls]  # in spec order
    gateway: EdgeTls
    identities: tuple[Identity, ...]  # every identity needing a certificate: services, then the gateway

    @property
    def enabled(self) -> bool:
        return self.authority is not None

    def identity(self, name: str) -> Identity:
        if name == naming.GATEWAY_IDENTITY:
            return self.gateway.identity
        return self.services[name].identity


def default_usage_mode(dataplane: DataPlane) -> UsageMode:
    """App Mesh's listeners, and the `envoy` data plane's setup containers, take ACM certificates,
    which ACM cannot issue from a short-lived CA; Service Connect takes the cheaper short-lived mode
    (AWS Private CA user guide, "CA modes")."""
    return "SHORT_LIVED_CERTIFICATE" if dataplane == "serviceConnect" else "GENERAL_PURPOSE"


def compile_tls(mesh: Mesh) -> CompiledTls:
    spec = mesh.tls
    mesh_mode: TlsMode = spec.mode if spec is not None else "DISABLED"
    mesh_mutual = spec.mutual if spec is not None else False
    gateway_identity = Identity(naming.GATEWAY_IDENTITY, naming.gateway_dns_name(mesh.name, mesh.namespace))
    identities = {
        name: Identity(name, naming.virtual_service_name(name, mesh.namespace)) for name in mesh.services
    }
    routed = {route.service for route in mesh.gateway.routes}
    services: dict[str, ListenerTls] = {}
    for name, service in mesh.services.items():
        own = service.tls
        mode = own.mode if own.mode is not None else mesh_mode
        mutual = (own.mutual if own.mutual is not None else mesh_mutual) and mode != "DISABLED"
        clients: list[Identity] = []
        if mutual:
            clients = [identities[caller] for caller, s in mesh.services.items() if name in s.backends]
            if name in routed:
                clients.append(gateway_identity)
        path = f"services.{name}.tls"
        services[name] = ListenerTls(
            mode=mode,
            mutual=mutual,
            identity=identities[name],
            clients=tuple(clients),
            mode_path=f"{path}.mode" if own.mode is not None else "tls.mode",
            mutual_path=f"{path}.mutual" if own.mutual is not None else "tls.mutual",
        )
    edge = mesh.gateway.tls.mode
    gateway = EdgeTls(
        mode="STRICT" if (edge or mesh_mode) != "DISABLED" else "DISABLED",
        identity=gateway_identity,
        mode_path="gateway.tls.mode" if edge is not None else "tls.mode",
    )
    enabled = gateway.mode != "DISABLED" or any(s.encrypted for s in services.values())
    return CompiledTls(
        authority=_authority(mesh) if enabled else None,
        services=MappingProxyType(services),
        gateway=gateway,
        identities=(*identities.values(), gateway_identity) if enabled else (),
    )


def _authority(mesh: Mesh) -> TlsAuthority:
    written = mesh.tls.authority if mesh.tls is not None else None
    kind = written.kind if written is not None else "privateCa"
    usage: UsageMode | None = None
    if kind == "privateCa":
        given = written.private_ca if written is not None else None
        usage = (
            given.usage_mode if given is not None and given.usage_mode else default_usage_mode(mesh.dataplane)
        )
    secrets = written.secrets if written is not None else None
    return TlsAuthority(
        kind=kind,
        usage_mode=usage,
        arn=written.arn if written is not None else None,
        ca_secret=secrets.ca_certificate if secrets is not None else None,
        identity_secrets=MappingProxyType(dict(secrets.identities) if secrets is not None else {}),
        path="tls.authority",
    )
