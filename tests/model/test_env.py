"""The app's environment: one precedence rule, the same whichever data plane starts the app."""

from __future__ import annotations

import pytest

from fargate_mesh.model.env import listening_on
from fargate_mesh.spec.service import RESERVED_ENV
from tests.helpers.meshes import compiled, stack_mesh
from tests.helpers.spec import expect_problem, with_mesh

P = "services.products"


def test_every_backend_gets_a_base_url_external_ones_too():
    """GIVEN the dev stack, where products calls prices and the external payments API on 443
    WHEN it is compiled
    THEN products' apps get plain-HTTP base URLs for both (the sidecar routes them and originates
    TLS to payments), their version and their port: the environment AWS has always given them"""
    env = compiled(stack_mesh("dev")).version("products", "v2").env
    assert dict(env) == {
        "PRICES_BASE_URL": "http://prices.shop.local:8080",
        "PAYMENTS_BASE_URL": "http://api.payments.example:443",
        "APP_VERSION": "v2",
        "PORT": "8080",
    }


def test_version_env_beats_service_env_which_beats_a_base_url():
    """GIVEN a base URL for prices, a service env that sets PRICES_BASE_URL and COLOR, and a version
    env that sets COLOR again
    WHEN compiled
    THEN the service's PRICES_BASE_URL wins over the derived one, and the version's COLOR over the
    service's"""
    mesh = compiled(
        with_mesh(
            **{
                "services.prices": {"versions": {"v1": {"weight": 100}}},
                f"{P}.backends": ["prices"],
                f"{P}.env": {"PRICES_BASE_URL": "http://elsewhere:1", "COLOR": "blue", "LOG_LEVEL": "DEBUG"},
                f"{P}.versions.v1.env": {"COLOR": "green"},
            }
        )
    )
    env = mesh.version("products", "v1").env
    assert (env["PRICES_BASE_URL"], env["COLOR"], env["LOG_LEVEL"]) == (
        "http://elsewhere:1",
        "green",
        "DEBUG",
    )


@pytest.mark.parametrize("name", [*RESERVED_ENV, "http_proxy", "Port"])
@pytest.mark.parametrize("where", [f"{P}.env", f"{P}.versions.v1.env"])
def test_a_spec_env_cannot_set_what_the_platform_sets(name: str, where: str):
    """GIVEN a service or version env that sets APP_VERSION, PORT, HOST or a proxy variable (any case)
    WHEN the spec is parsed
    THEN that variable is reported at its own field path: a data plane would override it"""
    problem = expect_problem(
        with_mesh(**{where: {name: "x", "FINE": "y"}}), f"{where}.{name}", "set by the platform"
    )
    assert "APP_VERSION" in problem.message


def test_a_runner_says_where_the_app_listens_and_nothing_else():
    """GIVEN a version's compiled environment
    WHEN a runner puts the app on 127.0.0.1:20001
    THEN PORT and HOST say so, and every other variable is unchanged"""
    env = compiled(stack_mesh("dev")).version("products", "v1").env
    local = listening_on(env, "127.0.0.1", 20001)
    assert (local["PORT"], local["HOST"]) == ("20001", "127.0.0.1")
    assert {k: v for k, v in local.items() if k not in ("PORT", "HOST")} == {
        k: v for k, v in env.items() if k != "PORT"
    }


def test_an_http2_service_is_told_to_serve_h2c():
    """GIVEN prices with `protocol: http2` (its sidecar speaks h2c to the app) and products on http
    WHEN compiled
    THEN prices' apps get APP_PROTOCOL=http2, the variable the sample apps' kit reads to serve h2c,
    and products' apps get no APP_PROTOCOL"""
    mesh = compiled(
        with_mesh(
            **{
                "services.prices": {"protocol": "http2", "versions": {"v1": {"weight": 100}}},
                f"{P}.backends": ["prices"],
            }
        )
    )
    assert mesh.version("prices", "v1").env["APP_PROTOCOL"] == "http2"
    assert "APP_PROTOCOL" not in mesh.version("products", "v1").env
