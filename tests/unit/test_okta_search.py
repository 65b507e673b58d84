"""Okta `search` rendering: every query shape, and values that can never change the structure.

The rendered expressions are read back with the simulator's own search tokenizer and parser.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.targets.errors import QueryNotSupportedError
from connector.targets.okta.search import STATUSES, literal, render_search
from connector.targets.query import ActiveIs, AllOf, AnyOf, Condition, Everyone, IdIs, Query
from oktasim.search import Mode, _tokenize, compile_expression
from oktasim.store import User

NAMES = frozenset({"login", "email", "firstName", "lastName", "title", "department"})
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def _user(user_id: str, status: str = "ACTIVE", **profile: str) -> User:
    return User(user_id, status, NOW, NOW, NOW, dict(profile))


def _matching(expression: str, users: list[User]) -> list[str]:
    predicate = compile_expression(expression, Mode.SEARCH, NAMES, "oty1")
    return [u.id for u in users if predicate(u)]


def _tokens(expression: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in _tokenize(expression)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (IdIs("00u1"), 'id eq "00u1"'),
        (Condition("login", "eq", "a@x"), 'profile.login eq "a@x"'),
        (Condition("title", "pr"), "profile.title pr"),
        (Condition("email", "co", "x"), 'profile.email co "x"'),
        (Condition("title", "ge", "M"), 'profile.title ge "M"'),
        (
            AllOf((Condition("title", "sw", "a"), Condition("department", "eq", "b"))),
            '(profile.title sw "a" and profile.department eq "b")',
        ),
        (
            AnyOf((IdIs("1"), IdIs("2"))),
            '(id eq "1" or id eq "2")',
        ),
        (ActiveIs(False), '(status eq "DEPROVISIONED")'),
    ],
)
def test_rendering(query: Query, expected: str) -> None:
    assert render_search(query, suspend=False) == expected
    compile_expression(expected, Mode.SEARCH, NAMES, "oty1")  # Okta's grammar accepts it


def test_everyone_lists_every_status() -> None:
    expression = render_search(Everyone(), suspend=False)
    users = [_user(f"u{i}", status) for i, status in enumerate(STATUSES)]
    assert _matching(expression, users) == [u.id for u in users]


@pytest.mark.parametrize("suspend", [False, True])
def test_active_is_by_status(suspend: bool) -> None:
    users = [_user(status, status) for status in STATUSES]
    inactive = {"DEPROVISIONED", "SUSPENDED"} if suspend else {"DEPROVISIONED"}
    active = _matching(render_search(ActiveIs(True), suspend=suspend), users)
    disabled = _matching(render_search(ActiveIs(False), suspend=suspend), users)
    assert set(disabled) == inactive
    assert set(active) == set(STATUSES) - inactive


@pytest.mark.parametrize(
    "query",
    [
        Condition("title", "co", "x"),
        Condition("department", "co", "x"),
        Condition("title", "ne", "x"),
        Condition("title", "ew", "x"),
    ],
)
def test_unsupported_conditions(query: Query) -> None:
    with pytest.raises(QueryNotSupportedError):
        render_search(query, suspend=False)


@pytest.mark.parametrize("attribute", ["firstName", "lastName", "email", "login"])
def test_contains_on_okta_four_attributes(attribute: str) -> None:
    assert render_search(Condition(attribute, "co", "x"), suspend=False) == (
        f'profile.{attribute} co "x"'
    )


HOSTILE = [
    'a" or profile.login pr or profile.title eq "',
    "back\\slash",
    "ends with backslash\\",
    '\\" or id pr or "',
    " or ",
    "(x) and (y)",
    ")) or ((id pr",
    '"',
    "\\\\",
    "tab\there",
    "ünïcødé ✓",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_value_stays_one_string_literal(value: str) -> None:
    expression = render_search(Condition("title", "eq", value), suspend=False)
    assert _tokens(expression) == [("word", "profile.title"), ("word", "eq"), ("string", value)]
    target = _user("target", title=value, login="t@x")
    other = _user("other", title="something else", login="o@x")
    bare = _user("bare", login="b@x")
    assert _matching(expression, [target, other, bare]) == ["target"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_inside_a_compound_query(value: str) -> None:
    query = AnyOf(
        (
            AllOf((Condition("title", "eq", value), Condition("department", "sw", value))),
            IdIs(value),
        )
    )
    expression = render_search(query, suspend=False)
    strings = [text for kind, text in _tokens(expression) if kind == "string"]
    assert strings == [value, value, value]
    words = [text for kind, text in _tokens(expression) if kind == "word"]
    assert words == ["profile.title", "eq", "and", "profile.department", "sw", "or", "id", "eq"]
    both = _user("both", title=value, department=value + "!")
    one = _user("one", title=value, department="nope")
    by_id = _user(value, title="x")
    assert _matching(expression, [both, one, by_id]) == ["both", value]


def test_literal_escapes_backslash_before_quote() -> None:
    assert literal('a\\"b') == '"a\\\\\\"b"'
    assert literal("") == '""'


def test_an_and_leaves_out_what_okta_cannot_search() -> None:
    query = AllOf((Condition("title", "co", "x"), Condition("login", "eq", "a@x.test")))
    assert render_search(query, suspend=False) == '(profile.login eq "a@x.test")'
    with pytest.raises(QueryNotSupportedError):
        render_search(AllOf((Condition("title", "co", "x"),)), suspend=False)
