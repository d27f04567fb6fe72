"""Spec matches (router routes and gateway routes) as Envoy `RouteMatch`es.

Hostnames are matched on `:authority` with a regular expression rather than by virtual host
domains: gateway routes are ordered globally (priority, then specificity) across hostnames, and one
virtual host with ordered routes keeps that order, which per-hostname virtual hosts would not. The
expression ignores case (DNS names are case-insensitive) and accepts an optional `:port`, since
clients send `Host: api.example.com:8080` when they call a non-default port.
"""

from __future__ import annotations

import re
from typing import Any

from fargate_mesh.spec import GatewayMatch, HeaderMatch, HttpMatch, QueryParameterMatch

_PORT = r"(:[0-9]+)?"


def route_match(match: HttpMatch) -> dict[str, Any]:
    rendered: dict[str, Any] = {}
    literal = match.literal_path()
    if literal is not None:
        rendered[literal[0]] = literal[1]
    else:
        rendered["safe_regex"] = {"regex": match.path.regex if match.path else ""}
    headers = [header_match(h) for h in (*match.headers, *match.metadata)]
    if match.method is not None:
        headers.append({"name": ":method", "string_match": {"exact": match.method}})
    if match.scheme is not None:
        headers.append({"name": ":scheme", "string_match": {"exact": match.scheme}})
    if isinstance(match, GatewayMatch) and match.hostname is not None:
        headers.append(authority_match(match.hostname.exact, match.hostname.suffix))
    if headers:
        rendered["headers"] = headers
    if match.query_parameters:
        rendered["query_parameters"] = [query_parameter_match(q) for q in match.query_parameters]
    if match.is_grpc:
        # Only gRPC requests (content-type application/grpc...), as App Mesh's grpc_route.
        rendered["grpc"] = {}
    return rendered


def query_parameter_match(query: QueryParameterMatch) -> dict[str, Any]:
    if query.present:
        return {"name": query.name, "present_match": True}
    return {"name": query.name, "string_match": {"exact": query.exact}}


def header_match(header: HeaderMatch) -> dict[str, Any]:
    rendered: dict[str, Any] = {"name": header.name}
    if header.present is not None:
        # Absent: "present" inverted (Envoy's HeaderMatcher: invert_match flips present_match).
        rendered["present_match"] = True
        if not header.present:
            rendered["invert_match"] = True
        return rendered
    if header.range is not None:
        # Envoy's range is [start, end), exactly App Mesh's.
        rendered["range_match"] = {"start": header.range.start, "end": header.range.end}
    elif header.regex is not None:
        rendered["string_match"] = {"safe_regex": {"regex": header.regex}}
    else:
        rendered["string_match"] = {header.rule: getattr(header, header.rule)}
    if header.invert:
        rendered["invert_match"] = True
    return rendered


def authority_match(exact: str | None, suffix: str | None) -> dict[str, Any]:
    if exact is not None:
        regex = f"(?i){re.escape(exact)}{_PORT}"
    else:
        regex = f"(?i).*{re.escape(suffix or '')}{_PORT}"
    # safe_regex matches the whole value: no anchors needed.
    return {"name": ":authority", "string_match": {"safe_regex": {"regex": regex}}}


def has_regex_path(match: HttpMatch) -> bool:
    return match.literal_path() is None


def _both_paths(outer: tuple[str, str], inner: tuple[str, str]) -> tuple[str, str] | None:
    """The path rule a request meets iff it meets both (Envoy's prefix is a plain string prefix, its
    exact path a plain string compare, both without the query string); None: no path meets both."""
    (outer_kind, outer_value), (inner_kind, inner_value) = outer, inner
    if outer_kind == "path" and inner_kind == "path":
        return outer if outer_value == inner_value else None
    if outer_kind == "path" or inner_kind == "path":
        exact, prefix = (outer_value, inner_value) if outer_kind == "path" else (inner_value, outer_value)
        return ("path", exact) if exact.startswith(prefix) else None
    if outer_value.startswith(inner_value):
        return outer
    if inner_value.startswith(outer_value):
        return inner
    return None


def combined_match(outer: HttpMatch, inner: HttpMatch) -> dict[str, Any] | None:
    """One Envoy RouteMatch for "`outer` matches, then `inner` matches the same request": a gateway
    route that leaves the path alone, then a router route. None when no request can meet both.

    Both matches must have literal paths (the caller falls back otherwise). Headers and query
    parameters are concatenated (Envoy ANDs them); a method in both must be the same. The outer
    match's hostname stays an `:authority` condition: in one route table it is evaluated on the
    client's Host, before the route's host rewrite, as the gateway's first stage does.
    """
    outer_path, inner_path = outer.literal_path(), inner.literal_path()
    if outer_path is None or inner_path is None:
        raise ValueError("combined_match needs literal paths on both sides, not a regex")
    path = _both_paths(outer_path, inner_path)
    if path is None:
        return None
    if outer.method is not None and inner.method is not None and outer.method != inner.method:
        return None
    if outer.scheme is not None and inner.scheme is not None and outer.scheme != inner.scheme:
        return None
    first, second = route_match(outer), route_match(inner)
    rendered: dict[str, Any] = {path[0]: path[1]}
    headers = first.get("headers", []) + [
        h for h in second.get("headers", []) if h not in first.get("headers", [])
    ]
    if headers:
        rendered["headers"] = headers
    queries = first.get("query_parameters", []) + second.get("query_parameters", [])
    if queries:
        rendered["query_parameters"] = queries
    if "grpc" in first or "grpc" in second:
        rendered["grpc"] = {}
    return rendered
