"""MeshTrust: the mesh's certificate authority and one ACM private certificate per identity.

- `tls.authority.privateCa`: an AWS Private CA the stack creates (root, EC P-256, in the spec's or the
  data plane's usage mode), its self-signed certificate installed, and permission for ACM to renew
  the certificates it issues. A Private CA has a monthly fee (docs/tls.md).
- `tls.authority.arn`: that CA; nothing is created but the certificates.
- `tls.authority.secrets`: nothing at all; the certificates are the user's, in Secrets Manager.

Each identity (a service's DNS name, the gateway's) gets an ACM private certificate for that name
only. App Mesh gives Envoy its listener certificate from ACM; the setup container (setup.py) exports
it to files when a task needs files (on App Mesh a client certificate; on the `envoy` data plane
always). Shared by both data planes; on App Mesh its type token stays `appmesh`, the one its stacks
were deployed with, so their URNs do not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from fargate_mesh.components.base import child, type_token
from fargate_mesh.model import CompiledTls
from fargate_mesh.render.appmesh.tls import MeshCertificates

# The CA's own certificate: a root, valid ten years (the certificates it issues through ACM last 13
# months and are renewed by ACM).
CA_KEY_ALGORITHM = "EC_prime256v1"
CA_SIGNING_ALGORITHM = "SHA256WITHECDSA"
CA_VALIDITY_YEARS = 10
ROOT_CA_TEMPLATE = "acm-pca:::template/RootCACertificate/V1"
# What ACM needs on the CA to renew private certificates (AWS Private CA user guide, "Assign
# certificate renewal permissions to ACM").
ACM_RENEWAL_ACTIONS = ["IssueCertificate", "GetCertificate", "ListPermissions"]


@dataclass(frozen=True)
class MeshTrustArgs:
    mesh_name: str
    tls: CompiledTls
    tags: Mapping[str, str] = field(default_factory=dict)


class MeshTrust(pulumi.ComponentResource):
    ca_arn: pulumi.Output[str] | None  # None: the certificates are the user's (Secrets Manager)
    certificate_arns: dict[str, pulumi.Output[str]]  # identity name → ACM certificate ARN

    def __init__(
        self,
        name: str,
        args: MeshTrustArgs,
        opts: pulumi.ResourceOptions | None = None,
        module: str = "appmesh",  # the type token's module: part of every child's URN
    ) -> None:
        authority = args.tls.authority
        if authority is None:
            raise ValueError("MeshTrust needs a mesh with TLS enabled (compiled tls.authority)")
        super().__init__(type_token(module, "MeshTrust"), name, None, opts)
        tags = dict(args.tags)
        self.certificate_arns = {}
        self.ca_arn = None
        ready: list[pulumi.Resource] = []
        if authority.kind == "privateCa":
            ca, installed = self._private_ca(name, args, tags)
            self.ca_arn, ready = ca.arn, [installed]
        elif authority.kind == "arn":
            self.ca_arn = pulumi.Output.from_input(authority.arn or "")
        if self.ca_arn is not None:
            for identity in args.tls.identities:
                certificate = aws.acm.Certificate(
                    f"{name}-{identity.name}",
                    domain_name=identity.dns_name,
                    certificate_authority_arn=self.ca_arn,
                    tags={**tags, "mesh-identity": identity.dns_name},
                    opts=child(self, depends_on=ready),
                )
                self.certificate_arns[identity.name] = certificate.arn
        self.register_outputs({"ca_arn": self.ca_arn, "certificate_arns": self.certificate_arns})

    @property
    def certificates(self) -> MeshCertificates:
        return MeshCertificates(self.ca_arn, dict(self.certificate_arns))

    def _private_ca(
        self, name: str, args: MeshTrustArgs, tags: dict[str, str]
    ) -> tuple[aws.acmpca.CertificateAuthority, aws.acmpca.CertificateAuthorityCertificate]:
        """The CA, and its installed certificate (before which it issues nothing)."""
        authority = args.tls.authority
        assert authority is not None
        ca = aws.acmpca.CertificateAuthority(
            f"{name}-ca",
            type="ROOT",
            usage_mode=authority.usage_mode,
            certificate_authority_configuration={
                "key_algorithm": CA_KEY_ALGORITHM,
                "signing_algorithm": CA_SIGNING_ALGORITHM,
                "subject": {"common_name": f"{args.mesh_name} mesh CA", "organization": args.mesh_name},
            },
            permanent_deletion_time_in_days=7,
            tags=tags,
            opts=child(self),
        )
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self)).partition
        own = aws.acmpca.Certificate(
            f"{name}-ca-certificate",
            certificate_authority_arn=ca.arn,
            certificate_signing_request=ca.certificate_signing_request,
            signing_algorithm=CA_SIGNING_ALGORITHM,
            template_arn=pulumi.Output.concat("arn:", partition, ":", ROOT_CA_TEMPLATE),
            validity={"type": "YEARS", "value": str(CA_VALIDITY_YEARS)},
            opts=child(self),
        )
        installed = aws.acmpca.CertificateAuthorityCertificate(
            f"{name}-ca-installed",
            certificate_authority_arn=ca.arn,
            certificate=own.certificate,
            certificate_chain=own.certificate_chain,
            opts=child(self),
        )
        aws.acmpca.Permission(
            f"{name}-acm-renewal",
            certificate_authority_arn=ca.arn,
            actions=ACM_RENEWAL_ACTIONS,
            principal="acm.amazonaws.com",
            opts=child(self),
        )
        return ca, installed
