"""Encryption inside the mesh: the mesh's `tls` block, a service's override, and the ALB → gateway hop.

Defaults, and why:
- Without a `tls` key a mesh is DISABLED. Stacks written before TLS existed keep running unchanged on
  upgrade: turning TLS on changes every listener and needs a certificate authority, which costs money
  (docs/tls.md), so it must be a decision, not a side effect of upgrading.
- Once `tls` is written, every field defaults to the strict choice: STRICT, mutual, and a Private CA
  the stack creates. `tls: {}` is the secure mesh.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from fargate_mesh.spec.base import SpecModel
from fargate_mesh.spec.errors import FieldProblems, Loc

TlsMode = Literal["STRICT", "PERMISSIVE", "DISABLED"]
# AWS Private CA's usage modes (CreateCertificateAuthority's UsageMode).
UsageMode = Literal["GENERAL_PURPOSE", "SHORT_LIVED_CERTIFICATE"]

_PCA_ARN = "arn:aws:acm-pca:"
_SECRET_ARN = "arn:aws:secretsmanager:"


class PrivateCa(SpecModel):
    """A Private CA the stack creates. usageMode unset: the data plane's cheapest mode that works
    (model/tls.py)."""

    usage_mode: UsageMode | None = None


class SecretFiles(SpecModel):
    """Certificates the user issues: Secrets Manager secrets holding PEM text."""

    # The CA bundle every proxy trusts.
    ca_certificate: str
    # service name (or `gateway`) → the secret holding its certificate chain and private key, PEM.
    identities: dict[str, str] = Field(min_length=1)

    @model_validator(mode="after")
    def _arns(self) -> SecretFiles:
        problems: list[tuple[Loc, str]] = []
        for loc, arn in [(("caCertificate",), self.ca_certificate)] + [
            (("identities", name), arn) for name, arn in self.identities.items()
        ]:
            if not arn.startswith(_SECRET_ARN):
                problems.append(
                    (loc, f"must be a Secrets Manager secret ARN ({_SECRET_ARN}...) (got {arn!r})")
                )
        if problems:
            raise FieldProblems(problems)
        return self


class Authority(SpecModel):
    """Where certificates come from: exactly one of privateCa (created), arn (an existing Private CA)
    or secrets (the user's own). None given: privateCa with its defaults."""

    private_ca: PrivateCa | None = None
    arn: str | None = None
    secrets: SecretFiles | None = None

    @field_validator("arn")
    @classmethod
    def _pca_arn(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(_PCA_ARN):
            raise ValueError(f"must be an AWS Private CA ARN ({_PCA_ARN}...) (got {value!r})")
        return value

    @model_validator(mode="after")
    def _one(self) -> Authority:
        given = [
            key
            for key, value in (("privateCa", self.private_ca), ("arn", self.arn), ("secrets", self.secrets))
            if value is not None
        ]
        if len(given) > 1:
            raise FieldProblems(
                [
                    ((key,), f"give one of privateCa, arn or secrets (got {', '.join(given)})")
                    for key in given[1:]
                ]
            )
        return self

    @property
    def kind(self) -> Literal["privateCa", "arn", "secrets"]:
        if self.arn is not None:
            return "arn"
        if self.secrets is not None:
            return "secrets"
        return "privateCa"


class MeshTls(SpecModel):
    """The mesh's `tls`: how every hop inside the mesh is encrypted unless a service overrides it."""

    mode: TlsMode = "STRICT"
    mutual: bool = True
    authority: Authority = Field(default_factory=Authority)


class ServiceTls(SpecModel):
    """A service's `tls`: its own mode or mutual, else the mesh's. The authority is the mesh's."""

    mode: TlsMode | None = None
    mutual: bool | None = None


# Why the ALB → gateway hop takes neither PERMISSIVE nor mutual.
GATEWAY_NO_PERMISSIVE = (
    "the gateway's listener faces the internet through the load balancer, and PERMISSIVE would accept "
    "plaintext there; use STRICT or DISABLED"
)
GATEWAY_NO_MUTUAL = (
    "the load balancer presents no client certificate to its targets, so a gateway requiring one would "
    "refuse every request; remove mutual (the gateway presents its own certificate to services)"
)


class GatewayTls(SpecModel):
    """`gateway.tls`: the load balancer → gateway hop. Unset mode: STRICT when the mesh uses TLS."""

    mode: TlsMode | None = None
    mutual: bool | None = None

    @model_validator(mode="after")
    def _edge(self) -> GatewayTls:
        problems: list[tuple[Loc, str]] = []
        if self.mode == "PERMISSIVE":
            problems.append((("mode",), GATEWAY_NO_PERMISSIVE))
        if self.mutual:
            problems.append((("mutual",), GATEWAY_NO_MUTUAL))
        if problems:
            raise FieldProblems(problems)
        return self
