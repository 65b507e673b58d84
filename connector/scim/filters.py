"""Parses the `filter` query parameter, including the unquoted values Entra's docs show."""

from __future__ import annotations

import re

from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import Comparison, FilterNode, LogicalExpr, Not, ValuePath

from .requests import is_text

MAX_FILTER_LENGTH = 2048
_OPERATORS = r"(?:eq|ne|co|sw|ew|gt|ge|lt|le)"
# `externalId eq jyoung`: a bare word after a comparison operator, outside any quoted string.
_BARE_VALUE = re.compile(rf"(\s{_OPERATORS}\s+)([^\s\"()\[\]]+)", re.IGNORECASE)
_LITERALS = {"true", "false", "null"}


def _quote_bare_values(text: str) -> str:
    pieces = re.split(r'("(?:[^"\\]|\\.)*")', text)
    for index in range(0, len(pieces), 2):
        pieces[index] = _BARE_VALUE.sub(_quoted, pieces[index])
    return "".join(pieces)


def _quoted(match: re.Match[str]) -> str:
    value = match.group(2)
    if value.lower() in _LITERALS:
        return match.group(0)
    return f'{match.group(1)}"{value}"'


def parse_filter(text: str) -> FilterNode:
    """Every attribute this endpoint filters on is a string (or `active`, a boolean), so a
    bare value is text: `externalId eq 007` compares with "007", as Entra's docs mean it."""
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidFilterException(detail=f"filter longer than {MAX_FILTER_LENGTH} characters")
    ast = ScimFilter(_quote_bare_values(text)).ast
    if not is_text(text) or not is_text(_values(ast)):
        raise InvalidFilterException(detail="the filter holds a lone surrogate escape")
    return ast


def _values(node: object) -> list[object]:
    """Every value compared in a filter, however deep."""
    if isinstance(node, Comparison):
        return [node.value]
    if isinstance(node, LogicalExpr):
        return [v for term in node.terms for v in _values(term)]
    if isinstance(node, Not):
        return _values(node.expr)
    if isinstance(node, ValuePath):
        return _values(node.val_filter)
    return []
