"""RestUsers' reads against a scripted application: records into users, `get` by exact id, and
queries answered exactly with the description's finds (or refused before any call)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connector.targets.errors import QueryNotSupportedError, UnavailableError
from connector.targets.query import ActiveIs, AllOf, AnyOf, Condition, Everyone, IdIs, Query
from connector.transport.budget import request_budget

from .helpers import (
    ScriptedApp,
    account,
    found,
    ledgerline_error,
    line_of,
    listing,
    reply,
    rest_target,
)

PAGE_ONE = {"per_page": "100", "page": "1"}


@pytest.fixture(autouse=True)
def budget() -> Any:
    with request_budget(10.0):
        yield


# -- records and get --------------------------------------------------------------------------


async def test_a_record_becomes_a_user(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts/1001", reply(200, {"data": account(1001)}))
    user = await rest_target(tmp_path, app).get("1001")
    assert user is not None
    assert (user.id, user.active, user.state) == ("1001", True, "enabled")
    assert (user.created, user.last_modified) == ("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
    assert user.profile["login"] == "ada@example.com"
    assert user.profile["employeeNumber"] == "42"
    assert user.profile["department"] == "Maths"
    assert user.profile["city"] is None
    assert user.record == account(1001)
    assert app.calls[0].headers["x-api-key"] == "ledgerline-key-for-unit-tests"
    assert app.calls[0].headers["accept"] == "application/json"


async def test_a_disabled_record(tmp_path: Path) -> None:
    app = ScriptedApp().on(
        "GET", "/accounts/1001", reply(200, {"data": account(status="DISABLED")})
    )
    user = await rest_target(tmp_path, app).get("1001")
    assert user is not None
    assert (user.active, user.state) == (False, "DISABLED")


async def test_get_of_an_id_the_app_answers_with_another_id_is_nobody(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts/01001", reply(200, {"data": account(1001)}))
    assert await rest_target(tmp_path, app).get("01001") is None
    assert len(app.calls) == 1


async def test_get_of_nobody(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts/9", ledgerline_error(404, "not_found", "no account"))
    assert await rest_target(tmp_path, app).get("9") is None


async def test_the_id_is_one_path_segment(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts/a/b", reply(200, {"data": account(1)}))
    await rest_target(tmp_path, app).get("a/b")
    assert app.calls[0].raw_path == "/api/v2/accounts/a%2Fb"


@pytest.mark.parametrize("record", [{"username": "x"}, {"id": None}, {"id": {"n": 1}}])
async def test_a_record_without_an_id_names_the_pointer_and_the_line(
    tmp_path: Path, record: Any
) -> None:
    app = ScriptedApp().on("GET", "/accounts/1", reply(200, {"data": record}))
    target = rest_target(tmp_path, app)
    with pytest.raises(UnavailableError) as caught:
        await target.get("1")
    description = tmp_path / "description.yaml"
    line = line_of(description.read_text(), "  id: /id")
    assert caught.value.reason == (
        "Ledgerline HR answered a record without an id at /id (users.get); check users.id in "
        f"{description}:{line}:3"
    )


async def test_a_get_answer_that_is_not_a_record(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts/1", reply(200, {"data": [account(1)]}))
    assert await rest_target(tmp_path, app).get("1") is None


async def test_a_failing_get_is_unavailable(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts/1", reply(503))
    with request_budget(5.0, retries=False), pytest.raises(UnavailableError):
        await rest_target(tmp_path, app).get("1")
    assert len(app.calls) == 1


# -- queries ----------------------------------------------------------------------------------


async def test_everyone_lists_every_page(tmp_path: Path) -> None:
    def small_pages(data: dict[str, Any]) -> None:
        data["users"]["list"]["paging"]["pageSize"] = 2

    app = ScriptedApp().on(
        "GET",
        "/accounts",
        reply(200, {"data": [account(1), account(2)], "meta": {"total": 3}}),
        reply(200, {"data": [account(3)], "meta": {"total": 3}}),
    )
    users = await found(rest_target(tmp_path, app, small_pages), Everyone())
    assert [u.id for u in users] == ["1", "2", "3"]
    assert [c.params for c in app.calls] == [
        {"per_page": "2", "page": "1"},
        {"per_page": "2", "page": "2"},
    ]


async def test_a_list_answer_without_a_list_points_at_the_description(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts", reply(200, {"accounts": []}))
    with pytest.raises(UnavailableError) as caught:
        await found(rest_target(tmp_path, app), Everyone())
    assert "list answer has no list at /data; check users.list.result in" in caught.value.reason
    assert str(tmp_path / "description.yaml") in caught.value.reason


@pytest.mark.parametrize(
    ("attribute", "value", "params"),
    [
        ("login", "ada@example.com", {"username": "ada@example.com"}),
        ("email", "a+b@example.com", {"email": "a+b@example.com"}),
        ("externalId", "ext-1", {"external_ref": "ext-1"}),
        ("employeeNumber", " 42 ", {"employee_number": "42"}),  # as the application types it
    ],
)
async def test_a_condition_uses_exactly_the_declared_find(
    tmp_path: Path, attribute: str, value: str, params: dict[str, str]
) -> None:
    app = ScriptedApp().on("GET", "/accounts", listing(account(1001)))
    users = await found(rest_target(tmp_path, app), Condition(attribute, "eq", value))
    assert [u.id for u in users] == ["1001"]
    assert app.calls[0].params == {**params, **PAGE_ONE}


async def test_the_find_value_is_written_as_the_attribute_is(tmp_path: Path) -> None:
    def lower_login(data: dict[str, Any]) -> None:
        data["users"]["attributes"]["login"] = {"pointer": "/username", "case": "lower"}
        data["users"]["list"]["query"] = {"include": "all"}

    app = ScriptedApp().on("GET", "/accounts", listing())
    await found(
        rest_target(tmp_path, app, lower_login), Condition("login", "eq", "Ada@Example.COM")
    )
    assert app.calls[0].params == {"include": "all", "username": "ada@example.com", **PAGE_ONE}


@pytest.mark.parametrize(
    "query",
    [
        Condition("login", "sw", "ada"),  # a find on login, but not with sw
        Condition("title", "eq", "Countess"),  # no find on title
        Condition("login", "pr"),
        Condition("login", "gt", "a"),
    ],
)
async def test_a_condition_without_its_find_is_refused_before_any_call(
    tmp_path: Path, query: Query
) -> None:
    app = ScriptedApp()
    with pytest.raises(QueryNotSupportedError):
        await found(rest_target(tmp_path, app), query)
    assert app.calls == []


async def test_sw_and_co_finds(tmp_path: Path) -> None:
    def prefix_finds(data: dict[str, Any]) -> None:
        data["users"]["find"] += [
            {"attribute": "login", "op": "sw", "query": {"username_prefix": "{value}"}},
            {"attribute": "displayName", "op": "co", "query": {"q": "*{value}*"}},
        ]

    app = ScriptedApp().on("GET", "/accounts", listing())
    target = rest_target(tmp_path, app, prefix_finds)
    await found(target, Condition("login", "sw", "ada"))
    await found(target, Condition("displayName", "co", "Love"))
    assert [c.params for c in app.calls] == [
        {"username_prefix": "ada", **PAGE_ONE},
        {"q": "*Love*", **PAGE_ONE},
    ]


def lookup_path(data: dict[str, Any]) -> None:
    data["users"]["find"][0] = {
        "attribute": "login",
        "path": "/accounts/by-username/{value}",
        "result": "/data",
    }


async def test_a_lookup_path_find(tmp_path: Path) -> None:
    app = ScriptedApp().on(
        "GET", "/accounts/by-username/a/b@example.com", reply(200, {"data": account(1001)})
    )
    users = await found(
        rest_target(tmp_path, app, lookup_path), Condition("login", "eq", "a/b@example.com")
    )
    assert [u.id for u in users] == ["1001"]
    assert app.calls[0].raw_path == "/api/v2/accounts/by-username/a%2Fb%40example.com"
    assert app.calls[0].params == {}


async def test_a_lookup_path_may_answer_a_list(tmp_path: Path) -> None:
    app = ScriptedApp().on(
        "GET", "/accounts/by-username/ada", reply(200, {"data": [account(1), "junk", account(2)]})
    )
    users = await found(rest_target(tmp_path, app, lookup_path), Condition("login", "eq", "ada"))
    assert [u.id for u in users] == ["1", "2"]


@pytest.mark.parametrize(
    "answer", [ledgerline_error(404, "not_found", "no"), reply(200, {"data": None})]
)
async def test_a_lookup_of_nobody_is_nothing(tmp_path: Path, answer: Any) -> None:
    app = ScriptedApp().on("GET", "/accounts/by-username/ada", answer)
    assert (
        await found(rest_target(tmp_path, app, lookup_path), Condition("login", "eq", "ada")) == []
    )
    assert len(app.calls) == 1


async def test_a_value_the_application_cannot_hold_matches_nobody_without_a_call(
    tmp_path: Path,
) -> None:
    app = ScriptedApp()
    target = rest_target(tmp_path, app)
    assert await found(target, Condition("employeeNumber", "eq", "forty-two")) == []
    assert (
        await found(target, AllOf((Condition("employeeNumber", "eq", "4.2"), ActiveIs(True)))) == []
    )
    assert app.calls == []


async def test_any_of_asks_each_branch_and_reports_each_user_once(tmp_path: Path) -> None:
    app = ScriptedApp().on(
        "GET", "/accounts", listing(account(1), account(2)), listing(account(2), account(3))
    )
    query = AnyOf((Condition("login", "eq", "a"), Condition("email", "eq", "b")))
    users = await found(rest_target(tmp_path, app), query)
    assert [u.id for u in users] == ["1", "2", "3"]
    assert [c.params for c in app.calls] == [
        {"username": "a", **PAGE_ONE},
        {"email": "b", **PAGE_ONE},
    ]


async def test_any_of_with_an_unanswerable_branch_is_refused_before_any_call(
    tmp_path: Path,
) -> None:
    app = ScriptedApp()
    query = AnyOf((Condition("login", "eq", "a"), Condition("title", "eq", "b")))
    with pytest.raises(QueryNotSupportedError):
        await found(rest_target(tmp_path, app), query)
    nested = AnyOf((Condition("login", "eq", "a"), AllOf((Condition("title", "eq", "b"),))))
    with pytest.raises(QueryNotSupportedError):
        await found(rest_target(tmp_path, app), nested)
    assert app.calls == []


async def test_any_of_with_a_branch_nobody_can_match(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts", listing(account(1)))
    query = AnyOf((Condition("employeeNumber", "eq", "x"), Condition("login", "eq", "a")))
    assert [u.id for u in await found(rest_target(tmp_path, app), query)] == ["1"]
    assert len(app.calls) == 1


async def test_all_of_uses_one_answerable_term(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts", listing(account(1)))
    query = AllOf((Condition("title", "eq", "Countess"), Condition("email", "eq", "a@x")))
    users = await found(rest_target(tmp_path, app), query)
    assert [u.id for u in users] == ["1"]  # the service applies the whole filter to them
    assert [c.params for c in app.calls] == [{"email": "a@x", **PAGE_ONE}]


async def test_all_of_with_no_answerable_term_is_refused(tmp_path: Path) -> None:
    app = ScriptedApp()
    query = AllOf((Condition("title", "eq", "a"), Condition("city", "eq", "b")))
    with pytest.raises(QueryNotSupportedError, match="no find for any part of this filter"):
        await found(rest_target(tmp_path, app), query)
    assert app.calls == []


@pytest.mark.parametrize(("active", "status"), [(True, "enabled"), (False, "disabled")])
async def test_active_is_uses_the_states_values(tmp_path: Path, active: bool, status: str) -> None:
    app = ScriptedApp().on("GET", "/accounts", listing())
    await found(rest_target(tmp_path, app), ActiveIs(active))
    assert app.calls[0].params == {"status": status, **PAGE_ONE}


async def test_active_is_writes_the_first_value_as_the_application_spells_it(
    tmp_path: Path,
) -> None:
    def boolean_state(data: dict[str, Any]) -> None:
        data["users"]["state"] = {"pointer": "/active", "enabled": [True, 1], "disabled": False}
        data["users"]["find"][-1] = {"attribute": "active", "query": {"active": "{value}"}}

    app = ScriptedApp().on("GET", "/accounts", listing())
    target = rest_target(tmp_path, app, boolean_state)
    await found(target, ActiveIs(True))
    await found(target, ActiveIs(False))
    assert [c.params["active"] for c in app.calls] == ["true", "false"]


async def test_active_is_without_a_find_on_active_is_refused(tmp_path: Path) -> None:
    def no_active_find(data: dict[str, Any]) -> None:
        data["users"]["find"] = [f for f in data["users"]["find"] if f["attribute"] != "active"]

    app = ScriptedApp()
    with pytest.raises(QueryNotSupportedError, match="no find on active"):
        await found(rest_target(tmp_path, app, no_active_find), ActiveIs(True))
    assert app.calls == []


async def test_id_is_is_a_get(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts/1001", reply(200, {"data": account(1001)}))
    app.on("GET", "/accounts/9", ledgerline_error(404, "not_found", "no"))
    target = rest_target(tmp_path, app)
    assert [u.id for u in await found(target, IdIs("1001"))] == ["1001"]
    assert await found(target, IdIs("9")) == []


async def test_find_by_anchor_takes_only_the_whole_value(tmp_path: Path) -> None:
    # The application matches loosely: only the record whose anchor is the value is the user.
    app = ScriptedApp().on(
        "GET",
        "/accounts",
        listing(account(1, username="ada@example.com.au"), account(2, username="ADA@example.com")),
    )
    user = await rest_target(tmp_path, app).find_by_anchor("ada@example.com")
    assert user is not None
    assert user.id == "2"
    app = ScriptedApp().on("GET", "/accounts", listing(account(1, username="ada@example.com.au")))
    assert await rest_target(tmp_path, app).find_by_anchor("ada@example.com") is None


# -- doctor -----------------------------------------------------------------------------------


async def test_check_reads_one_record(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts", listing(account(1)))
    message = await rest_target(tmp_path, app).check()
    assert message == (
        "Ledgerline HR at https://ledgerline.corp.example/api/v2 answered GET /accounts "
        "(1 record(s) read)"
    )
    assert app.calls[0].params == {"per_page": "1", "page": "1"}


async def test_check_of_an_account_without_rights(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts", ledgerline_error(403, "forbidden", "no"))
    with pytest.raises(UnavailableError, match="rights to manage users"):
        await rest_target(tmp_path, app).check()


WEB_PAGE = reply(
    200, text="<!doctype html><title>Ledgerline</title>", headers={"Content-Type": "text/html"}
)
NOT_JSON = "with 200 and a body that is not JSON (text/html); check connection.baseUrl"


async def test_a_web_page_answered_to_a_read_is_no_record_and_no_nobody(tmp_path: Path) -> None:
    # A baseUrl without the API's path, where a web application answers every path with its
    # page: a get read it as nobody (a 404), a lookup as no match (Entra would create again).
    app = ScriptedApp().on("GET", "/accounts/1001", WEB_PAGE)
    app.on("GET", "/accounts/by-username/ada", WEB_PAGE).on("GET", "/accounts", WEB_PAGE)
    target = rest_target(tmp_path, app, lookup_path)
    reads = {
        "GET /accounts/{id}": target.get("1001"),
        "GET /accounts/by-username/{value}": found(target, Condition("login", "eq", "ada")),
        "GET /accounts": found(target, Everyone()),
    }
    for call, read in reads.items():
        with pytest.raises(UnavailableError) as caught:
            await read
        assert f"Ledgerline HR answered {call} {NOT_JSON}" in caught.value.reason
        assert caught.value.retry_after == 300
    assert len(app.calls) == 3


async def test_an_empty_answer_to_a_get_is_still_nobody(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts/1001", reply(200))
    assert await rest_target(tmp_path, app).get("1001") is None
