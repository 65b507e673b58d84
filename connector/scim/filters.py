"""Parses the `filter` query parameter, including the unquoted values Entra's docs show."""

from __future__ import annotations

import dataclasses
import functools
import json
import re

from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import Comparison, FilterNode, LogicalExpr, Not, ValuePath

from .requests import is_text

MAX_FILTER_LENGTH = 2048
_OPERATORS = r"(?:eq|ne|co|sw|ew|gt|ge|lt|le)"
# `externalId eq jyoung`: a bare word after a comparison operator, outside any quoted string.
_BARE_VALUE = re.compile(rf"(\s{_OPERATORS}\s+)([^\s\"()\[\]]+)", re.IGNORECASE)
_LITERALS = {"true", "false", "null"}
# scim2-models' STRING token (a JSON string), so a filter splits where its parser would.
_STRING = re.compile(r'("(?:[^"\\\x00-\x1F]|\\["\\/bfnrt]|\\u[0-9A-Fa-f]{4})*")')


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
    ast, strings = _parsed(_quote_bare_values(text))
    if not is_text(text) or not is_text(strings):
        raise InvalidFilterException(detail="the filter holds a lone surrogate escape")
    return ast


def _parsed(text: str) -> tuple[FilterNode, list[str]]:
    """scim2-models' parse of `text`, and the strings it compares with (the only values that
    can hold a lone surrogate), read from the parse of its shape: the filter with each string
    replaced by a numbered stand-in. Entra's filters differ in their values only (`userName eq
    "<a new one each time>"`), so the parser runs once per shape, not per request; the strings
    are decoded as the parser decodes them (JSON). A shape the parser refuses is parsed again as
    written, so its error is the one the filter itself gets."""
    pieces = _STRING.split(text)
    strings = [json.loads(literal) for literal in pieces[1::2]]
    if not strings:
        return ScimFilter(text).ast, strings
    pieces[1::2] = [f'"{number}"' for number in range(len(strings))]
    try:
        shape = _shape("".join(pieces))
    except InvalidFilterException:
        return ScimFilter(text).ast, strings
    return _filled(shape, strings), strings


@functools.lru_cache(maxsize=256)
def _shape(text: str) -> FilterNode:
    return ScimFilter(text).ast


def _filled(node: FilterNode, values: list[str]) -> FilterNode:
    """`node` with each stand-in (the only strings a shape compares with) by its value."""
    if isinstance(node, Comparison) and isinstance(node.value, str):
        # Built as the parser builds it (dataclasses.replace re-reads every field: ~10 % of
        # parsing a probe's filter).
        return Comparison(node.attr_path, node.op, values[int(node.value)])
    if isinstance(node, LogicalExpr):
        return dataclasses.replace(node, terms=tuple(_filled(t, values) for t in node.terms))
    if isinstance(node, Not):
        return dataclasses.replace(node, expr=_filled(node.expr, values))
    if isinstance(node, ValuePath):
        return dataclasses.replace(node, val_filter=_filled(node.val_filter, values))
    return node
