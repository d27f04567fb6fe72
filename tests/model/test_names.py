"""Every derived name and callee in the compiled mesh comes from fargate_mesh.naming, in one scheme."""

from __future__ import annotations

from fargate_mesh.model import Callee
from tests.helpers.meshes import compiled, stack_mesh


def test_names_follow_one_scheme():
    """GIVEN the dev stack (mesh shop-dev, namespace shop.local, external payments)
    WHEN it is compiled
    THEN AWS names are derived from the spec's names alone: virtual services by DNS name, nodes,
    ECS services and Cloud Map names per version, task families and log groups under the mesh name"""
    mesh = compiled(stack_mesh("dev"))
    products = mesh.services["products"]
    v2 = products.versions["v2"]
    assert (products.dns_name, products.router, products.cloud_map_service, products.log_group) == (
        "products.shop.local",
        "products-router",
        "products",
        "/ecs/shop-dev/products",
    )
    assert (v2.node, v2.ecs_service, v2.task_family, v2.dns_name, v2.path) == (
        "products-v2",
        "products-v2",
        "shop-dev-products-v2",
        "products-v2.shop.local",
        "services.products.versions.v2",
    )
    assert (mesh.gateway.name, mesh.gateway.log_group) == (
        "shop-dev-gateway",
        "/ecs/shop-dev/shop-dev-gateway",
    )
    assert (mesh.externals["payments"].node, mesh.externals["payments"].host) == (
        "external-payments",
        "api.payments.example",
    )
    assert [r.name for r in mesh.gateway.routes] == ["products-v1-products", "prices-v1-prices"]


def test_callees_carry_where_the_app_reaches_them():
    """GIVEN the dev stack's products, which calls prices and the external payments API
    WHEN it is compiled
    THEN each callee has its DNS name, port, protocol, TLS (payments on 443) and base URL variable"""
    assert compiled(stack_mesh("dev")).services["products"].callees == (
        Callee(
            "prices",
            False,
            "prices.shop.local",
            8080,
            "http",
            False,
            "PRICES_BASE_URL",
            "http://prices.shop.local:8080",
        ),
        Callee(
            "payments",
            True,
            "api.payments.example",
            443,
            "http",
            True,
            "PAYMENTS_BASE_URL",
            "http://api.payments.example:443",
        ),
    )


def test_the_gateway_knows_its_health_check_path_and_targets():
    """GIVEN the prod stack (health check /v1/prices, routes to products and prices)
    WHEN it is compiled
    THEN the gateway carries that path, and each route its target's DNS name and port"""
    mesh = compiled(stack_mesh("prod"))
    assert mesh.gateway.health_check_path == "/v1/prices"
    assert {(r.service, r.target_dns_name, r.target_port) for r in mesh.gateway.routes} == {
        ("products", "products.shop.local", 8080),
        ("prices", "prices.shop.local", 8080),
    }
    assert [s.name for s in mesh.gateway_services] == ["products", "prices"]
