"""API contract of every App Mesh resource the program produces, for each shipped stack.

Each recorded resource is translated to its App Mesh request (``translate``), then:
- validated against botocore's ``appmesh`` model, including the enum, max and pattern checks
  boto3 itself skips (``botocore_validate``): all seven operations, CreateMesh,
  CreateVirtualNode, CreateVirtualRouter, CreateRoute, CreateVirtualService,
  CreateVirtualGateway, CreateGatewayRoute;
- created in a moto account in dependency order, with every by-name reference resolved in
  that account (``moto_account``): CreateMesh, CreateVirtualNode, CreateVirtualRouter,
  CreateRoute, CreateVirtualGateway, CreateGatewayRoute.

moto 5.2.5 does NOT implement CreateVirtualService (it answers 404 "Not yet implemented"):
virtual services are checked with botocore only, plus their provider reference (the router or
node must exist in the moto account) and gateway routes/node backends naming them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.contract import moto_account
from tests.contract.botocore_validate import validate
from tests.contract.moto_account import (
    APPMESH_TYPES,
    GATEWAY_ROUTE,
    MESH,
    ROUTE,
    VIRTUAL_GATEWAY,
    VIRTUAL_NODE,
    VIRTUAL_ROUTER,
    VIRTUAL_SERVICE,
)
from tests.contract.stacks import APP_MESH_STACKS, STACKS, cases, outcome, resource, resources
from tests.contract.translate import TranslationError, translate

SENT_TO_MOTO = (MESH, VIRTUAL_NODE, VIRTUAL_ROUTER, ROUTE, VIRTUAL_GATEWAY, GATEWAY_ROUTE)


@pytest.mark.parametrize(("stack", "type_", "name"), cases(*APPMESH_TYPES))
def test_request_conforms_to_the_api_model(stack: str, type_: str, name: str) -> None:
    """GIVEN a recorded App Mesh resource WHEN translated to its Create request
    THEN botocore's model (types, required, unions, enums, min/max, patterns) reports nothing."""
    request = translate(resource(stack, type_, name))
    assert validate(request.service, request.operation, request.params) == []


@pytest.mark.parametrize(("stack", "type_", "name"), cases(*SENT_TO_MOTO))
def test_moto_accepts_the_request(stack: str, type_: str, name: str) -> None:
    """GIVEN the stack created in a moto account in dependency order
    WHEN this resource's request is sent THEN moto accepts it."""
    result = outcome(stack, type_, name)
    assert result.error is None
    assert result.accepted is True


@pytest.mark.parametrize(("stack", "type_", "name"), cases(VIRTUAL_SERVICE))
def test_virtual_service_is_not_sent_but_has_no_conflict(stack: str, type_: str, name: str) -> None:
    """GIVEN the stack created in a moto account, which lacks CreateVirtualService
    WHEN this virtual service is checked against the account instead
    THEN no other virtual service of the mesh has its name."""
    result = outcome(stack, type_, name)
    assert result.accepted is None  # moto 5.2.5: not implemented; flip this test when it is
    assert result.error is None


@pytest.mark.parametrize(("stack", "type_", "name"), cases(*APPMESH_TYPES))
def test_references_resolve_in_the_account(stack: str, type_: str, name: str) -> None:
    """GIVEN the stack created in a moto account WHEN this resource's by-name references are looked up
    (route targets, service providers, gateway route targets, node backends, Cloud Map names)
    THEN each names a resource that exists."""
    assert outcome(stack, type_, name).missing == []


@pytest.mark.parametrize("stack", APP_MESH_STACKS)
def test_stack_produces_every_app_mesh_kind(stack: str) -> None:
    """GIVEN a shipped stack WHEN recorded THEN it has each App Mesh kind, so the cases above are not vacuous."""
    kinds = {r["type"] for r in resources(stack, *APPMESH_TYPES)}
    assert kinds == set(APPMESH_TYPES)


# -- the checks bite ---------------------------------------------------------------------------
def _first(type_: str) -> dict[str, Any]:
    found = resources(STACKS[0], type_)
    assert found, f"no recorded {type_} in {STACKS[0]} to mutate"
    return copy.deepcopy(dict(found[0]))


def _errors(resource_: dict[str, Any]) -> list[str]:
    request = translate(resource_)
    return validate(request.service, request.operation, request.params)


def _listener(node: dict[str, Any]) -> dict[str, Any]:
    return node["inputs"]["spec"]["listeners"][0]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda n: _listener(n)["portMapping"].update(protocol="HTTP"),
            "'HTTP', must be one of: http, tcp, http2, grpc",
        ),
        (lambda n: _listener(n)["portMapping"].update(port=70000.0), "valid max value: 65535"),
        (
            lambda n: _listener(n)["portMapping"].pop("protocol"),
            'Missing required parameter in spec.listeners[0].portMapping: "protocol"',
        ),
        (lambda n: n["inputs"].pop("meshName"), 'Missing required parameter in input: "meshName"'),
        (lambda n: n["inputs"].pop("name"), 'Missing required parameter in input: "virtualNodeName"'),
    ],
    ids=["protocol-HTTP", "port-too-high", "no-protocol", "no-mesh", "no-name"],
)
def test_validation_reports_a_broken_recorded_node(
    mutate: Callable[[dict[str, Any]], Any], expected: str
) -> None:
    """GIVEN a recorded virtual node broken in one way WHEN validated THEN the problem is reported."""
    node = _first(VIRTUAL_NODE)
    mutate(node)
    errors = _errors(node)
    assert any(expected in error for error in errors), errors


def test_validation_reports_an_out_of_range_route_weight() -> None:
    """GIVEN a recorded route with a target weight of 101 WHEN validated THEN the max is reported."""
    route = _first(ROUTE)
    spec = route["inputs"]["spec"]
    kind = next(k for k in moto_account.ROUTE_KINDS if k in spec)
    spec[kind]["action"]["weightedTargets"][0]["weight"] = 101.0
    assert any("valid max value: 100" in error for error in _errors(route))


def test_translation_refuses_an_unknown_recorded_key() -> None:
    """GIVEN a recorded virtual node with a key pulumi-aws never sends WHEN translated THEN it raises."""
    node = _first(VIRTUAL_NODE)
    _listener(node)["portMappings"] = _listener(node)["portMapping"]
    with pytest.raises(TranslationError, match="portMappings"):
        translate(node)


def test_moto_account_reports_a_route_to_a_missing_node() -> None:
    """GIVEN a recorded route whose first target names no node WHEN deployed THEN the reference is missing."""
    route = _first(ROUTE)
    spec = route["inputs"]["spec"]
    kind = next(k for k in moto_account.ROUTE_KINDS if k in spec)
    spec[kind]["action"]["weightedTargets"][0]["virtualNode"] = "no-such-node"
    stack = resources(STACKS[0], MESH, VIRTUAL_NODE, VIRTUAL_ROUTER)
    result = moto_account.deploy([*stack, route])[(ROUTE, route["name"])]
    assert any("'no-such-node'" in m for m in result.missing), result.missing


def test_moto_rejects_a_node_in_a_missing_mesh() -> None:
    """GIVEN a recorded virtual node moved to a mesh that does not exist WHEN deployed THEN moto rejects it."""
    node = _first(VIRTUAL_NODE)
    node["inputs"]["meshName"] = "no-such-mesh"
    result = moto_account.deploy([node])[(VIRTUAL_NODE, node["name"])]
    assert result.accepted is False
    assert "no-such-mesh" in (result.error or "")


def test_moto_account_reports_a_gateway_route_to_a_missing_service() -> None:
    """GIVEN a recorded gateway route targeting an unknown virtual service WHEN deployed THEN it is missing."""
    gateway_route = _first(GATEWAY_ROUTE)
    spec = gateway_route["inputs"]["spec"]
    kind = next(k for k in ("httpRoute", "http2Route", "grpcRoute") if k in spec)
    spec[kind]["action"]["target"]["virtualService"]["virtualServiceName"] = "nowhere.shop.local"
    others = resources(STACKS[0], MESH, VIRTUAL_NODE, VIRTUAL_ROUTER, VIRTUAL_SERVICE, VIRTUAL_GATEWAY)
    result = moto_account.deploy([*others, gateway_route])[(GATEWAY_ROUTE, gateway_route["name"])]
    assert any("'nowhere.shop.local'" in m for m in result.missing), result.missing
