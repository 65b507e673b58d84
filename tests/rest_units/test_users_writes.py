"""RestUsers' writes against a scripted application, for what end-to-end tests cannot easily
force: lost answers, answers without a record, each update style, state as a field or as
actions, and deletes that must stay safe to repeat."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connector.targets.errors import (
    LoginConflictError,
    RejectedError,
    UnavailableError,
    UserNotFoundError,
)
from connector.targets.model import TargetUser
from connector.targets.rest import RestUsers
from connector.transport.budget import request_budget

from .helpers import (
    ScriptedApp,
    account,
    ledgerline_error,
    listing,
    lost,
    reply,
    rest_target,
)

PROFILE = {
    "login": "ada@example.com",
    "firstName": "Ada",
    "lastName": "Lovelace",
    "email": "ada@example.com",
    "employeeNumber": "42",
    "department": "Maths",
}
FIND_ADA = {"username": "ada@example.com", "per_page": "100", "page": "1"}


@pytest.fixture(autouse=True)
def budget() -> Any:
    with request_budget(10.0):
        yield


# -- create -----------------------------------------------------------------------------------


async def test_create_sends_the_record_in_its_envelope(tmp_path: Path) -> None:
    app = ScriptedApp().on("POST", "/accounts", reply(201, {"data": account(1001)}))
    user = await rest_target(tmp_path, app).create(PROFILE, active=True)
    assert (user.id, user.active, user.profile["login"]) == ("1001", True, "ada@example.com")
    assert app.requests() == [("POST", "/accounts")]
    assert app.calls[0].headers["content-type"] == "application/json"
    assert app.calls[0].json == {
        "data": {
            "username": "ada@example.com",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "employee_number": 42,
            "org": {"department": "Maths"},
        }
    }


async def test_a_create_whose_answer_is_lost_is_found_by_its_anchor(tmp_path: Path) -> None:
    app = ScriptedApp().on("POST", "/accounts", lost).on("GET", "/accounts", listing(account(1001)))
    user = await rest_target(tmp_path, app).create(PROFILE, active=True)
    assert user.id == "1001"
    assert app.requests() == [("POST", "/accounts"), ("GET", "/accounts")]  # one POST only
    assert app.calls[1].params == FIND_ADA


async def test_a_user_found_after_a_lost_answer_with_other_values_is_someone_else(
    tmp_path: Path,
) -> None:
    someone = account(1001, first_name="Adeline")
    app = ScriptedApp().on("POST", "/accounts", lost).on("GET", "/accounts", listing(someone))
    with pytest.raises(LoginConflictError, match=re.escape("'ada@example.com' is already taken")):
        await rest_target(tmp_path, app).create(PROFILE, active=True)
    assert [m for m, _ in app.requests()] == ["POST", "GET"]


async def test_a_lost_create_that_did_not_land_is_sent_again(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.on("POST", "/accounts", lost, reply(201, {"data": account(1001)}))
    app.on("GET", "/accounts", listing())
    user = await rest_target(tmp_path, app).create(PROFILE, active=True)
    assert user.id == "1001"
    assert app.requests() == [("POST", "/accounts"), ("GET", "/accounts"), ("POST", "/accounts")]


async def test_a_conflict_after_a_lost_create_is_the_users_own_create(tmp_path: Path) -> None:
    # The first create landed but the listing did not show it yet; the second is a conflict.
    app = ScriptedApp()
    app.on(
        "POST",
        "/accounts",
        lost,
        ledgerline_error(409, "conflict", "username 'ada@example.com' is already taken"),
    )
    app.on("GET", "/accounts", listing(), listing(account(1001)))
    user = await rest_target(tmp_path, app).create(PROFILE, active=True)
    assert user.id == "1001"
    assert [m for m, _ in app.requests()] == ["POST", "GET", "POST", "GET"]


async def test_a_conflict_is_a_login_conflict_with_the_applications_words(tmp_path: Path) -> None:
    app = ScriptedApp().on(
        "POST",
        "/accounts",
        ledgerline_error(409, "conflict", "username 'ada@example.com' is already taken"),
    )
    with pytest.raises(
        LoginConflictError, match=re.escape("username 'ada@example.com' is already taken")
    ):
        await rest_target(tmp_path, app).create(PROFILE, active=True)
    assert len(app.calls) == 1


@pytest.mark.parametrize("answer", [reply(204), reply(201), reply(201, {"data": None})])
async def test_a_create_answered_without_a_record_is_read_back_by_anchor(
    tmp_path: Path, answer: Any
) -> None:
    app = ScriptedApp().on("POST", "/accounts", answer).on("GET", "/accounts", listing(account(7)))
    user = await rest_target(tmp_path, app).create(PROFILE, active=True)
    assert user.id == "7"
    assert app.requests() == [("POST", "/accounts"), ("GET", "/accounts")]


@pytest.mark.parametrize("active", [True, False])
async def test_a_create_answered_with_only_the_id_is_read_back_by_that_id(
    tmp_path: Path, active: bool
) -> None:
    # Read as the user, `{"id": 1001}` had no login (a SCIM user without userName) and no
    # status, read as disabled: a user created inactive was then never disabled.
    app = ScriptedApp().on("POST", "/accounts", reply(201, {"data": {"id": 1001}}))
    app.on("GET", "/accounts/1001", reply(200, {"data": account(1001)}))
    app.on("POST", "/accounts/1001/disable", reply(200, {"data": account(1001, status="disabled")}))
    user = await rest_target(tmp_path, app).create(PROFILE, active=active)
    assert (user.id, user.profile["login"], user.active) == ("1001", "ada@example.com", active)
    disabled = [] if active else [("POST", "/accounts/1001/disable")]
    assert app.requests() == [("POST", "/accounts"), ("GET", "/accounts/1001"), *disabled]


@pytest.mark.parametrize(
    "location",
    [
        "/api/v2/accounts/1001",
        "https://ledgerline.corp.example/api/v2/accounts/1001",
        "http://10.0.0.7:8080/api/v2/accounts/1001?view=full",  # its own name for itself
        "accounts/1001",  # relative to the create's URL, /api/v2/accounts
    ],
)
async def test_a_bare_201_is_read_back_by_the_id_its_location_names(
    tmp_path: Path, location: str
) -> None:
    # Read back by anchor, the new user was searched for, which an application whose search
    # lags answers with nobody: a 503 for a user just created.
    answer = reply(201, headers={"Location": location})
    app = ScriptedApp().on("POST", "/accounts", answer)
    app.on("GET", "/accounts/1001", reply(200, {"data": account(1001)}))
    user = await rest_target(tmp_path, app).create(PROFILE, active=True)
    assert (user.id, user.profile["login"]) == ("1001", "ada@example.com")
    assert app.requests() == [("POST", "/accounts"), ("GET", "/accounts/1001")]


@pytest.mark.parametrize(
    ("status", "location"),
    [
        (201, "/api/v2/jobs/77"),  # not where users.get reads a user
        (201, "/api/v2/accounts/1001/profile"),
        (201, "/other/accounts/1001"),  # outside the base URL
        (202, "/api/v2/accounts/1001"),  # 202's Location is the job's, not the record's
    ],
)
async def test_a_location_that_is_not_a_user_s_address_is_not_read(
    tmp_path: Path, status: int, location: str
) -> None:
    app = ScriptedApp().on("POST", "/accounts", reply(status, headers={"Location": location}))
    app.on("GET", "/accounts", listing(account(1001)))
    user = await rest_target(tmp_path, app).create(PROFILE, active=True)
    assert user.id == "1001"
    assert app.requests() == [("POST", "/accounts"), ("GET", "/accounts")]


async def test_a_location_naming_another_record_falls_back_to_the_anchor(tmp_path: Path) -> None:
    # users.get checks the record it reads has the id asked for; an application that answers
    # /accounts/1001 with another record's id is not taken at its word.
    app = ScriptedApp().on(
        "POST", "/accounts", reply(201, headers={"Location": "/api/v2/accounts/1001"})
    )
    app.on("GET", "/accounts/1001", reply(200, {"data": account(5)}))
    app.on("GET", "/accounts", listing(account(1001)))
    user = await rest_target(tmp_path, app).create(PROFILE, active=True)
    assert user.id == "1001"
    assert app.requests() == [
        ("POST", "/accounts"),
        ("GET", "/accounts/1001"),
        ("GET", "/accounts"),
    ]


async def test_a_created_user_that_cannot_be_found_yet_is_unavailable(tmp_path: Path) -> None:
    app = ScriptedApp().on("POST", "/accounts", reply(204)).on("GET", "/accounts", listing())
    with pytest.raises(UnavailableError, match="accepted the new user but it cannot be found"):
        await rest_target(tmp_path, app).create(PROFILE, active=True)
    assert [m for m, _ in app.requests()] == ["POST", "GET"]


async def test_an_inactive_user_is_created_then_disabled(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.on("POST", "/accounts", reply(201, {"data": account(1001)}))
    app.on("POST", "/accounts/1001/disable", reply(200, {"data": account(1001, status="disabled")}))
    user = await rest_target(tmp_path, app).create(PROFILE, active=False)
    assert user.active is False
    assert user.state == "disabled"
    assert app.requests() == [("POST", "/accounts"), ("POST", "/accounts/1001/disable")]


def written_state(data: dict[str, Any]) -> None:
    """State as a field of the record (no enable/disable actions)."""
    state = data["users"]["state"]
    del state["enable"], state["disable"]


@pytest.mark.parametrize(("active", "status"), [(True, "enabled"), (False, "disabled")])
async def test_a_written_state_is_part_of_the_created_record(
    tmp_path: Path, active: bool, status: str
) -> None:
    app = ScriptedApp().on("POST", "/accounts", reply(201, {"data": account(1, status=status)}))
    user = await rest_target(tmp_path, app, written_state).create(PROFILE, active=active)
    assert user.active is active
    assert app.calls[0].json["data"]["status"] == status
    assert len(app.calls) == 1


async def test_a_default_is_written_when_create_gives_no_value(tmp_path: Path) -> None:
    def defaults(data: dict[str, Any]) -> None:
        data["users"]["attributes"]["userType"] = {"pointer": "/user_type", "default": "Employee"}
        data["users"]["create"]["set"] = {"/source": "entra"}

    app = ScriptedApp().on("POST", "/accounts", reply(201, {"data": account(1)}))
    await rest_target(tmp_path, app, defaults).create(PROFILE, active=True)
    assert app.calls[0].json["data"]["user_type"] == "Employee"
    assert app.calls[0].json["data"]["source"] == "entra"


async def test_a_value_the_application_cannot_take_is_refused_before_any_call(
    tmp_path: Path,
) -> None:
    app = ScriptedApp()
    with pytest.raises(RejectedError, match="employeeNumber must be a whole number, got 'x42'"):
        await rest_target(tmp_path, app).create({**PROFILE, "employeeNumber": "x42"}, active=True)
    assert app.calls == []


async def test_a_refused_create_carries_the_applications_message(tmp_path: Path) -> None:
    fields = [{"field": "email", "message": "must be an email address"}]
    app = ScriptedApp().on(
        "POST",
        "/accounts",
        ledgerline_error(422, "validation_failed", "1 field is invalid", fields=fields),
    )
    with pytest.raises(RejectedError) as caught:
        await rest_target(tmp_path, app).create(PROFILE, active=True)
    assert caught.value.detail == (
        "Ledgerline HR rejected the request: 1 field is invalid; email: must be an email address"
    )


# -- update -----------------------------------------------------------------------------------


async def test_merge_patch_sends_the_changes_with_its_media_type(tmp_path: Path) -> None:
    app = ScriptedApp().on("PATCH", "/accounts/1001", reply(200, {"data": account(1001)}))
    changes = {"title": "Countess", "department": "Logic", "nickName": None, "employeeNumber": "7"}
    user = await rest_target(tmp_path, app).update("1001", changes)
    assert user.id == "1001"
    call = app.calls[0]
    assert call.headers["content-type"] == "application/merge-patch+json"
    assert call.json == {
        "title": "Countess",
        "org": {"department": "Logic"},
        "nickname": None,  # null clears
        "employee_number": 7,
    }


async def test_a_body_with_its_own_media_type_is_written_as_a_plain_json_body_is(
    tmp_path: Path,
) -> None:
    # By json_codec.dumps, as `json=` bodies are: compact, UTF-8 as itself, not json.dumps'
    # spaced text.
    app = ScriptedApp().on("PATCH", "/accounts/1001", reply(200, {"data": account(1001)}))
    await rest_target(tmp_path, app).update("1001", {"title": "Gräfin", "nickName": None})
    assert app.calls[0].headers["content-type"] == "application/merge-patch+json"
    assert app.calls[0].content == '{"title":"Gräfin","nickname":null}'.encode()


def style(name: str, **extra: Any) -> Any:
    def edit(data: dict[str, Any]) -> None:
        data["users"]["update"] = {"path": "/accounts/{id}", "style": name, **extra}

    return edit


async def test_partial_sends_the_changes_as_plain_json(tmp_path: Path) -> None:
    app = ScriptedApp().on("POST", "/accounts/1001", reply(200, account(1001)))
    target = rest_target(tmp_path, app, style("partial", method="POST"))
    await target.update("1001", {"title": "Countess", "nickName": None})
    assert app.calls[0].headers["content-type"] == "application/json"
    assert app.calls[0].json == {"title": "Countess", "nickname": None}


async def test_json_patch_sends_operations(tmp_path: Path) -> None:
    app = ScriptedApp().on("PATCH", "/accounts/1001", reply(200, account(1001)))
    target = rest_target(tmp_path, app, style("json-patch"))
    await target.update("1001", {"title": "Countess", "nickName": None, "department": "Logic"})
    assert app.calls[0].headers["content-type"] == "application/json-patch+json"
    assert app.calls[0].json == [
        {"op": "add", "path": "/title", "value": "Countess"},
        {"op": "remove", "path": "/nickname"},
        {"op": "add", "path": "/org/department", "value": "Logic"},
    ]


def replace_style(data: dict[str, Any]) -> None:
    style("replace", method="PUT", result="/data", omit=["/id", "/created_at", "/updated_at"])(data)


async def test_replace_reads_the_record_and_puts_it_back_whole(tmp_path: Path) -> None:
    stored = account(1001, title="Analyst", nickname="Ada", extra={"kept": True})
    app = ScriptedApp()
    app.on("GET", "/accounts/1001", reply(200, {"data": stored}))
    app.on("PUT", "/accounts/1001", reply(200, {"data": account(1001, title="Countess")}))
    target = rest_target(tmp_path, app, replace_style)
    assert target.capabilities.partial_update is False
    user = await target.update("1001", {"title": "Countess", "nickName": None})
    assert user.profile["title"] == "Countess"
    assert app.requests() == [("GET", "/accounts/1001"), ("PUT", "/accounts/1001")]
    sent = app.calls[1].json
    expected = {k: v for k, v in stored.items() if k not in {"id", "created_at", "updated_at"}}
    assert sent == {**expected, "title": "Countess", "nickname": None}
    assert app.calls[1].headers["content-type"] == "application/json"


async def test_replace_reuses_the_record_the_caller_has(tmp_path: Path) -> None:
    stored = account(1001, title="Analyst")
    app = ScriptedApp().on("PUT", "/accounts/1001", reply(200, {"data": stored}))
    target = rest_target(tmp_path, app, replace_style)
    current = target.to_user(stored, "test")
    await target.update("1001", {"title": "Countess"}, current)
    assert app.requests() == [("PUT", "/accounts/1001")]
    assert app.calls[0].json["title"] == "Countess"
    assert "id" not in app.calls[0].json
    assert stored["title"] == "Analyst"  # the caller's record is not changed


async def test_replace_of_a_user_that_is_gone(tmp_path: Path) -> None:
    app = ScriptedApp().on("GET", "/accounts/9", ledgerline_error(404, "not_found", "no account"))
    with pytest.raises(UserNotFoundError):
        await rest_target(tmp_path, app, replace_style).update("9", {"title": "x"})
    assert app.requests() == [("GET", "/accounts/9")]


async def test_an_update_answered_without_a_record_is_read_back(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.on("PATCH", "/accounts/1001", reply(204))
    app.on("GET", "/accounts/1001", reply(200, {"data": account(1001, title="Countess")}))
    user = await rest_target(tmp_path, app).update("1001", {"title": "Countess"})
    assert user.profile["title"] == "Countess"
    assert app.requests() == [("PATCH", "/accounts/1001"), ("GET", "/accounts/1001")]


async def test_an_update_answered_with_the_changed_fields_only_is_read_back(
    tmp_path: Path,
) -> None:
    app = ScriptedApp()
    app.on("PATCH", "/accounts/1001", reply(200, {"data": {"id": 1001, "title": "Countess"}}))
    app.on("GET", "/accounts/1001", reply(200, {"data": account(1001, title="Countess")}))
    user = await rest_target(tmp_path, app).update("1001", {"title": "Countess"})
    assert (user.profile["login"], user.profile["title"], user.active) == (
        "ada@example.com",
        "Countess",
        True,
    )
    assert app.requests() == [("PATCH", "/accounts/1001"), ("GET", "/accounts/1001")]


async def test_an_update_answered_with_the_anchor_but_no_state_is_read_back(
    tmp_path: Path,
) -> None:
    # The changed fields may hold the anchor (a rename): without the state, read as the user,
    # it would read as disabled, and a later disable would be skipped.
    app = ScriptedApp()
    renamed = {"id": 1001, "username": "ada.l@example.com"}
    app.on("PATCH", "/accounts/1001", reply(200, {"data": renamed}))
    app.on("GET", "/accounts/1001", reply(200, {"data": account(1001, **renamed)}))
    user = await rest_target(tmp_path, app).update("1001", {"login": "ada.l@example.com"})
    assert (user.profile["login"], user.active) == ("ada.l@example.com", True)
    assert app.requests() == [("PATCH", "/accounts/1001"), ("GET", "/accounts/1001")]


@pytest.mark.parametrize(
    ("answer", "failure"),
    [
        (ledgerline_error(404, "not_found", "no account with id 1001"), UserNotFoundError),
        (ledgerline_error(409, "conflict", "username 'x' is already taken"), LoginConflictError),
        (ledgerline_error(422, "validation_failed", "bad"), RejectedError),
        (ledgerline_error(400, "bad_request", "bad"), RejectedError),
    ],
)
async def test_update_failures(tmp_path: Path, answer: Any, failure: type[Exception]) -> None:
    app = ScriptedApp().on("PATCH", "/accounts/1001", answer)
    with pytest.raises(failure):
        await rest_target(tmp_path, app).update("1001", {"login": "x"})
    assert len(app.calls) == 1


async def test_a_403_is_missing_rights_unless_a_rule_explains_it(tmp_path: Path) -> None:
    forbidden = ledgerline_error(403, "forbidden", "protected account")
    app = ScriptedApp().on("PATCH", "/accounts/1001", forbidden)
    with pytest.raises(UnavailableError, match="grant the account the connector signs in with"):
        await rest_target(tmp_path, app).update("1001", {"title": "x"})

    def explained(data: dict[str, Any]) -> None:
        data["errors"].append({"status": 403, "match": "protected", "means": "rejected"})

    app = ScriptedApp().on("PATCH", "/accounts/1001", forbidden)
    with pytest.raises(RejectedError, match="protected account"):
        await rest_target(tmp_path, app, explained).update("1001", {"title": "x"})


# -- enable / disable -------------------------------------------------------------------------


def ada(target: RestUsers, **fields: Any) -> TargetUser:
    return target.to_user(account(1001, **fields), "test")


async def test_state_by_actions(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.on("POST", "/accounts/1001/disable", reply(200, {"data": account(1001, status="disabled")}))
    app.on("POST", "/accounts/1001/enable", reply(200, {"data": account(1001)}))
    target = rest_target(tmp_path, app)
    disabled = await target.set_active(ada(target), False)
    assert (disabled.active, disabled.state) == (False, "disabled")
    enabled = await target.set_active(disabled, True)
    assert (enabled.active, enabled.state) == (True, "enabled")
    assert app.requests() == [("POST", "/accounts/1001/disable"), ("POST", "/accounts/1001/enable")]
    assert all(c.content == b"" for c in app.calls)


async def test_already_in_that_state_is_a_success(tmp_path: Path) -> None:
    app = ScriptedApp().on(
        "POST",
        "/accounts/1001/disable",
        ledgerline_error(409, "invalid_state", "account 1001 is already disabled"),
    )
    target = rest_target(tmp_path, app)
    user = await target.set_active(ada(target), False)
    assert user.active is False
    assert len(app.calls) == 1


# The connector's clock when an acknowledgement arrives (stamps.py), later than the record's.
ACKNOWLEDGED = datetime(2026, 3, 4, 5, 6, 7, 890_000, tzinfo=UTC)


async def test_an_action_answered_without_a_record(tmp_path: Path) -> None:
    app = ScriptedApp().on("POST", "/accounts/1001/disable", reply(204))
    target = rest_target(tmp_path, app)
    target.now = lambda: ACKNOWLEDGED
    user = await target.set_active(ada(target), False)
    assert (user.id, user.active, user.profile["login"]) == ("1001", False, "ada@example.com")
    # Not the stamp of the change before this one (updated_at as read), and no read back.
    assert user.last_modified == "2026-03-04T05:06:07.890Z"
    assert len(app.calls) == 1


@pytest.mark.parametrize("active", [True, False])
async def test_an_action_answered_with_only_the_id(tmp_path: Path, active: bool) -> None:
    action = "enable" if active else "disable"
    app = ScriptedApp().on("POST", f"/accounts/1001/{action}", reply(200, {"data": {"id": 1001}}))
    target = rest_target(tmp_path, app)
    target.now = lambda: ACKNOWLEDGED
    before = ada(target, status="disabled" if active else "enabled")
    user = await target.set_active(before, active)
    assert (user.id, user.active, user.profile["login"]) == ("1001", active, "ada@example.com")
    assert user.last_modified == "2026-03-04T05:06:07.890Z"
    assert len(app.calls) == 1


async def test_an_action_answered_with_the_record_keeps_the_applications_stamp(
    tmp_path: Path,
) -> None:
    done = account(1001, status="disabled", updated_at="2026-01-03T00:00:00Z")
    app = ScriptedApp().on("POST", "/accounts/1001/disable", reply(200, {"data": done}))
    target = rest_target(tmp_path, app)
    target.now = lambda: ACKNOWLEDGED
    user = await target.set_active(ada(target), False)
    assert (user.active, user.last_modified) == (False, "2026-01-03T00:00:00Z")


async def test_the_same_state_is_no_call(tmp_path: Path) -> None:
    app = ScriptedApp()
    target = rest_target(tmp_path, app)
    user = ada(target)
    assert await target.set_active(user, True) is user
    assert app.calls == []


async def test_an_action_on_a_user_that_is_gone(tmp_path: Path) -> None:
    app = ScriptedApp().on(
        "POST", "/accounts/1001/disable", ledgerline_error(404, "not_found", "no")
    )
    target = rest_target(tmp_path, app)
    with pytest.raises(UserNotFoundError):
        await target.set_active(ada(target), False)


async def test_state_as_a_written_field(tmp_path: Path) -> None:
    app = ScriptedApp().on(
        "PATCH", "/accounts/1001", reply(200, {"data": account(1001, status="disabled")})
    )
    target = rest_target(tmp_path, app, written_state)
    user = await target.set_active(ada(target), False)
    assert user.active is False
    assert app.calls[0].json == {"status": "disabled"}
    assert app.calls[0].headers["content-type"] == "application/merge-patch+json"


async def test_state_values_may_be_several_and_of_any_type(tmp_path: Path) -> None:
    def boolean_state(data: dict[str, Any]) -> None:
        data["users"]["state"] = {"pointer": "/locked", "enabled": [False, 0], "disabled": True}

    app = ScriptedApp().on(
        "PATCH", "/accounts/1001", reply(200, {"data": account(1001, locked=True)})
    )
    target = rest_target(tmp_path, app, boolean_state)
    assert target.to_user(account(1, locked=False), "t").active is True
    assert target.to_user(account(1, locked=0), "t").active is True  # the second enabled value
    assert target.to_user(account(1), "t").active is False  # no value is not an enabled value
    assert target.to_user(account(1, locked=True), "t").active is False
    assert target.to_user(account(1, locked=True), "t").state == "true"
    user = await target.set_active(target.to_user(account(1001, locked=False), "t"), False)
    assert user.active is False
    assert app.calls[0].json == {"locked": True}


async def test_without_a_state_users_cannot_be_disabled(tmp_path: Path) -> None:
    def stateless(data: dict[str, Any]) -> None:
        del data["users"]["state"]
        data["users"]["delete"]["disableFirst"] = False
        data["users"]["find"] = [f for f in data["users"]["find"] if f["attribute"] != "active"]

    app = ScriptedApp()
    target = rest_target(tmp_path, app, stateless)
    user = ada(target)
    assert user.active is True
    with pytest.raises(RejectedError, match="users can only be deleted"):
        await target.set_active(user, False)
    assert app.calls == []


# -- delete -----------------------------------------------------------------------------------


async def test_delete_with_disable_first_is_two_calls(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.on("POST", "/accounts/1001/disable", reply(200, {"data": account(1001, status="disabled")}))
    app.on("DELETE", "/accounts/1001", reply(204))
    await rest_target(tmp_path, app).delete("1001")
    assert app.requests() == [("POST", "/accounts/1001/disable"), ("DELETE", "/accounts/1001")]


async def test_delete_of_a_disabled_user_with_disable_first(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.on(
        "POST",
        "/accounts/1001/disable",
        ledgerline_error(409, "invalid_state", "account 1001 is already disabled"),
    )
    app.on("DELETE", "/accounts/1001", reply(204))
    await rest_target(tmp_path, app).delete("1001")
    assert [m for m, _ in app.requests()] == ["POST", "DELETE"]


async def test_delete_of_nobody_is_user_not_found(tmp_path: Path) -> None:
    app = ScriptedApp().on(
        "POST", "/accounts/1001/disable", ledgerline_error(404, "not_found", "no account")
    )
    with pytest.raises(UserNotFoundError):
        await rest_target(tmp_path, app).delete("1001")
    assert app.requests() == [("POST", "/accounts/1001/disable")]


def no_disable_first(data: dict[str, Any]) -> None:
    data["users"]["delete"]["disableFirst"] = False


async def test_delete_404_on_the_first_try_is_user_not_found(tmp_path: Path) -> None:
    app = ScriptedApp().on("DELETE", "/accounts/1001", ledgerline_error(404, "not_found", "no"))
    with pytest.raises(UserNotFoundError):
        await rest_target(tmp_path, app, no_disable_first).delete("1001")
    assert app.requests() == [("DELETE", "/accounts/1001")]


@pytest.mark.parametrize("first", [lost, reply(503)])
async def test_a_delete_whose_answer_is_lost_then_404_is_done(tmp_path: Path, first: Any) -> None:
    app = ScriptedApp().on(
        "DELETE", "/accounts/1001", first, ledgerline_error(404, "not_found", "no account")
    )
    await rest_target(tmp_path, app, no_disable_first).delete("1001")
    assert app.requests() == [("DELETE", "/accounts/1001")] * 2


async def test_delete_with_disable_first_then_404_is_done(tmp_path: Path) -> None:
    # The disable proved the user existed: a 404 now means someone else deleted it.
    app = ScriptedApp()
    app.on("POST", "/accounts/1001/disable", reply(200, {"data": account(1001, status="disabled")}))
    app.on("DELETE", "/accounts/1001", ledgerline_error(404, "not_found", "no account"))
    await rest_target(tmp_path, app).delete("1001")


async def test_delete_already_done_is_a_success(tmp_path: Path) -> None:
    def gone_rule(data: dict[str, Any]) -> None:
        data["errors"].insert(
            0, {"status": 400, "match": "already deleted", "means": "already-done"}
        )
        no_disable_first(data)

    app = ScriptedApp().on("DELETE", "/accounts/1001", reply(400, text="already deleted"))
    await rest_target(tmp_path, app, gone_rule).delete("1001")
    assert len(app.calls) == 1


async def test_delete_with_a_written_disable(tmp_path: Path) -> None:
    app = ScriptedApp()
    app.on("PATCH", "/accounts/1001", reply(200, {"data": account(1001, status="disabled")}))
    app.on("DELETE", "/accounts/1001", reply(204))
    await rest_target(tmp_path, app, written_state).delete("1001")
    assert app.requests() == [("PATCH", "/accounts/1001"), ("DELETE", "/accounts/1001")]
    assert app.calls[0].json == {"status": "disabled"}


async def test_a_delete_refused_for_another_reason(tmp_path: Path) -> None:
    app = ScriptedApp().on(
        "DELETE",
        "/accounts/1001",
        ledgerline_error(409, "invalid_state", "disable account 1001 before deleting it"),
    )
    with pytest.raises(RejectedError, match="disable account 1001 before deleting it"):
        await rest_target(tmp_path, app, no_disable_first).delete("1001")
