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

from meshspec import GatewayMatch, HeaderMatch, HttpMatch

_PORT = r"(:[0-9]+)?"


def route_match(match: HttpMatch) -> dict[str, Any]:
    rendered: dict[str, Any] = {}
    if match.path is not None and match.path.exact is not None:
        rendered["path"] = match.path.exact
    elif match.path is not None:
        rendered["safe_regex"] = {"regex": match.path.regex}
    else:
        rendered["prefix"] = match.effective_prefix
    headers = [header_match(h) for h in match.headers]
    if match.method is not None:
        headers.append({"name": ":method", "string_match": {"exact": match.method}})
    if isinstance(match, GatewayMatch) and match.hostname is not None:
        headers.append(authority_match(match.hostname.exact, match.hostname.suffix))
    if headers:
        rendered["headers"] = headers
    if match.query_parameters:
        rendered["query_parameters"] = [
            {"name": q.name, "string_match": {"exact": q.exact}} for q in match.query_parameters
        ]
    return rendered


def header_match(header: HeaderMatch) -> dict[str, Any]:
    rendered: dict[str, Any] = {"name": header.name}
    if header.range is not None:
        # Envoy's range is [start, end), exactly App Mesh's.
        rendered["range_match"] = {"start": header.range.start, "end": header.range.end}
    elif header.regex is not None:
        rendered["string_match"] = {"safe_regex": {"regex": header.regex}}
    else:
        rule = next(k for k in ("exact", "prefix", "suffix") if getattr(header, k) is not None)
        rendered["string_match"] = {rule: getattr(header, rule)}
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
