"""Mesh TLS on `dataplane: envoy`, on what the real program registers under mocks for the envoy stack
(stacks/Pulumi.envoy.yaml) with STRICT mutual TLS: every Envoy task (each version's sidecar and the
gateway) gets its identity's certificate, key and the CA certificate as files through a setup
container, at exactly the paths its bootstrap reads; each task role reaches exactly its own
certificate (or secrets); no key material is in any task definition, input or output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fargate_mesh.components.envoy.proxy import ENVOY_CONTAINER
from fargate_mesh.components.envoy.sidecars import ENVOY_IMAGE_CA_FILE as IMAGE_CA_FILE
from fargate_mesh.components.tls.setup import SETUP_CONTAINER, VOLUME
from fargate_mesh.facts import TASK_TLS_DIRECTORY
from fargate_mesh.localmesh.certificates import issue
from fargate_mesh.localmesh.trust import default_ca_file
from fargate_mesh.model import compile_checked
from fargate_mesh.spec import parse_mesh
from tests.helpers.ecs_tasks import containers, inline_bootstrap
from tests.helpers.envoy import validate_all
from tests.helpers.envoy_tls import (
    CA,
    CERTIFICATE,
    IDENTITIES,
    ROLE_POLICY,
    SECRET,
    envoy_tasks,
    recording,
    role_policy,
    tls_envoy,
)


def filenames(config: Any) -> Iterator[str]:
    """Every file a bootstrap names (TLS certificates, keys and CA bundles are `filename`s)."""
    if isinstance(config, dict):
        for key, value in config.items():
            if key == "filename" and isinstance(value, str):
                yield value
            else:
                yield from filenames(value)
    elif isinstance(config, list):
        for item in config:
            yield from filenames(item)


def test_the_gate_lets_envoy_deploy_mesh_tls() -> None:
    """GIVEN the envoy stack with STRICT mutual TLS WHEN checked for deployment THEN it is accepted
    (the envoy components deliver certificates), with a general-purpose CA ACM can issue from"""
    compiled = compile_checked(parse_mesh(tls_envoy()), deploying=True)
    assert compiled.tls.authority is not None and compiled.tls.authority.usage_mode == "GENERAL_PURPOSE"


def test_a_private_ca_and_one_certificate_per_identity_in_a_tls_component() -> None:
    """GIVEN the recording WHEN its trust resources are read THEN one general-purpose Private CA, one ACM
    certificate from it per identity, under fargatemesh:tls:MeshTrust, and nothing of App Mesh"""
    rec = recording()
    [ca] = rec.of_type(CA)
    assert ca["inputs"]["usageMode"] == "GENERAL_PURPOSE"
    issued = [c for c in rec.of_type(CERTIFICATE) if "certificateAuthorityArn" in c["inputs"]]
    assert sorted(c["inputs"]["domainName"] for c in issued) == sorted(set(IDENTITIES.values()))
    assert {c["inputs"]["certificateAuthorityArn"] for c in issued} == {ca["outputs"]["arn"]}
    assert len(rec.of_type("fargatemesh:tls:MeshTrust")) == 1
    assert [r["type"] for r in rec if "appmesh" in r["type"]] == []


@pytest.mark.parametrize("source", ["privateCa", "secrets"])
def test_every_envoy_task_runs_the_setup_first_and_reads_its_files_read_only(source: str) -> None:
    """GIVEN every task with an Envoy container (gateway, products v1 and v2, prices v1)
    WHEN its containers and volumes are read
    THEN a non-essential setup container writes the TLS volume, handing the files to Envoy's uid;
    Envoy mounts that volume read-only at the TLS folder and starts only after the setup's SUCCESS"""
    tasks = envoy_tasks(recording(source))
    assert sorted(tasks) == sorted(IDENTITIES)
    for family, task in tasks.items():
        assert {"name": VOLUME} in task["inputs"]["volumes"], family
        by_name = containers(task)
        setup, envoy = by_name[SETUP_CONTAINER], by_name[ENVOY_CONTAINER]
        assert setup["essential"] is False
        assert setup["mountPoints"] == [
            {"sourceVolume": VOLUME, "containerPath": TASK_TLS_DIRECTORY, "readOnly": False}
        ]
        env = {e["name"]: e["value"] for e in setup["environment"]}
        assert env["OWNER"] == envoy["user"] == "1337"
        assert {"sourceVolume": VOLUME, "containerPath": TASK_TLS_DIRECTORY, "readOnly": True} in envoy[
            "mountPoints"
        ]
        assert {"containerName": SETUP_CONTAINER, "condition": "SUCCESS"} in envoy["dependsOn"], family
        # Only the setup container writes the volume.
        others = [c for name, c in by_name.items() if name not in (SETUP_CONTAINER, ENVOY_CONTAINER)]
        assert not [c for c in others for m in c.get("mountPoints", []) if m["sourceVolume"] == VOLUME]


@pytest.mark.parametrize("source", ["privateCa", "secrets"])
def test_the_files_each_bootstrap_reads_are_the_ones_its_setup_writes(source: str) -> None:
    """GIVEN each Envoy task's bootstrap and its setup container's environment
    WHEN the mesh TLS files the bootstrap names are compared with what the setup writes
    THEN they are exactly its identity's chain and key and the CA bundle, in the shared folder"""
    for family, task in envoy_tasks(recording(source)).items():
        by_name = containers(task)
        env = {e["name"]: e["value"] for e in by_name[SETUP_CONTAINER]["environment"]}
        assert env["IDENTITY"] == IDENTITIES[family]
        folder = env["TLS_DIRECTORY"]
        written = {f"{folder}/ca.pem", f"{folder}/{env['IDENTITY']}.crt", f"{folder}/{env['IDENTITY']}.key"}
        read = {f for f in filenames(inline_bootstrap(by_name[ENVOY_CONTAINER])) if f.startswith(folder)}
        assert read == written, family


def test_each_task_role_exports_exactly_its_own_certificate_and_reads_exactly_the_ca() -> None:
    """GIVEN the task role policies of the Private CA recording
    WHEN their TLS statements are read
    THEN each Envoy task's role exports only its identity's ACM certificate and reads only the mesh
    CA's certificate; no other role may export, and no secret is readable"""
    rec = recording()
    ca_arn = rec.one(CA)["outputs"]["arn"]
    for family, dns_name in IDENTITIES.items():
        statements = {s["Sid"]: s for s in role_policy(rec, family)["Statement"]}
        own = rec.one(CERTIFICATE, domainName=dns_name)["outputs"]["arn"]
        assert statements["ExportOwnCertificate"]["Action"] == ["acm:ExportCertificate"]
        assert statements["ExportOwnCertificate"]["Resource"] == [own]
        assert statements["ReadMeshCaCertificate"]["Action"] == ["acm-pca:GetCertificateAuthorityCertificate"]
        assert statements["ReadMeshCaCertificate"]["Resource"] == [ca_arn]
    policies = [p["inputs"]["policy"] for p in rec.of_type(ROLE_POLICY)]
    assert sum("acm:ExportCertificate" in p for p in policies) == len(IDENTITIES)
    assert not [p for p in policies if "secretsmanager:" in p]


def test_with_user_secrets_each_task_reads_exactly_the_ca_bundle_and_its_own_secret() -> None:
    """GIVEN tls.authority.secrets WHEN recorded THEN no CA or certificate is created, and each Envoy
    task's role reads exactly the CA bundle's secret and its identity's secret, nothing from ACM"""
    rec = recording("secrets")
    assert (
        rec.of_type(CA) == []
        and [c for c in rec.of_type(CERTIFICATE) if "certificateAuthorityArn" in c["inputs"]] == []
    )
    identity_name = {"products.shop.local": "products", "prices.shop.local": "prices"}
    for family, dns_name in IDENTITIES.items():
        statements = {s["Sid"]: s for s in role_policy(rec, family)["Statement"]}
        own = SECRET.format(identity_name.get(dns_name, "gateway"))
        assert statements["ReadOwnTlsSecrets"]["Action"] == ["secretsmanager:GetSecretValue"]
        assert statements["ReadOwnTlsSecrets"]["Resource"] == [SECRET.format("ca"), own]
        assert "ExportOwnCertificate" not in statements


@pytest.mark.parametrize("source", ["privateCa", "secrets"])
def test_no_key_or_certificate_material_is_in_any_input_or_output(source: str) -> None:
    """GIVEN the whole recording (every resource's inputs and outputs, and the stack outputs)
    WHEN searched for PEM text
    THEN none is found: the setup container fetches the files at start, the stack only names ARNs"""
    rec = recording(source)
    text = json.dumps([[r.get("inputs"), r.get("outputs")] for r in rec]) + json.dumps(rec.outputs)
    for marker in ("PRIVATE KEY", "BEGIN CERTIFICATE", "BEGIN ENCRYPTED"):
        assert marker not in text


def test_every_tls_bootstrap_passes_envoy_validate_with_the_files_the_setup_writes(tmp_path: Path) -> None:
    """GIVEN the TLS envoy stack's bootstraps, as parsed from its task definitions
    WHEN the task TLS folder is swapped for a folder laid out as the setup container writes it
    (a CA, and each identity's chain and key) and `envoy --mode validate` reads them
    THEN Envoy accepts every one: the certificates it is given are the ones it can load"""
    compiled = compile_checked(parse_mesh(tls_envoy()), deploying=True)
    folder = tmp_path / "tls"
    issue(folder, compiled.tls.identities)
    ca = default_ca_file()
    assert ca is not None
    configs = {}
    for family, task in envoy_tasks(recording()).items():
        text = json.dumps(inline_bootstrap(containers(task)[ENVOY_CONTAINER]))
        assert TASK_TLS_DIRECTORY in text, family
        text = text.replace(TASK_TLS_DIRECTORY, str(folder)).replace(IMAGE_CA_FILE, ca)
        configs[family] = json.loads(text)
    assert validate_all(configs, tmp_path) == {}
