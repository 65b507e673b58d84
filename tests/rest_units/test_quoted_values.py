"""A searched value written inside the application's own filter expression (`filter: 'username
eq "{value}"'`) is escaped by the find's `escape` rule, so no value leaves its quotes; without a
rule, a value holding the quote or a backslash is refused before any call (never sent to break
out), and the rule is checked at load with the line to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connector.targets.errors import QueryNotSupportedError
from connector.targets.query import AllOf, AnyOf, Condition
from connector.targets.rest.loading import load_description
from connector.transport.budget import request_budget

from .helpers import (
    SAMPLE_TEXT,
    ScriptedApp,
    account,
    changed,
    found,
    line_of,
    listing,
    only_problem,
    rest_groups,
    rest_target,
)

PAGE_ONE = {"per_page": "100", "page": "1"}
QUOTED_LOGIN = 'o"brien@example.com'


@pytest.fixture(autouse=True)
def budget() -> Any:
    with request_budget(10.0):
        yield


def login_find(template: str, escape: str | None = None) -> Any:
    def edit(data: dict[str, Any]) -> None:
        find: dict[str, Any] = {"attribute": "login", "query": {"filter": template}}
        if escape is not None:
            find["escape"] = escape
        data["users"]["find"][0] = find

    return edit


@pytest.mark.parametrize(
    ("template", "escape", "value", "sent"),
    [
        ('username eq "{value}"', "backslash", QUOTED_LOGIN, r'username eq "o\"brien@example.com"'),
        ('username eq "{value}"', "backslash", "a\\b", r'username eq "a\\b"'),
        (
            'username eq "{value}"',
            "backslash",
            'x" or username sw "',
            r'username eq "x\" or username sw \""',
        ),
        # The other quote is an ordinary character inside these quotes.
        ('username eq "{value}"', "backslash", "o'brien", 'username eq "o\'brien"'),
        ("userName eq '{value}'", "double", "o'brien", "userName eq 'o''brien'"),
        # Doubling quotes: a backslash is an ordinary character.
        ("userName eq '{value}'", "double", "a\\b'", "userName eq 'a\\b'''"),
        ('userName eq "{value}"', "double", 'a"b', 'userName eq "a""b"'),
        # Wildcards around the value inside the quotes: still inside them.
        ('name:"*{value}*"', "backslash", 'a"b', r'name:"*a\"b*"'),
        # Two values, each escaped for its own quotes.
        (
            "username eq \"{value}\" or email eq '{value}'",
            "backslash",
            "a'\"b",
            "username eq \"a'\\\"b\" or email eq 'a\\'\"b'",
        ),
    ],
)
async def test_a_quoted_value_is_escaped_by_the_rule(
    tmp_path: Path, template: str, escape: str, value: str, sent: str
) -> None:
    app = ScriptedApp().on("GET", "/accounts", listing())
    target = rest_target(tmp_path, app, login_find(template, escape))
    await found(target, Condition("login", "eq", value))
    assert [c.params for c in app.calls] == [{"filter": sent, **PAGE_ONE}]


async def test_a_value_that_is_the_whole_parameter_is_sent_as_it_is(tmp_path: Path) -> None:
    # No quotes of the application's around it: httpx encodes the parameter, nothing to escape.
    app = ScriptedApp().on("GET", "/accounts", listing())
    await found(rest_target(tmp_path, app), Condition("login", "eq", QUOTED_LOGIN + "\\"))
    assert app.calls[0].params == {"username": QUOTED_LOGIN + "\\", **PAGE_ONE}


@pytest.mark.parametrize("value", [QUOTED_LOGIN, "back\\slash@example.com"])
async def test_without_a_rule_a_value_that_would_leave_its_quotes_is_refused_before_any_call(
    tmp_path: Path, value: str
) -> None:
    app = ScriptedApp().on("GET", "/accounts", listing())
    target = rest_target(tmp_path, app, login_find('username eq "{value}"'))
    with pytest.raises(QueryNotSupportedError) as refused:
        await found(target, Condition("login", "eq", value))
    assert app.calls == []
    message = str(refused.value)
    assert "does not say how its filter language escapes" in message
    assert "add `escape: backslash` or `escape: double` to users.find[0]" in message
    assert str(tmp_path / "description.yaml") in message
    assert value not in message  # the detail is logged: no value in it


async def test_without_a_rule_an_ordinary_value_is_sent(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts", listing(account(username="o'brien@example.com")))
    target = rest_target(tmp_path, app, login_find('username eq "{value}"'))
    # The other quote cannot leave double quotes in any filter language.
    users = await found(target, Condition("login", "eq", "O'Brien@example.com"))
    assert [u.id for u in users] == ["1001"]
    assert app.calls[0].params == {"filter": 'username eq "O\'Brien@example.com"', **PAGE_ONE}


async def test_an_or_checks_every_value_before_the_first_call(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts", listing())
    target = rest_target(tmp_path, app, login_find('username eq "{value}"'))
    either = AnyOf((Condition("login", "eq", "ada"), Condition("login", "eq", QUOTED_LOGIN)))
    with pytest.raises(QueryNotSupportedError):
        await found(target, either)
    assert app.calls == []


async def test_an_and_is_answered_by_a_part_that_can_be_sent(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts", listing())
    target = rest_target(tmp_path, app, login_find('username eq "{value}"'))
    both = AllOf((Condition("login", "eq", QUOTED_LOGIN), Condition("email", "eq", "o@x.org")))
    await found(target, both)
    assert [c.params for c in app.calls] == [{"email": "o@x.org", **PAGE_ONE}]


async def test_a_group_name_is_escaped_too(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["groups"]["find"][0] = {
            "attribute": "name",
            "query": {"filter": 'name eq "{value}"'},
            "escape": "backslash",
        }

    app = ScriptedApp().on("GET", "/teams", listing())
    groups = rest_groups(tmp_path, app, edit)
    assert await groups.find_by_name('R&D "Core"') is None
    assert app.calls[0].params == {"filter": r'name eq "R&D \"Core\""', **PAGE_ONE}


async def test_a_group_name_without_a_rule_is_refused_before_any_call(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["groups"]["find"][0] = {"attribute": "name", "query": {"filter": "name eq '{value}'"}}

    app = ScriptedApp().on("GET", "/teams", listing())
    groups = rest_groups(tmp_path, app, edit)
    with pytest.raises(QueryNotSupportedError, match=r"groups.find\[0\]"):
        await groups.find_by_name("O'Brien's team")
    assert app.calls == []


async def test_a_lookup_path_value_is_escaped_then_percent_encoded(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["users"]["find"][0] = {
            "attribute": "login",
            "path": "/accounts/search/username eq '{value}'",
            "escape": "double",
            "result": "/data",
        }

    app = ScriptedApp().on("GET", "/accounts/search/username eq 'o''brien'", listing())
    await found(rest_target(tmp_path, app, edit), Condition("login", "eq", "o'brien"))
    # The value's quotes are percent-encoded as the rest of the segment; the template's are not.
    assert app.calls[0].raw_path == "/api/v2/accounts/search/username%20eq%20'o%27%27brien'"


# -- checked at load ------------------------------------------------------------------------

FIND = '    - attribute: email\n      query: {email: "{value}"}\n'
QUOTED_FIND = "    - attribute: email\n      query: {filter: 'email eq \"{value}\"'}\n"


def test_a_rule_where_no_value_is_quoted_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = changed(FIND, FIND + "      escape: backslash\n")
    problem = only_problem(tmp_path, text, line_of(text, "escape: backslash"))
    assert "users.find[1].escape:" in problem
    assert "escape is for a {value} written between quotes" in problem
    assert "remove escape" in problem


def test_an_unknown_rule_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = changed(FIND, QUOTED_FIND + "      escape: sql\n")
    problem = only_problem(tmp_path, text, line_of(text, "escape: sql"))
    assert "users.find[1].escape: must be one of 'backslash', 'double' or 'refuse'" in problem


def test_the_rules_load(tmp_path: Path) -> None:
    for rule in ("backslash", "double", "refuse"):
        quoted = QUOTED_FIND + f"      escape: {rule}\n"
        path = tmp_path / f"{rule}.yaml"
        path.write_text(changed(FIND, quoted, SAMPLE_TEXT), encoding="utf-8")
        description, _ = load_description(path)
        assert description.users.find[1].escape == rule
