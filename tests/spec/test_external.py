"""External backends: dependencies outside the mesh, reached by host and port."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.spec import accepted, expect_problem, minimal, with_mesh


def external(**backends: dict[str, Any]) -> dict[str, Any]:
    return with_mesh(external=backends, **{"services.products.backends": list(backends)})


def test_external_backend_is_accepted_with_tls_on_443() -> None:
    """GIVEN a payment API on 443 used by products
    WHEN the spec is parsed
    THEN it is a backend on 443 with TLS because of that port (tests/model/test_names.py: the
    callee's DNS name is its host)
    """
    mesh = accepted(external(payments={"host": "api.payments.example"}))
    payments = mesh.external["payments"]
    assert (payments.port, payments.uses_tls) == (443, True)
    assert mesh.services["products"].backends == ["payments"]


@pytest.mark.parametrize(("fields", "tls"), [({"port": 8080}, False), ({"port": 8443, "tls": True}, True)])
def test_tls_follows_the_port_unless_given(fields: dict[str, Any], tls: bool) -> None:
    """GIVEN a non-443 port with and without tls: true
    WHEN the spec is parsed
    THEN TLS is off by default there and on when asked
    """
    mesh = accepted(external(pay={"host": "pay.example.com"} | fields))
    assert mesh.external["pay"].uses_tls is tls


@pytest.mark.parametrize(
    "host",
    ["https://api.payments.example", "API.PAYMENTS.EXAMPLE", "localhost", "api payments.example", "10.0.0.5"],
)
def test_external_host_must_be_a_dns_name(host: str) -> None:
    """GIVEN a host that is a URL, uppercase, a single label, has a space, or is an IP address
    WHEN the spec is parsed
    THEN external.<name>.host is reported with the value
    """
    expect_problem(external(payments={"host": host}), "external.payments.host", repr(host))


@pytest.mark.parametrize("port", [0, 65536])
def test_external_port_range(port: int) -> None:
    """GIVEN an external port outside 1..65535
    WHEN the spec is parsed
    THEN the port is reported
    """
    expect_problem(
        external(payments={"host": "api.payments.example", "port": port}),
        "external.payments.port",
        f"(got {port})",
    )


def test_external_name_cannot_clash_with_a_service() -> None:
    """GIVEN an external backend named like a service
    WHEN the spec is parsed
    THEN the external entry is reported: a backend name must mean one thing
    """
    data = minimal()
    data["external"] = {"products": {"host": "products.example.com"}}
    expect_problem(data, "external.products", "is also a service")


def test_external_name_must_be_a_dns_label() -> None:
    """GIVEN an external backend name that cannot be part of a resource name
    WHEN the spec is parsed
    THEN the name is reported
    """
    data = minimal()
    data["external"] = {"Pay_Ments": {"host": "api.payments.example"}}
    expect_problem(data, "external.Pay_Ments", "must be a DNS label")


def test_external_needs_a_host() -> None:
    """GIVEN an external backend without host
    WHEN the spec is parsed
    THEN host is reported as required
    """
    expect_problem(external(payments={"port": 443}), "external.payments.host", "is required")


def test_undeclared_external_backend_is_unknown() -> None:
    """GIVEN a service backend naming an external API that is not declared under external
    WHEN the spec is parsed
    THEN the backend is reported, and the message says where to declare it
    """
    data = with_mesh(**{"services.products.backends": ["payments"]})
    expect_problem(data, "services.products.backends[0]", "declare it under services or external")
