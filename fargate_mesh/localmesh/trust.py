"""The CA bundle sidecars validate external TLS backends with: this machine's, found, not assumed.

Envoy refuses a config whose trust file is missing, and the file's path differs between systems, so
the default is what this Python's OpenSSL uses (which honours SSL_CERT_FILE), then the usual places.
"""

from __future__ import annotations

import os
import ssl

# Where systems keep their bundle when OpenSSL's own default is not there.
WELL_KNOWN_CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine, Arch
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL, Amazon Linux
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/ssl/cert.pem",  # macOS, Alpine, the BSDs
)


def ca_file_candidates() -> list[str]:
    """Where to look, first match wins: OpenSSL's default file (SSL_CERT_FILE when set), then the list."""
    paths = ssl.get_default_verify_paths()
    found = [p for p in (paths.cafile, paths.openssl_cafile) if p]
    return [*dict.fromkeys([*found, *WELL_KNOWN_CA_FILES])]


def default_ca_file(candidates: list[str] | None = None) -> str | None:
    """The first candidate that is a file, or None when this machine has none of them."""
    for path in ca_file_candidates() if candidates is None else candidates:
        if os.path.isfile(path):
            return path
    return None
