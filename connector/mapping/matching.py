"""Evaluates a parsed SCIM filter against a SCIM resource held as JSON (RFC 7644 §3.4.2.2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from ..names import value_of
from .definitions import CORE_USER

# RFC 7643 marks these caseExact; every other string compares ignoring case.
_CASE_EXACT = {"id", "externalid", "$ref"}


def _values(resource: Mapping[str, Any], path: AttrPath, *, compared: bool = False) -> list[Any]:
    """Every value the attribute path designates (several for a multi-valued attribute).

    `compared`: for a comparison, a complex value named without a sub-attribute stands for its
    `value` sub-attribute (RFC 7644 §3.4.2.2: `emails co "x"`, `manager eq "id"`).
    """
    scope: Any = resource
    if path.uri is not None and path.uri.lower() != CORE_USER.lower():
        scope = value_of(resource, path.uri) or {}
    value = value_of(scope, path.attr) if isinstance(scope, Mapping) else None
    items = value if isinstance(value, list) else [value]
    sub_attr = path.sub_attr
    if sub_attr is None and compared and any(isinstance(i, Mapping) for i in items):
        sub_attr = "value"
    if sub_attr is None:
        return [v for v in items if v is not None]
    return [
        sub
        for item in items
        if isinstance(item, Mapping) and (sub := value_of(item, sub_attr)) is not None
    ]


def _present(value: Any) -> bool:
    """RFC 7644 §3.4.2.2 `pr`: a non-empty value, or a complex value with a non-empty node."""
    if isinstance(value, Mapping):
        return any(_present(v) for v in value.values())
    if isinstance(value, list):
        return any(_present(v) for v in value)
    return value not in (None, "")


def _compare(op: CompareOperator, actual: Any, expected: Any, case_exact: bool) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        if isinstance(expected, str):
            expected = expected.strip().lower() == "true"
        return (op == CompareOperator.eq and actual == expected) or (
            op == CompareOperator.ne and actual != expected
        )
    if isinstance(actual, str) and isinstance(expected, str):
        if not case_exact:
            actual, expected = actual.lower(), expected.lower()
    elif type(actual) is not type(expected):
        return op == CompareOperator.ne
    try:
        return _ordered(op, actual, expected)
    except TypeError:
        return False


def _ordered(op: CompareOperator, actual: Any, expected: Any) -> bool:
    if op == CompareOperator.eq:
        return bool(actual == expected)
    if op == CompareOperator.ne:
        return bool(actual != expected)
    if op in (CompareOperator.co, CompareOperator.sw, CompareOperator.ew):
        if not isinstance(actual, str) or not isinstance(expected, str):
            return False
        if op == CompareOperator.co:
            return expected in actual
        if op == CompareOperator.sw:
            return actual.startswith(expected)
        return actual.endswith(expected)
    if op == CompareOperator.gt:
        return bool(actual > expected)
    if op == CompareOperator.ge:
        return bool(actual >= expected)
    if op == CompareOperator.lt:
        return bool(actual < expected)
    return bool(actual <= expected)


def matches(node: FilterNode, resource: Mapping[str, Any]) -> bool:
    if isinstance(node, LogicalExpr):
        results = (matches(term, resource) for term in node.terms)
        return all(results) if node.op == LogicalOperator.and_ else any(results)
    if isinstance(node, Not):
        return not matches(node.expr, resource)
    if isinstance(node, Present):
        return any(_present(v) for v in _values(resource, node.attr_path))
    if isinstance(node, Comparison):
        case_exact = (node.attr_path.sub_attr or node.attr_path.attr).lower() in _CASE_EXACT
        values = _values(resource, node.attr_path, compared=True)
        if node.op == CompareOperator.ne and not values:
            return True
        return any(_compare(node.op, v, node.value, case_exact) for v in values)
    if isinstance(node, ValuePath):
        elements = _values(resource, node.attr_path)
        return any(isinstance(e, Mapping) and matches(node.val_filter, e) for e in elements)
    return False
