"""connector/scim/filters.py: the `filter` parameter, including Entra's unquoted values."""

from __future__ import annotations

from typing import Any

import pytest
from scim2_models import InvalidFilterException
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    LogicalExpr,
    LogicalOperator,
    ValuePath,
)

from connector.scim.filters import MAX_FILTER_LENGTH, parse_filter


def _eq(attr: str, value: Any) -> Comparison:
    return Comparison(AttrPath(attr), CompareOperator.eq, value)


def test_unquoted_value_is_repaired() -> None:
    assert parse_filter("externalId eq jyoung") == _eq("externalId", "jyoung")


@pytest.mark.parametrize(
    "value", ["9edf3db5-1b2c-4d5e-8f90-0a1b2c3d4e5f", "pat@example.com", "O'Brien"]
)
def test_unquoted_words(value: str) -> None:
    assert parse_filter(f"userName EQ {value}") == _eq("userName", value)


def test_unquoted_values_inside_value_paths() -> None:
    node = parse_filter("emails[type eq work].value eq a@x.test")
    assert isinstance(node, ValuePath)
    assert isinstance(node.val_filter, LogicalExpr)
    assert [t.value for t in node.val_filter.terms if isinstance(t, Comparison)] == [
        "work",
        "a@x.test",
    ]


def test_quoted_strings_are_untouched() -> None:
    node = parse_filter('displayName eq "a eq b" and externalId eq jyoung')
    assert node == LogicalExpr(
        LogicalOperator.and_,
        (_eq("displayName", "a eq b"), _eq("externalId", "jyoung")),
    )
    escaped = parse_filter('userName eq "x\\" eq y" and title eq boss')
    assert escaped == LogicalExpr(
        LogicalOperator.and_, (_eq("userName", 'x" eq y'), _eq("title", "boss"))
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [("active eq true", True), ("active eq FALSE", False), ("title eq null", None)],
)
def test_literals_stay_literals(text: str, value: Any) -> None:
    node = parse_filter(text)
    assert isinstance(node, Comparison)
    assert node.value is value


@pytest.mark.parametrize(("text", "value"), [("5", "5"), ("007", "007"), ("1.50", "1.50")])
def test_bare_numbers_are_text(text: str, value: str) -> None:
    # Every filterable attribute here is a string; `externalId eq 007` means "007".
    assert parse_filter(f"externalId eq {text}") == _eq("externalId", value)


@pytest.mark.parametrize("text", ["userName eq", "userName", "(userName eq x", 'x eq "open'])
def test_unrepairable_filters_are_invalid(text: str) -> None:
    with pytest.raises(InvalidFilterException):
        parse_filter(text)


def test_length_limit() -> None:
    prefix = 'userName eq "'
    fitting = prefix + "a" * (MAX_FILTER_LENGTH - len(prefix) - 1) + '"'
    assert len(fitting) == MAX_FILTER_LENGTH
    assert isinstance(parse_filter(fitting), Comparison)
    too_long = prefix + "a" * (MAX_FILTER_LENGTH - len(prefix)) + '"'
    with pytest.raises(InvalidFilterException, match="longer than"):
        parse_filter(too_long)
