"""How mesh TLS reaches a task, on every data plane that runs Envoy in it: its task role's TLS
permissions, and, when the task needs certificate files, a setup container that writes them to a volume
shared with Envoy before Envoy starts.

When files: always on the `envoy` data plane (Envoy reads every certificate from files); on App Mesh
for mutual TLS or the user's own certificates, since App Mesh takes a client certificate, and a
listener's trust for client certificates, only from files or SDS, never from ACM (App Mesh user guide,
"Mutual TLS authentication"). The setup container, not the task definition, fetches them, so no
certificate or key is in a task definition, an output or a log:
- from ACM: `acm export-certificate` of exactly this task's certificate, its key decrypted with a
  passphrase made up at start and never written out, and `acm-pca get-certificate-authority-
  certificate` of exactly the mesh CA (the task role allows those two ARNs and nothing else);
- from Secrets Manager (`tls.authority.secrets`): exactly the CA bundle's secret and this identity's
  secret (PEM certificate chain and private key).
Files are owned by Envoy's uid and readable by it alone. Rotation: ACM renews the certificates; a
task reads them when it starts, so a new deployment (or tasks replaced within the 13 months ACM
certificates last) picks up renewed ones. See docs/tls.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from fargate_mesh.components.ecs import iam
from fargate_mesh.components.ecs.containers import Container, environment
from fargate_mesh.facts import DEFAULT_TLS_SETUP_IMAGE, TASK_TLS_DIRECTORY
from fargate_mesh.model import CompiledTls, Identity
from fargate_mesh.render.appmesh.tls import MeshCertificates, TaskTlsNeeds

SETUP_CONTAINER = "tls-setup"
VOLUME = "mesh-tls"

# The script never echoes what it fetches: output goes to files only, and `set -x` is never on.
_FROM_ACM = """set -eu
umask 077
pass="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n')"
export_part() {
  aws acm export-certificate --certificate-arn "$CERTIFICATE_ARN" \\
    --passphrase "$(printf %s "$pass" | base64)" --query "$1" --output text
}
{ export_part Certificate; export_part CertificateChain; } > "$TLS_DIRECTORY/$IDENTITY.crt"
export_part PrivateKey > /tmp/encrypted.key
printf %s "$pass" | openssl pkey -in /tmp/encrypted.key -passin stdin -out "$TLS_DIRECTORY/$IDENTITY.key"
rm -f /tmp/encrypted.key
aws acm-pca get-certificate-authority-certificate --certificate-authority-arn "$CA_ARN" \\
  --query Certificate --output text > "$TLS_DIRECTORY/ca.pem"
chown -R "$OWNER" "$TLS_DIRECTORY" && chmod 0400 "$TLS_DIRECTORY"/* && chmod 0500 "$TLS_DIRECTORY"
"""
_FROM_SECRETS = """set -eu
umask 077
aws secretsmanager get-secret-value --secret-id "$CA_SECRET_ARN" --query SecretString --output text \\
  > "$TLS_DIRECTORY/ca.pem"
aws secretsmanager get-secret-value --secret-id "$IDENTITY_SECRET_ARN" --query SecretString --output text \\
  > "$TLS_DIRECTORY/$IDENTITY.crt"
cp "$TLS_DIRECTORY/$IDENTITY.crt" "$TLS_DIRECTORY/$IDENTITY.key"
chown -R "$OWNER" "$TLS_DIRECTORY" && chmod 0400 "$TLS_DIRECTORY"/* && chmod 0500 "$TLS_DIRECTORY"
"""


@dataclass(frozen=True)
class TlsDelivery:
    """Mesh TLS for one task: whose certificate, where it comes from, what the task needs."""

    identity: Identity
    certificates: MeshCertificates
    needs: TaskTlsNeeds
    owner: str  # the uid Envoy runs as: the files are its alone
    ca_secret_arn: str | None = None  # tls.authority.secrets
    identity_secret_arn: str | None = None
    image: str = DEFAULT_TLS_SETUP_IMAGE

    @property
    def certificate_arn(self) -> pulumi.Input[str] | None:
        return self.certificates.certificate_arns.get(self.identity.name)

    @property
    def task_statements(self) -> list[iam.Statement]:
        """Exactly this task's certificate and the mesh CA's certificate, or exactly its secrets."""
        statements: list[iam.Statement] = []
        if self.needs.export_own:
            statements.append(
                {
                    "Sid": "ExportOwnCertificate",
                    "Effect": "Allow",
                    "Action": ["acm:ExportCertificate"],
                    "Resource": [self.certificate_arn],
                }
            )
        if self.needs.read_ca:
            statements.append(
                {
                    "Sid": "ReadMeshCaCertificate",
                    "Effect": "Allow",
                    "Action": ["acm-pca:GetCertificateAuthorityCertificate"],
                    "Resource": [self.certificates.ca_arn],
                }
            )
        if self.needs.files and not self.certificates.from_acm:
            statements.append(
                {
                    "Sid": "ReadOwnTlsSecrets",
                    "Effect": "Allow",
                    "Action": ["secretsmanager:GetSecretValue"],
                    "Resource": [self.ca_secret_arn, self.identity_secret_arn],
                }
            )
        return statements

    @property
    def volumes(self) -> list[dict[str, Any]]:
        """The task's TLS volume (Fargate task storage, gone with the task)."""
        return [{"name": VOLUME}] if self.needs.files else []

    def setup_containers(self, log_configuration: Mapping[str, Any]) -> list[Container]:
        if not self.needs.files:
            return []
        env: dict[str, pulumi.Input[str]] = {
            "TLS_DIRECTORY": TASK_TLS_DIRECTORY,
            "IDENTITY": self.identity.dns_name,
            "OWNER": self.owner,
        }
        if self.certificates.from_acm:
            assert self.certificate_arn is not None and self.certificates.ca_arn is not None
            env |= {"CERTIFICATE_ARN": self.certificate_arn, "CA_ARN": self.certificates.ca_arn}
            script = _FROM_ACM
        else:
            env |= {
                "CA_SECRET_ARN": self.ca_secret_arn or "",
                "IDENTITY_SECRET_ARN": self.identity_secret_arn or "",
            }
            script = _FROM_SECRETS
        return [
            {
                "name": SETUP_CONTAINER,
                "image": self.image,
                "essential": False,
                "user": "0",  # to hand the files to Envoy's uid
                "entryPoint": ["sh", "-c"],
                "command": [script],
                "environment": environment(env),
                "mountPoints": [
                    {"sourceVolume": VOLUME, "containerPath": TASK_TLS_DIRECTORY, "readOnly": False}
                ],
                "logConfiguration": dict(log_configuration),
            }
        ]

    def envoy_additions(self) -> dict[str, Any]:
        """What Envoy's container gets: the folder, read-only, once the setup container has succeeded."""
        if not self.needs.files:
            return {}
        return {
            "mountPoints": [{"sourceVolume": VOLUME, "containerPath": TASK_TLS_DIRECTORY, "readOnly": True}],
            "dependsOn": [{"containerName": SETUP_CONTAINER, "condition": "SUCCESS"}],
        }


def delivery_of(
    tls: CompiledTls,
    certificates: MeshCertificates,
    identity: Identity,
    needs: TaskTlsNeeds,
    owner: str,
    image: str = DEFAULT_TLS_SETUP_IMAGE,
) -> TlsDelivery:
    """`identity`'s delivery: its own secret and the CA bundle's with `tls.authority.secrets`."""
    authority = tls.authority
    return TlsDelivery(
        identity=identity,
        certificates=certificates,
        needs=needs,
        owner=owner,
        ca_secret_arn=authority.ca_secret if authority is not None else None,
        identity_secret_arn=authority.identity_secrets.get(identity.name) if authority is not None else None,
        image=image,
    )


def every_file_needs(certificates: MeshCertificates) -> TaskTlsNeeds:
    """A task whose Envoy reads every certificate from files (the `envoy` data plane): its folder is
    always filled, from ACM (its own certificate exported, the CA's read) or from its secrets."""
    acm = certificates.from_acm
    return TaskTlsNeeds(export_own=acm, read_ca=acm, files=True)
