"""compile_mesh: a validated Mesh → the CompiledMesh every renderer reads. Pure: no Pulumi, no Envoy."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from fargate_mesh import naming
from fargate_mesh.model.compiled import (
    Callee,
    CompiledExternal,
    CompiledGateway,
    CompiledGatewayRoute,
    CompiledMesh,
    CompiledRoute,
    CompiledService,
    CompiledVersion,
    Target,
)
from fargate_mesh.model.dataplanes import INFO
from fargate_mesh.model.env import app_env
from fargate_mesh.model.ordering import ordered
from fargate_mesh.model.policies import DEFAULT_POLICY, listener_timeout, route_policy
from fargate_mesh.model.routes import route_path, router_routes
from fargate_mesh.model.tls import compile_tls
from fargate_mesh.spec import Mesh, Route, Service


def compile_mesh(mesh: Mesh) -> CompiledMesh:
    services = MappingProxyType({name: _service(mesh, name) for name in mesh.services})
    externals = MappingProxyType(
        {
            name: CompiledExternal(
                name=name,
                host=ext.host,
                port=ext.port,
                tls=ext.uses_tls,
                node=naming.external_node_name(name),
                policy=DEFAULT_POLICY,
                path=f"external.{name}",
            )
            for name, ext in mesh.external.items()
        }
    )
    return CompiledMesh(
        name=mesh.name,
        namespace=mesh.namespace,
        domain=mesh.domain,
        hosted_zone=mesh.hosted_zone,
        dataplane=mesh.dataplane,
        network=mesh.network,
        egress_filter=mesh.egress_filter,
        envoy_image=mesh.envoy_image,
        xray_image=mesh.xray_image,
        tracing=INFO[mesh.dataplane].traces_by_default if mesh.tracing is None else mesh.tracing,
        log_retention_days=mesh.log_retention_days,
        tags=MappingProxyType(dict(mesh.tags)),
        gateway=_gateway(mesh, services),
        services=services,
        externals=externals,
        tls=compile_tls(mesh),
    )


def _weighted(service: str, weights: dict[str, int]) -> tuple[Target, ...]:
    return tuple(Target(v, naming.virtual_node_name(service, v), w) for v, w in weights.items())


def _routes(name: str, service: Service, path: str) -> list[CompiledRoute]:
    written = service.routes is not None

    def compiled(index: int, route: Route) -> CompiledRoute:
        where = route_path(path, service, index)
        targets = _weighted(name, route.targets)
        return CompiledRoute(
            name=route.name,
            priority=route.priority,
            match=route.match,
            targets=tuple(t for t in targets if t.weight > 0),
            written_targets=targets,
            policy=route_policy(route, service, where, path),
            port=route.port,
            path=where,
            written=written,
        )

    return ordered([compiled(i, r) for i, r in enumerate(router_routes(service))])


def _callees(mesh: Mesh, service: Service) -> tuple[Callee, ...]:
    callees = []
    for name in service.backends:
        if name in mesh.external:
            ext = mesh.external[name]
            dns_name, port, protocol, tls = ext.host, ext.port, "http", ext.uses_tls
        else:
            callee = mesh.services[name]
            dns_name, port, protocol, tls = (
                naming.virtual_service_name(name, mesh.namespace),
                callee.port,
                callee.protocol,
                False,
            )
        callees.append(
            Callee(
                name=name,
                external=name in mesh.external,
                dns_name=dns_name,
                port=port,
                protocol=protocol,
                tls=tls,
                env_var=naming.base_url_variable(name),
                # Plain HTTP to the mesh name: the caller's sidecar routes it, and originates TLS.
                base_url=f"http://{dns_name}:{port}",
            )
        )
    return tuple(callees)


def _service(mesh: Mesh, name: str) -> CompiledService:
    service = mesh.services[name]
    path = f"services.{name}"
    routes = _routes(name, service, path)
    callees = _callees(mesh, service)
    reached = {t.version for r in routes for t in r.targets}
    versions = {}
    for version, spec in service.versions.items():
        node = naming.virtual_node_name(name, version)
        versions[version] = CompiledVersion(
            name=version,
            node=node,
            ecs_service=naming.ecs_service_name(name, version),
            task_family=naming.task_family(mesh.name, name, version),
            dns_name=naming.version_dns_name(name, version, mesh.namespace),
            listener_timeout=listener_timeout(service, version),
            env=MappingProxyType(app_env(service, version, callees)),
            desired_count=service.desired_count_of(version),
            image=spec.image or service.image,
            routed=version in reached,
            unrouted=spec.unrouted,
            path=f"{path}.versions.{version}",
        )
    return CompiledService(
        name=name,
        port=service.port,
        extra_ports=tuple(service.extra_ports),
        protocol=service.protocol,
        app=service.app or name,
        dns_name=naming.virtual_service_name(name, mesh.namespace),
        router=naming.virtual_router_name(name),
        cloud_map_service=naming.cloud_map_service(name),
        log_group=naming.log_group(mesh.name, name),
        health_check=service.health_check,
        outlier_detection=service.outlier_detection,
        connection_pool=service.connection_pool,
        listener_timeout_given=service.listener_timeout is not None,
        size=service.size,
        autoscaling=service.autoscaling,
        routes=tuple(routes),
        versions=MappingProxyType(versions),
        callees=callees,
        path=path,
        rollout=service.rollout,
    )


def _gateway(mesh: Mesh, services: Mapping[str, CompiledService]) -> CompiledGateway:
    gateway = mesh.gateway
    name = naming.gateway_name(mesh.name)
    routes = [
        CompiledGatewayRoute(
            name=route.resource_name,
            service=route.service,
            priority=route.priority,
            match=route.match,
            rewrite=route.rewrite,
            target_dns_name=services[route.service].dns_name,
            target_port=route.port or services[route.service].port,
            path=f"gateway.routes[{i}]",
        )
        for i, route in enumerate(gateway.routes)
    ]
    return CompiledGateway(
        name=name,
        port=gateway.port,
        health_check_path=gateway.alb_health_check_path(),
        size=gateway.size,
        desired_count=gateway.desired_count,
        autoscaling=gateway.autoscaling,
        log_group=naming.log_group(mesh.name, name),
        routes=tuple(ordered(routes)),
    )
