"""localmesh's mesh TLS files: a throwaway CA and one short-lived certificate per identity.

`issue(folder, identities)` creates the folder owner-only (0700) and writes, each owner-only (0600):
`ca.pem` (the CA certificate every proxy trusts), and per identity `<dns name>.crt` (its certificate,
whose only subject alternative name is the identity's DNS name) and `<dns name>.key`. The CA's own
key is never written: nothing can issue another certificate once `up` has finished. Certificates are
ECDSA P-256 and valid for a day; the run folder's tls/ is removed on stop (runner.py).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fargate_mesh.model import Identity
from fargate_mesh.tls_files import CertificateFiles

VALIDITY = datetime.timedelta(days=1)
# Clocks of processes on one machine agree; a minute back covers a certificate used the second it is made.
BACKDATE = datetime.timedelta(minutes=1)


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600)  # O_CREAT's mode is masked by umask, and an existing file keeps its own


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _builder(
    subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + VALIDITY)
    )


def issue(
    folder: Path, identities: Iterable[Identity], ca_name: str = "localmesh throwaway CA"
) -> CertificateFiles:
    """A new CA and one certificate per identity in `folder` (created 0700); returns where they are."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    files = CertificateFiles(str(folder))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_subject = _name(ca_name)
    ca = (
        _builder(ca_subject, ca_subject, ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(Path(files.ca), ca.public_bytes(serialization.Encoding.PEM))
    for identity in identities:
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = (
            _builder(_name(identity.dns_name), ca_subject, key)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(identity.dns_name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            # Every proxy is both a server (its listener) and a client (its calls).
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(Path(files.chain(identity)), certificate.public_bytes(serialization.Encoding.PEM))
        _write_private(
            Path(files.key(identity)),
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
        )
    return files
