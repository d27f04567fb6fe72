"""The App Mesh setup container's script, run here with a stand-in `aws` CLI: it writes this task's
certificate chain, its private key decrypted from ACM's export, and the CA certificate; the files are
owner-only and read-only, and nothing it fetched reaches its output."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from fargate_mesh.components.tls import setup as tls_setup
from fargate_mesh.localmesh.certificates import issue
from fargate_mesh.model import Identity

IDENTITY = Identity("products", "products.shop.local")

# Answers `aws acm export-certificate ... --passphrase <base64> --query <part> --output text` as ACM
# does (the key encrypted with the passphrase), and `aws acm-pca get-certificate-authority-certificate`.
FAKE_AWS = """#!{python}
import base64, sys
from cryptography.hazmat.primitives import serialization
args = sys.argv[1:]
value = lambda flag: args[args.index(flag) + 1]
folder = {folder!r}
if args[:2] == ["acm", "export-certificate"]:
    part = value("--query")
    if part == "PrivateKey":
        key = serialization.load_pem_private_key(open(folder + "/products.shop.local.key", "rb").read(), None)
        secret = base64.b64decode(value("--passphrase"))
        print(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(secret)).decode(), end="")
    elif part == "Certificate":
        print(open(folder + "/products.shop.local.crt").read(), end="")
    else:
        print(open(folder + "/ca.pem").read(), end="")
elif args[:2] == ["acm-pca", "get-certificate-authority-certificate"]:
    print(open(folder + "/ca.pem").read(), end="")
else:
    sys.exit("unexpected aws call: " + " ".join(args))
"""


@pytest.mark.skipif(
    not Path("/usr/bin/openssl").exists(), reason="the script needs openssl, as its image does"
)
def test_the_acm_script_writes_the_decrypted_key_the_chain_and_the_ca(tmp_path: Path):
    """GIVEN an issued certificate that a stand-in ACM exports with an encrypted key
    WHEN the setup script runs
    THEN the folder holds the chain, the key (decrypted, matching the certificate) and the CA, each
    0400 in a 0500 folder, and the script printed nothing"""
    issued = issue(tmp_path / "issued", [IDENTITY])
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "aws"
    fake.write_text(FAKE_AWS.format(python=sys.executable, folder=issued.directory))
    fake.chmod(0o755)
    out = tmp_path / "tls"
    out.mkdir()
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "TLS_DIRECTORY": str(out),
        "IDENTITY": IDENTITY.dns_name,
        "OWNER": str(os.getuid()),
        "CERTIFICATE_ARN": "arn:aws:acm:us-east-1:123456789012:certificate/products",
        "CA_ARN": "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/ca",
    }
    done = subprocess.run(
        ["sh", "-c", tls_setup._FROM_ACM], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "PRIVATE KEY" not in done.stderr
    key = serialization.load_pem_private_key((out / "products.shop.local.key").read_bytes(), None)
    chain = (out / "products.shop.local.crt").read_text()
    assert chain.startswith(Path(issued.chain(IDENTITY)).read_text())
    certificate = x509.load_pem_x509_certificate(chain.encode())
    assert certificate.public_key().public_numbers() == key.public_key().public_numbers()
    assert (out / "ca.pem").read_text() == Path(issued.ca).read_text()
    assert stat.S_IMODE(out.stat().st_mode) == 0o500
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {0o400}
    out.chmod(0o700)  # let pytest clean up
