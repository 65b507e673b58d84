"""PATCH: JSON merge patch (RFC 7396) of accounts and teams, its content type and its rules."""

from __future__ import annotations

from typing import Any

import pytest
from legacyapp_harness import START_TEXT, Ledger, code_of, error_of, fields_of, shared_sandbox

from legacyapp.schema import merge_patch

server, ledger = shared_sandbox()


@pytest.fixture
def alice(ledger: Ledger) -> dict[str, Any]:
    return ledger.create_account(
        "alice@example.com",
        nickname="Al",
        title="Engineer",
        org={"department": "R&D", "cost_center": "CC-1"},
        phones={"mobile": "+1 555 0100", "work": "+1 555 0199"},
    )


# -- RFC 7396 itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "patch", "result"),
    [
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"a": "b"}, ["c"], ["c"]),
        ({"a": "foo"}, None, None),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch_follows_rfc_7396(target: Any, patch: Any, result: Any) -> None:
    assert merge_patch(target, patch) == result


def test_merge_patch_does_not_modify_its_inputs() -> None:
    target = {"a": {"b": 1}}
    patch = {"a": {"c": [1]}}
    merged = merge_patch(target, patch)
    merged["a"]["c"].append(2)
    assert (target, patch) == ({"a": {"b": 1}}, {"a": {"c": [1]}})


# -- accounts --------------------------------------------------------------------------------


def test_patch_changes_only_what_it_names(ledger: Ledger, alice: dict[str, Any]) -> None:
    ledger.clock.advance(61)
    response = ledger.patch("/api/v2/accounts/1001", {"title": "Manager", "language": "fr-FR"})
    assert response.status_code == 200
    changes = {"title": "Manager", "language": "fr-FR", "updated_at": "2026-12-01T10:01:01Z"}
    expected = {**alice, **changes}
    assert response.json() == {"data": expected}
    assert ledger.sandbox.accounts() == [expected]


def test_null_clears_an_optional_field(ledger: Ledger, alice: dict[str, Any]) -> None:
    data = ledger.patch("/api/v2/accounts/1001", {"nickname": None}).json()["data"]
    assert data["nickname"] is None
    assert "nickname" in data


@pytest.mark.parametrize("field", ["username", "first_name", "last_name", "email"])
def test_null_for_a_required_field_is_422(
    ledger: Ledger, alice: dict[str, Any], field: str
) -> None:
    response = ledger.patch("/api/v2/accounts/1001", {field: None})
    assert fields_of(response) == [(field, "is required and cannot be cleared")]
    assert ledger.sandbox.accounts() == [alice]


def test_nested_objects_merge_key_by_key(ledger: Ledger, alice: dict[str, Any]) -> None:
    data = ledger.patch(
        "/api/v2/accounts/1001",
        {"org": {"division": "Labs", "cost_center": None}, "phones": {"work": "+1 555 0000"}},
    ).json()["data"]
    assert data["org"] == {
        "organization": None,
        "division": "Labs",
        "department": "R&D",
        "cost_center": None,
    }
    assert data["phones"] == {"mobile": "+1 555 0100", "work": "+1 555 0000"}


def test_null_for_a_nested_object_clears_all_its_keys(
    ledger: Ledger, alice: dict[str, Any]
) -> None:
    data = ledger.patch("/api/v2/accounts/1001", {"org": None}).json()["data"]
    assert data["org"] == {
        "organization": None,
        "division": None,
        "department": None,
        "cost_center": None,
    }
    assert data["phones"] == alice["phones"]


def test_empty_nested_patch_changes_nothing(ledger: Ledger, alice: dict[str, Any]) -> None:
    data = ledger.patch("/api/v2/accounts/1001", {"org": {}}).json()["data"]
    assert data["org"] == alice["org"]


def test_empty_patch_still_touches_updated_at(ledger: Ledger, alice: dict[str, Any]) -> None:
    ledger.clock.advance(3600)
    response = ledger.patch("/api/v2/accounts/1001", {})
    assert response.json()["data"] == {**alice, "updated_at": "2026-12-01T11:00:00Z"}
    assert response.json()["data"]["created_at"] == START_TEXT


def test_patch_validates_like_create(ledger: Ledger, alice: dict[str, Any]) -> None:
    response = ledger.patch(
        "/api/v2/accounts/1001",
        {
            "email": "nope",
            "org": {"floor": "2"},
            "phones": "555",
            "employee_number": -3,
            "title": "Boss",
        },
    )
    assert fields_of(response) == [
        ("email", "must be an email address"),
        ("org.floor", "unknown field"),
        ("phones", "must be an object"),
        ("employee_number", "must be between 0 and 2147483647"),
    ]
    assert ledger.sandbox.accounts() == [alice]  # the valid title was not applied either


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", 1001), ("status", "disabled"), ("created_at", None), ("updated_at", START_TEXT)],
)
def test_read_only_fields_are_refused(
    ledger: Ledger, alice: dict[str, Any], field: str, value: Any
) -> None:
    problems = fields_of(ledger.patch("/api/v2/accounts/1001", {field: value}))
    assert [name for name, _ in problems] == [field]
    assert problems[0][1].startswith("read-only field")
    assert ledger.sandbox.accounts() == [alice]


def test_status_names_the_actions(ledger: Ledger, alice: dict[str, Any]) -> None:
    response = ledger.patch("/api/v2/accounts/1001", {"status": "disabled"})
    assert fields_of(response) == [("status", "read-only field; use the enable/disable actions")]


def test_an_envelope_is_an_unknown_field(ledger: Ledger, alice: dict[str, Any]) -> None:
    response = ledger.patch("/api/v2/accounts/1001", {"data": {"title": "x"}})
    assert fields_of(response) == [("data", "unknown field")]


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json-patch+json", "text/plain", "merge-patch+json"],
)
def test_wrong_content_type_is_415(
    ledger: Ledger, alice: dict[str, Any], content_type: str
) -> None:
    response = ledger.patch("/api/v2/accounts/1001", {"title": "x"}, content_type)
    assert code_of(response) == (415, "unsupported_media_type")
    assert error_of(response)["message"] == "Content-Type must be application/merge-patch+json"
    assert ledger.sandbox.accounts() == [alice]


def test_missing_content_type_is_415(ledger: Ledger, alice: dict[str, Any]) -> None:
    response = ledger.client.patch("/api/v2/accounts/1001", content=b'{"title": "x"}')
    assert code_of(response) == (415, "unsupported_media_type")


def test_merge_patch_with_charset_is_accepted(ledger: Ledger, alice: dict[str, Any]) -> None:
    response = ledger.patch(
        "/api/v2/accounts/1001", {"title": "x"}, "application/merge-patch+json; charset=utf-8"
    )
    assert response.json()["data"]["title"] == "x"


@pytest.mark.parametrize("body", [b"[]", b'"title"', b"null", b"{", b""])
def test_a_patch_must_be_a_json_object(ledger: Ledger, alice: dict[str, Any], body: bytes) -> None:
    response = ledger.client.patch(
        "/api/v2/accounts/1001",
        content=body,
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert code_of(response) == (400, "bad_request")
    assert ledger.sandbox.accounts() == [alice]


def test_unknown_account_is_404_before_the_body_is_looked_at(ledger: Ledger) -> None:
    response = ledger.patch("/api/v2/accounts/1001", {"title": "x"}, "text/plain")
    assert code_of(response) == (404, "not_found")


def test_patch_to_a_taken_username_is_409(ledger: Ledger, alice: dict[str, Any]) -> None:
    ledger.create_account("bob@example.com")
    response = ledger.patch("/api/v2/accounts/1002", {"username": "Alice@Example.com"})
    assert code_of(response) == (409, "conflict")
    assert error_of(response)["message"] == "username 'Alice@Example.com' is already taken"
    assert ledger.sandbox.accounts()[1]["username"] == "bob@example.com"


def test_renaming_frees_the_old_username(ledger: Ledger, alice: dict[str, Any]) -> None:
    response = ledger.patch("/api/v2/accounts/1001", {"username": "ALICE@example.com"})
    assert response.json()["data"]["username"] == "ALICE@example.com"  # own name, other case
    ledger.patch("/api/v2/accounts/1001", {"username": "alice2@example.com"})
    assert ledger.create_account("alice@example.com")["id"] == 1002


def test_disabled_accounts_can_be_edited(ledger: Ledger, alice: dict[str, Any]) -> None:
    ledger.client.post("/api/v2/accounts/1001/disable")
    response = ledger.patch("/api/v2/accounts/1001", {"title": "Former engineer"})
    assert response.status_code == 200
    assert (response.json()["data"]["title"], response.json()["data"]["status"]) == (
        "Former engineer",
        "disabled",
    )


# -- teams -----------------------------------------------------------------------------------


def test_team_patch(ledger: Ledger) -> None:
    team = ledger.create_team("Sales", description="Field sales", external_ref="grp-1")
    ledger.clock.advance(2)
    response = ledger.patch("/api/v2/teams/1", {"description": None, "name": "Inside Sales"})
    assert response.json() == {
        "data": {
            **team,
            "name": "Inside Sales",
            "description": None,
            "updated_at": "2026-12-01T10:00:02Z",
        }
    }


def test_team_patch_rules(ledger: Ledger) -> None:
    ledger.create_team("Sales")
    ledger.create_team("Support")
    assert fields_of(ledger.patch("/api/v2/teams/1", {"name": None})) == [
        ("name", "is required and cannot be cleared")
    ]
    assert fields_of(ledger.patch("/api/v2/teams/1", {"member_count": 3, "owner": "x"})) == [
        ("member_count", "read-only field"),
        ("owner", "unknown field"),
    ]
    assert code_of(ledger.patch("/api/v2/teams/1", {"name": "SUPPORT"})) == (409, "conflict")
    assert code_of(ledger.patch("/api/v2/teams/1", {"name": "x"}, "application/json")) == (
        415,
        "unsupported_media_type",
    )
    assert code_of(ledger.patch("/api/v2/teams/9", {"name": "x"})) == (404, "not_found")
    assert [team["name"] for team in ledger.sandbox.teams()] == ["Sales", "Support"]
