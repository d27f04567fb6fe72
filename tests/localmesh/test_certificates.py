"""localmesh's throwaway CA: one certificate per identity, naming only it, signed by the run's CA,
owner-only files and no CA key left behind; `localmesh routes` says which hops are encrypted."""

from __future__ import annotations

import stat
from pathlib import Path

from cryptography import x509

from fargate_mesh.localmesh.certificates import issue
from fargate_mesh.localmesh.route_table import hop_table
from tests.helpers.meshes import TLS_DEV, compiled, stack_mesh


def test_each_identity_gets_a_certificate_naming_only_it_signed_by_the_ca(tmp_path: Path):
    """GIVEN the identities of dev with mesh TLS
    WHEN they are issued
    THEN each certificate's only DNS name is its identity's, its issuer is the CA, and it verifies
    against the CA's key"""
    identities = compiled(TLS_DEV).tls.identities
    files = issue(tmp_path / "tls", identities)
    ca = x509.load_pem_x509_certificate(Path(files.ca).read_bytes())
    for identity in identities:
        cert = x509.load_pem_x509_certificate(Path(files.chain(identity)).read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert names.get_values_for_type(x509.DNSName) == [identity.dns_name]
        cert.verify_directly_issued_by(ca)


def test_files_are_owner_only_and_the_ca_key_is_not_kept(tmp_path: Path):
    """GIVEN a folder with loose permissions already there
    WHEN certificates are issued into it
    THEN the folder is 0700, every file 0600, and only the CA certificate, chains and keys are written"""
    folder = tmp_path / "tls"
    folder.mkdir(mode=0o755)
    identities = compiled(TLS_DEV).tls.identities
    issue(folder, identities)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = sorted(folder.iterdir())
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    expected = {"ca.pem"} | {f"{i.dns_name}.{ext}" for i in identities for ext in ("crt", "key")}
    assert {f.name for f in files} == expected


def test_routes_show_each_hop_encrypted_or_not():
    """GIVEN dev as shipped (DISABLED), then with STRICT mutual TLS and prices PERMISSIVE
    WHEN the hop table is printed
    THEN every mesh hop says plaintext, then mutual TLS (prices also taking plaintext); the external
    backend's TLS origination is shown either way"""
    shipped = hop_table(compiled(stack_mesh("dev")))
    tls = hop_table(compiled(TLS_DEV))
    assert shipped[0] == tls[0] == "encryption (each hop):"
    hops = {line.split("  ")[1].strip(): line.rsplit("  ", 1)[1] for line in tls[1:]}
    assert hops == {
        "load balancer → gateway": "TLS",
        "gateway → products": "mutual TLS",
        "gateway → prices": "mutual TLS (PERMISSIVE: plaintext also accepted)",
        "products → prices": "mutual TLS (PERMISSIVE: plaintext also accepted)",
        "products → payments (external)": "TLS originated by the sidecar",
    }
    assert sum(line.rsplit("  ", 1)[1] == "plaintext" for line in shipped[1:]) == 4
