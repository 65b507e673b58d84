"""Accounts: create, read, validation, uniqueness, enable/disable and delete."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from legacyapp_harness import (
    JSON_UTF8,
    NO_FAULTS,
    START_TEXT,
    Ledger,
    code_of,
    error_of,
    fields_of,
    shared_sandbox,
)

# The spec's account example; its timestamps are the fake clock's START.
EXAMPLE: dict[str, Any] = {
    "id": 1001,
    "username": "alice@example.com",
    "first_name": "Alice",
    "last_name": "Liddell",
    "display_name": "Alice L",
    "nickname": None,
    "email": "alice@example.com",
    "secondary_email": None,
    "title": "Engineer",
    "user_type": None,
    "language": "en-US",
    "profile_url": None,
    "employee_number": 10,
    "org": {"organization": None, "division": None, "department": "R&D", "cost_center": None},
    "phones": {"mobile": "+1 555 0100", "work": None},
    "address": {"street": None, "city": None, "state": None, "postal_code": None, "country": None},
    "manager_id": None,
    "external_ref": "alice",
    "status": "enabled",
    "created_at": START_TEXT,
    "updated_at": START_TEXT,
}
WRITABLE = {
    key: value
    for key, value in EXAMPLE.items()
    if key not in ("id", "status", "created_at", "updated_at")
}
MINIMAL = {
    "username": "bob@example.com",
    "first_name": "Bob",
    "last_name": "Builder",
    "email": "bob@example.com",
}


server, ledger = shared_sandbox()


def _create(ledger: Ledger, fields: Any) -> httpx.Response:
    return ledger.client.post("/api/v2/accounts", json={"data": fields})


# -- create and read -----------------------------------------------------------------------


def test_create_answers_201_with_the_spec_example(ledger: Ledger) -> None:
    response = _create(ledger, WRITABLE)
    assert response.status_code == 201
    assert response.headers["Content-Type"] == JSON_UTF8
    assert response.json() == {"data": EXAMPLE}
    assert list(response.json()["data"]) == list(EXAMPLE)  # the documented key order
    assert response.headers["Location"] == f"{ledger.url}/api/v2/accounts/1001"
    assert ledger.sandbox.accounts() == [EXAMPLE]


def test_minimal_create_shows_every_key_with_nulls(ledger: Ledger) -> None:
    account = _create(ledger, MINIMAL).json()["data"]
    assert set(account) == set(EXAMPLE)
    assert account["org"] == dict.fromkeys(EXAMPLE["org"])
    assert account["phones"] == {"mobile": None, "work": None}
    assert account["address"] == dict.fromkeys(EXAMPLE["address"])
    assert (account["status"], account["employee_number"], account["title"]) == (
        "enabled",
        None,
        None,
    )


def test_partial_nested_objects_on_create(ledger: Ledger) -> None:
    account = _create(ledger, {**MINIMAL, "address": {"city": "Leeds"}, "org": None}).json()
    assert account["data"]["address"] == {**dict.fromkeys(EXAMPLE["address"]), "city": "Leeds"}
    assert account["data"]["org"] == dict.fromkeys(EXAMPLE["org"])


def test_get_returns_the_account_in_an_envelope(ledger: Ledger) -> None:
    created = _create(ledger, WRITABLE).json()["data"]
    response = ledger.client.get("/api/v2/accounts/1001")
    assert (response.status_code, response.json()) == (200, {"data": created})


@pytest.mark.parametrize("raw_id", ["1234", "abc", "1001x", "-1", "1e3", "9" * 30])
def test_get_unknown_or_non_numeric_is_404(ledger: Ledger, raw_id: str) -> None:
    ledger.create_account()
    response = ledger.client.get(f"/api/v2/accounts/{raw_id}")
    assert code_of(response) == (404, "not_found")
    assert error_of(response)["message"] == f"no account with id {raw_id}"


def test_path_ids_are_decimal_digits(ledger: Ledger) -> None:
    created = ledger.create_account()
    assert ledger.client.get("/api/v2/accounts/01001").json() == {"data": created}


def test_ids_increase_from_1001_and_are_never_reused(ledger: Ledger) -> None:
    first = ledger.create_account()
    second = ledger.create_account()
    assert (first["id"], second["id"]) == (1001, 1002)
    ledger.client.post("/api/v2/accounts/1002/disable")
    assert ledger.client.delete("/api/v2/accounts/1002").status_code == 204
    assert ledger.create_account()["id"] == 1003


# -- validation ------------------------------------------------------------------------------


def test_missing_required_fields_are_all_listed(ledger: Ledger) -> None:
    response = _create(ledger, {})
    assert fields_of(response) == [
        ("username", "is required"),
        ("first_name", "is required"),
        ("last_name", "is required"),
        ("email", "is required"),
    ]
    assert error_of(response)["message"] == "4 fields are invalid"
    assert ledger.sandbox.accounts() == []


def test_null_required_field_is_required(ledger: Ledger) -> None:
    assert fields_of(_create(ledger, {**MINIMAL, "first_name": None})) == [
        ("first_name", "is required")
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "", "must be between 1 and 100 characters"),
        ("username", "u" * 101, "must be between 1 and 100 characters"),
        ("username", " bob", "must not start or end with whitespace"),
        ("username", "bob\t", "must not start or end with whitespace"),
        ("username", 7, "must be a string"),
        ("first_name", "", "must be between 1 and 50 characters"),
        ("first_name", "f" * 51, "must be between 1 and 50 characters"),
        ("last_name", "l" * 51, "must be between 1 and 50 characters"),
        ("last_name", ["Builder"], "must be a string"),
        ("email", "bob", "must be an email address"),
        ("email", "bob@", "must be an email address"),
        ("email", "@example.com", "must be an email address"),
        ("email", "bob@ex@ample.com", "must be an email address"),
        ("email", "bob smith@example.com", "must be an email address"),
        ("email", "e" * 250 + "@x.com", "must be between 1 and 255 characters"),
        ("secondary_email", "not-an-address", "must be an email address"),
        ("title", "t" * 256, "must be at most 255 characters"),
        ("display_name", True, "must be a string"),
        ("manager_id", 1001, "must be a string"),
        ("employee_number", -1, "must be between 0 and 2147483647"),
        ("employee_number", 2**31, "must be between 0 and 2147483647"),
        ("employee_number", 1.5, "must be an integer"),
        ("employee_number", 10.0, "must be an integer"),
        ("employee_number", "10", "must be an integer"),
        ("employee_number", True, "must be an integer"),
        ("org", "R&D", "must be an object"),
        ("phones", ["+1 555 0100"], "must be an object"),
    ],
)
def test_field_rules(ledger: Ledger, field: str, value: Any, message: str) -> None:
    response = _create(ledger, {**MINIMAL, field: value})
    assert fields_of(response) == [(field, message)]
    assert ledger.sandbox.accounts() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "u" * 100),
        ("first_name", "f" * 50),
        ("email", "a@b"),
        ("title", "t" * 255),
        ("title", ""),
        ("employee_number", 0),
        ("employee_number", 2**31 - 1),
        ("employee_number", None),
        ("nickname", None),
    ],
)
def test_boundary_values_are_accepted(ledger: Ledger, field: str, value: Any) -> None:
    response = _create(ledger, {**MINIMAL, field: value})
    assert response.status_code == 201, response.text
    assert response.json()["data"][field] == value


def test_nested_fields_are_named_with_dots(ledger: Ledger) -> None:
    response = _create(
        ledger,
        {
            **MINIMAL,
            "org": {"department": "R&D", "floor": 3},
            "phones": {"mobile": 5550100},
            "address": {"city": "c" * 256},
        },
    )
    assert fields_of(response) == [
        ("org.floor", "unknown field"),
        ("phones.mobile", "must be a string"),
        ("address.city", "must be at most 255 characters"),
    ]


@pytest.mark.parametrize("field", ["id", "status", "created_at", "updated_at"])
def test_read_only_fields_are_refused_on_create(ledger: Ledger, field: str) -> None:
    value = {"id": 1001, "status": "enabled"}.get(field, START_TEXT)
    problems = fields_of(_create(ledger, {**MINIMAL, field: value}))
    assert len(problems) == 1
    assert problems[0][0] == field
    assert "read-only" in problems[0][1]
    if field == "status":
        assert problems[0][1] == "read-only field; use the enable/disable actions"


def test_unknown_fields_are_refused(ledger: Ledger) -> None:
    assert fields_of(_create(ledger, {**MINIMAL, "firstName": "Bob", "groups": []})) == [
        ("firstName", "unknown field"),
        ("groups", "unknown field"),
    ]


def test_every_problem_is_listed_in_order_sent_then_missing(ledger: Ledger) -> None:
    body = {"nickname": 3, "status": "disabled", "username": " x", "shoe_size": 9}
    assert fields_of(_create(ledger, body)) == [
        ("nickname", "must be a string"),
        ("status", "read-only field; use the enable/disable actions"),
        ("username", "must not start or end with whitespace"),
        ("shoe_size", "unknown field"),
        ("first_name", "is required"),
        ("last_name", "is required"),
        ("email", "is required"),
    ]


# -- envelope and content type ---------------------------------------------------------------


def test_create_without_envelope_is_400(ledger: Ledger) -> None:
    response = ledger.client.post("/api/v2/accounts", json=MINIMAL)
    assert code_of(response) == (400, "bad_request")
    assert "envelope" in error_of(response)["message"]
    assert ledger.sandbox.accounts() == []


@pytest.mark.parametrize(
    "body",
    [{"data": MINIMAL, "meta": {}}, {"data": [MINIMAL]}, {"data": None}, {"data": "x"}],
)
def test_malformed_envelopes_are_400(ledger: Ledger, body: Any) -> None:
    assert code_of(ledger.client.post("/api/v2/accounts", json=body)) == (400, "bad_request")
    assert ledger.sandbox.accounts() == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/merge-patch+json", None])
def test_create_needs_application_json(ledger: Ledger, content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = ledger.client.post("/api/v2/accounts", content=b'{"data": {}}', headers=headers)
    assert code_of(response) == (415, "unsupported_media_type")
    assert error_of(response)["message"] == "Content-Type must be application/json"


def test_json_with_charset_parameter_is_accepted(ledger: Ledger) -> None:
    response = ledger.client.post(
        "/api/v2/accounts",
        content=httpx.Request("POST", "/", json={"data": MINIMAL}).content,
        headers={"Content-Type": "Application/JSON; charset=utf-8"},
    )
    assert response.status_code == 201


# -- uniqueness ------------------------------------------------------------------------------


def test_duplicate_username_is_409_case_insensitively(ledger: Ledger) -> None:
    ledger.create_account("alice@example.com")
    response = _create(ledger, {**MINIMAL, "username": "ALICE@Example.com"})
    assert code_of(response) == (409, "conflict")
    assert error_of(response)["message"] == "username 'ALICE@Example.com' is already taken"
    assert [account["username"] for account in ledger.sandbox.accounts()] == ["alice@example.com"]


def test_uniqueness_uses_case_folding(ledger: Ledger) -> None:
    ledger.create_account("strauß@example.com")
    response = _create(ledger, {**MINIMAL, "username": "STRAUSS@example.com"})
    assert code_of(response) == (409, "conflict")
    listed = ledger.client.get("/api/v2/accounts", params={"username": "Strauss@Example.com"})
    assert [item["username"] for item in listed.json()["data"]] == ["strauß@example.com"]


def test_validation_comes_before_uniqueness(ledger: Ledger) -> None:
    ledger.create_account("alice@example.com")
    response = _create(ledger, {"username": "alice@example.com"})
    assert response.status_code == 422


def test_username_of_a_deleted_account_is_free_again(ledger: Ledger) -> None:
    ledger.create_account("alice@example.com")
    ledger.client.post("/api/v2/accounts/1001/disable")
    ledger.client.delete("/api/v2/accounts/1001")
    assert ledger.create_account("Alice@example.com")["id"] == 1002


def test_duplicate_emails_are_allowed(ledger: Ledger) -> None:
    ledger.create_account("alice@example.com")
    assert _create(ledger, {**MINIMAL, "email": "alice@example.com"}).status_code == 201


# -- enable, disable, delete -----------------------------------------------------------------


def test_disable_and_enable(ledger: Ledger) -> None:
    created = ledger.create_account()
    ledger.clock.advance(90)
    disabled = ledger.client.post("/api/v2/accounts/1001/disable")
    assert disabled.status_code == 200
    expected = {**created, "status": "disabled", "updated_at": "2026-12-01T10:01:30Z"}
    assert disabled.json() == {"data": expected}
    ledger.clock.advance(30)
    enabled = ledger.client.post("/api/v2/accounts/1001/enable")
    assert enabled.json()["data"]["status"] == "enabled"
    assert enabled.json()["data"]["updated_at"] == "2026-12-01T10:02:00Z"
    assert enabled.json()["data"]["created_at"] == START_TEXT


@pytest.mark.parametrize("state", ["enabled", "disabled"])
def test_already_in_state_is_409(ledger: Ledger, state: str) -> None:
    ledger.create_account()
    if state == "disabled":
        ledger.client.post("/api/v2/accounts/1001/disable")
    before = ledger.sandbox.accounts()
    ledger.clock.advance(5)
    action = "enable" if state == "enabled" else "disable"
    response = ledger.client.post(f"/api/v2/accounts/1001/{action}")
    assert code_of(response) == (409, "invalid_state")
    assert error_of(response)["message"] == f"account 1001 is already {state}"
    assert ledger.sandbox.accounts() == before


@pytest.mark.parametrize("action", ["enable", "disable"])
def test_actions_on_unknown_accounts_are_404(ledger: Ledger, action: str) -> None:
    response = ledger.client.post(f"/api/v2/accounts/4242/{action}")
    assert code_of(response) == (404, "not_found")
    assert error_of(response)["message"] == "no account with id 4242"


def test_actions_ignore_a_body(ledger: Ledger) -> None:
    ledger.create_account()
    response = ledger.client.post("/api/v2/accounts/1001/disable", json={"reason": "left"})
    assert response.json()["data"]["status"] == "disabled"


def test_delete_an_enabled_account_is_409(ledger: Ledger) -> None:
    ledger.create_account()
    response = ledger.client.delete("/api/v2/accounts/1001")
    assert code_of(response) == (409, "invalid_state")
    assert error_of(response)["message"] == "disable account 1001 before deleting it"
    assert len(ledger.sandbox.accounts()) == 1


def test_delete_a_disabled_account(ledger: Ledger) -> None:
    ledger.create_account()
    ledger.client.post("/api/v2/accounts/1001/disable")
    response = ledger.client.delete("/api/v2/accounts/1001")
    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response.headers
    assert "Content-Length" not in response.headers
    assert ledger.sandbox.accounts() == []
    assert code_of(ledger.client.get("/api/v2/accounts/1001")) == (404, "not_found")
    assert code_of(ledger.client.delete("/api/v2/accounts/1001")) == (404, "not_found")


def test_delete_unknown_account_is_404(ledger: Ledger) -> None:
    response = ledger.client.delete("/api/v2/accounts/1001")
    assert error_of(response) == {"code": "not_found", "message": "no account with id 1001"}


def test_sandbox_accounts_are_snapshots(ledger: Ledger) -> None:
    ledger.create_account(org={"department": "R&D"})
    snapshot = ledger.sandbox.accounts()
    mutated = copy.deepcopy(snapshot)
    snapshot[0]["org"]["department"] = "changed"
    assert ledger.sandbox.accounts() != snapshot
    assert (
        ledger.client.get("/api/v2/accounts/1001", headers=NO_FAULTS).json()["data"] == (mutated[0])
    )
