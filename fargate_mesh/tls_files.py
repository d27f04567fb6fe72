"""The layout of a proxy's mesh TLS folder, the same for every data plane and for localmesh: the CA
bundle `ca.pem`, and per identity `<dns name>.crt` (its certificate chain) and `<dns name>.key` (its
private key), PEM. In a task the folder (facts.TASK_TLS_DIRECTORY) holds only that task's own
identity; on one machine (localmesh) it holds every one."""

from __future__ import annotations

from dataclasses import dataclass

from fargate_mesh.model import Identity


@dataclass(frozen=True)
class CertificateFiles:
    directory: str

    @property
    def ca(self) -> str:
        return f"{self.directory}/ca.pem"

    def chain(self, identity: Identity) -> str:
        return f"{self.directory}/{identity.dns_name}.crt"

    def key(self, identity: Identity) -> str:
        return f"{self.directory}/{identity.dns_name}.key"
