"""Mesh TLS on `dataplane: envoy` against botocore's service models: the envoy stack with STRICT mutual
TLS, certificates from the Private CA (ACM) or from Secrets Manager.

- Every Envoy task definition, with its setup container, volume and SUCCESS dependency, is a valid
  RegisterTaskDefinition request.
- Every AWS CLI call the setup script makes names a real operation, only its input members, all its
  required ones, and `--query`s a member of its output.
- The task role allows exactly the operations that script calls, each by its IAM action name.
"""

from __future__ import annotations

import functools
import json
import re

import pytest
from botocore import xform_name
from botocore.session import get_session

from fargate_mesh.components.tls import setup
from tests.contract.botocore_validate import operation_model, validate
from tests.contract.translate import translate
from tests.helpers.envoy_tls import envoy_tasks, recording, role_policy

SCRIPTS = {"privateCa": setup._FROM_ACM, "secrets": setup._FROM_SECRETS}
# The IAM prefix of each CLI service the scripts call (the same names here).
CLI_SERVICES = {"acm": "acm", "acm-pca": "acm-pca", "secretsmanager": "secretsmanager"}


@functools.cache
def operation_by_cli_name(service: str) -> dict[str, str]:
    """`export-certificate` → `ExportCertificate`, as the AWS CLI names botocore's operations."""
    model = get_session().get_service_model(service)
    return {xform_name(name, "-"): name for name in model.operation_names}


# A flag's value: a quoted command substitution, a quoted word, or a bare word.
_FLAG = re.compile(r'--([a-z-]+)\s+("\$\(.*?\)"|"[^"]*"|[^\s"]+)')


def cli_calls(script: str) -> list[tuple[str, str, dict[str, str]]]:
    """Each `aws <service> <operation> --flag value ...` in a script: (service, operation, flags)."""
    calls = []
    for line in script.replace("\\\n", " ").splitlines():
        found = re.search(r"\baws ([a-z-]+) ([a-z-]+)(.*)", line)
        if found:
            flags = {flag: value.strip('"') for flag, value in _FLAG.findall(found.group(3))}
            calls.append((found.group(1), found.group(2), flags))
    return calls


def queried(script: str, query: str) -> list[str]:
    """The output members a `--query` reads: itself, or, for a shell function's "$1" (export_part),
    every word that function is called with."""
    if query != "$1":
        return [query]
    return re.findall(r"\bexport_part (\w+)", script)


@pytest.mark.parametrize("source", list(SCRIPTS))
def test_every_envoy_task_definition_with_tls_is_a_valid_request(source: str) -> None:
    """GIVEN each Envoy task definition of the TLS envoy stack WHEN translated to RegisterTaskDefinition
    THEN botocore's ecs model reports nothing"""
    tasks = envoy_tasks(recording(source))
    assert len(tasks) == 4
    for family, task in tasks.items():
        request = translate(task)
        assert validate(request.service, request.operation, request.params) == [], family


@pytest.mark.parametrize("source", list(SCRIPTS))
def test_the_setup_scripts_cli_calls_match_the_api_models(source: str) -> None:
    """GIVEN every AWS CLI call in the setup script
    WHEN its operation, flags and --query are looked up in botocore's model
    THEN the operation exists, each flag is an input member, every required member is given, and
    the queried value is an output member"""
    calls = cli_calls(SCRIPTS[source])
    assert calls
    for service, cli_operation, flags in calls:
        operation = operation_by_cli_name(service)[cli_operation]
        model = operation_model(service, operation)
        members = {xform_name(name, "-"): name for name in model.input_shape.members}
        given = {flag: value for flag, value in flags.items() if flag not in ("query", "output")}
        assert set(given) <= set(members), (operation, sorted(given))
        assert {xform_name(name, "-") for name in model.input_shape.required_members} <= set(given)
        for member in queried(SCRIPTS[source], flags["query"]):
            assert member in model.output_shape.members, (operation, member)


@pytest.mark.parametrize("source", list(SCRIPTS))
def test_task_roles_allow_exactly_the_operations_the_script_calls(source: str) -> None:
    """GIVEN each Envoy task role's TLS statements and the setup script's calls
    WHEN their actions are compared
    THEN they are the same set, each `prefix:Operation` an operation of its service's model"""
    called = {
        f"{CLI_SERVICES[service]}:{operation_by_cli_name(service)[operation]}"
        for service, operation, _ in cli_calls(SCRIPTS[source])
    }
    rec = recording(source)
    for family in envoy_tasks(rec):
        tls_sids = {"ExportOwnCertificate", "ReadMeshCaCertificate", "ReadOwnTlsSecrets"}
        statements = [s for s in role_policy(rec, family)["Statement"] if s["Sid"] in tls_sids]
        allowed = {action for s in statements for action in s["Action"]}
        assert allowed == called, family
        for action in allowed:
            prefix, name = action.split(":")
            assert name in get_session().get_service_model(prefix).operation_names
        assert "*" not in json.dumps([s["Resource"] for s in statements])
