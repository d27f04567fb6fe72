"""Validate an AWS API request against botocore's service model, as strictly as the model allows.

botocore's own ``ParamValidator`` (what a boto3 client runs before sending) checks required
members, unknown members, Python types, tagged unions and ``min`` — but not ``enum``, ``max``
or ``pattern``, which AWS enforces server-side. So ``"HTTP"`` where App Mesh wants ``"http"``
passes boto3 and fails only at deploy time. ``validate`` runs ``ParamValidator`` and then walks
the shape once more for exactly those three constraints.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

import botocore.session
from botocore.model import OperationModel, Shape
from botocore.validate import ParamValidator

# botocore patterns are Java regexes; Python's ``re`` lacks Unicode property classes. Only the
# spellings the three services we check actually use are mapped (ECS TagKey/TagValue).
_JAVA_TO_PYTHON_REGEX = {
    r"\p{L}\p{Z}\p{N}": r"\w\s",
}


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def operation_model(service: str, operation: str) -> OperationModel:
    """The botocore operation model, e.g. ``("appmesh", "CreateVirtualNode")``."""
    return _session().get_service_model(service).operation_model(operation)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    for java, python in _JAVA_TO_PYTHON_REGEX.items():
        pattern = pattern.replace(java, python)
    # A pattern we cannot compile must stop the run, not silently skip the check.
    return re.compile(pattern)


def validate(service: str, operation: str, params: Mapping[str, Any]) -> list[str]:
    """Every way ``params`` breaks the model of ``service.operation``; empty when it conforms."""
    shape = operation_model(service, operation).input_shape
    report = ParamValidator().validate(params, shape)
    errors = report.generate_report().splitlines() if report.has_errors() else []
    _check_constraints(params, shape, "", errors)
    return errors


def _check_constraints(value: Any, shape: Shape, path: str, errors: list[str]) -> None:
    """Add enum, max and pattern violations under ``path``; types were checked by ParamValidator."""
    where = path or "input"
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        for name, member_value in value.items():
            if name in shape.members:  # unknown members are ParamValidator's report
                _check_constraints(member_value, shape.members[name], f"{path}.{name}".lstrip("."), errors)
    elif kind == "list" and isinstance(value, Sequence) and not isinstance(value, str):
        _check_max(len(value), shape, where, "length", errors)
        for index, item in enumerate(value):
            _check_constraints(item, shape.member, f"{where}[{index}]", errors)
    elif kind == "map" and isinstance(value, Mapping):
        for key, item in value.items():
            _check_constraints(key, shape.key, f"{where} (key {key!r})", errors)
            _check_constraints(item, shape.value, f"{where}.{key}", errors)
    elif kind == "string" and isinstance(value, str):
        enum = shape.enum
        if enum and value not in enum:
            errors.append(f"Invalid value for {where}: {value!r}, must be one of: {', '.join(enum)}")
        _check_max(len(value), shape, where, "length", errors)
        pattern = shape.metadata.get("pattern")
        if pattern and not _compiled(pattern).fullmatch(value):
            errors.append(f"Invalid value for {where}: {value!r} does not match pattern {pattern}")
    elif kind in ("integer", "long", "float", "double") and isinstance(value, int | float):
        _check_max(value, shape, where, "value", errors)


def _check_max(measured: float, shape: Shape, where: str, what: str, errors: list[str]) -> None:
    maximum = shape.metadata.get("max")
    if maximum is not None and measured > maximum:
        errors.append(f"Invalid {what} for {where}: {measured}, valid max {what}: {maximum}")
