"""connector/scim/filters.py: the `filter` parameter, including Entra's unquoted values."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    LogicalExpr,
    LogicalOperator,
    ValuePath,
)

from connector.scim import filters
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


# The parse is read from a parse of the filter's shape (its strings numbered); it must be the
# parse scim2-models gives the filter as written, whatever the strings hold.
_ATTRS = st.sampled_from(["userName", "externalId", "emails.value", "title", "members.value"])
_OPS = st.sampled_from(["eq", "ne", "co", "sw", "ew", "gt", "le"])
_STRINGS = st.builds(
    json.dumps, st.text(max_size=12), ensure_ascii=st.booleans()
) | st.sampled_from(['"0"', '"1"', '""', '"\\"0\\""', '"a\\/b"'])
_LEAVES = st.builds(
    "{} {} {}".format, _ATTRS, _OPS, _STRINGS | st.sampled_from(["true", "null", "18"])
) | st.builds("{} pr".format, _ATTRS)
_FILTERS = st.recursive(
    _LEAVES,
    lambda inner: (
        st.builds("({}) and ({})".format, inner, inner)
        | st.builds("{} or {}".format, inner, inner)
        | st.builds("not ({})".format, inner)
        | st.builds("emails[{}]".format, inner)
    ),
    max_leaves=6,
)


def _outcome(parse: Callable[[], object]) -> object:
    try:
        return parse()
    except InvalidFilterException as refused:
        return f"refused: {refused}"


@settings(deadline=None)
@given(_FILTERS)
def test_a_filter_parses_as_scim2_models_parses_it(text: str) -> None:
    # Bare numbers are quoted first (test_bare_numbers_are_text); the rest is the library's.
    as_written = filters._quote_bare_values(text)
    assert _outcome(lambda: parse_filter(text)) == _outcome(lambda: ScimFilter(as_written).ast)


@pytest.mark.parametrize(
    "text",
    [
        'userName eq "a"b"',
        'userName eq "a" and',
        'userName eq "\x01"',
        'userName xx "a"',
        # Where the error is: the numbered stand-ins are shorter than these strings.
        'userName eq "abcdef" xx "a"',
        'title eq "a much longer value than a stand-in" and (userName eq "x"',
    ],
)
def test_a_refused_filter_gets_the_error_of_the_filter_as_written(text: str) -> None:
    with pytest.raises(InvalidFilterException) as ours:
        parse_filter(text)
    with pytest.raises(InvalidFilterException) as theirs:
        ScimFilter(text)
    assert str(ours.value) == str(theirs.value)


def test_filters_differing_in_their_values_only_are_parsed_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[str] = []

    def counted(text: str) -> ScimFilter[Any]:
        parsed.append(text)
        return ScimFilter(text)

    monkeypatch.setattr(filters, "ScimFilter", counted)
    filters._shape.cache_clear()
    first = parse_filter('userName eq "one@example.com" and active eq true')
    second = parse_filter('userName eq "two@example.com" and active eq true')
    assert parsed == ['userName eq "0" and active eq true']
    assert first != second
    assert isinstance(second, LogicalExpr)
    assert second.terms[0] == _eq("userName", "two@example.com")
