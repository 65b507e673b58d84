"""Teams and their members: create, read, uniqueness, delete, atomic member batches."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from legacyapp_harness import START_TEXT, Ledger, code_of, error_of, fields_of, shared_sandbox

server, ledger = shared_sandbox()


def _create(ledger: Ledger, fields: Any) -> httpx.Response:
    return ledger.client.post("/api/v2/teams", json={"data": fields})


# -- teams -----------------------------------------------------------------------------------


def test_create_team(ledger: Ledger) -> None:
    response = _create(ledger, {"name": "Sales"})
    assert response.status_code == 201
    team = {
        "id": 1,
        "name": "Sales",
        "description": None,
        "external_ref": None,
        "member_count": 0,
        "created_at": START_TEXT,
        "updated_at": START_TEXT,
    }
    assert response.json() == {"data": team}
    assert list(response.json()["data"]) == list(team)
    assert response.headers["Location"] == f"{ledger.url}/api/v2/teams/1"
    assert ledger.client.get("/api/v2/teams/1").json() == {"data": team}
    assert ledger.sandbox.teams() == [team]


def test_team_ids_increase_from_1_and_are_never_reused(ledger: Ledger) -> None:
    assert [ledger.create_team(name)["id"] for name in ("A", "B")] == [1, 2]
    assert ledger.client.delete("/api/v2/teams/2").status_code == 204
    assert ledger.create_team("C")["id"] == 3


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        ({}, [("name", "is required")]),
        ({"name": ""}, [("name", "must be between 1 and 100 characters")]),
        ({"name": "n" * 101}, [("name", "must be between 1 and 100 characters")]),
        ({"name": 7}, [("name", "must be a string")]),
        (
            {"name": "A", "description": "d" * 256, "external_ref": 5},
            [
                ("description", "must be at most 255 characters"),
                ("external_ref", "must be a string"),
            ],
        ),
        (
            {"name": "A", "id": 1, "member_count": 0, "members": []},
            [
                ("id", "read-only field"),
                ("member_count", "read-only field"),
                ("members", "unknown field"),
            ],
        ),
    ],
)
def test_team_validation(
    ledger: Ledger, fields: dict[str, Any], problems: list[tuple[str, str]]
) -> None:
    assert fields_of(_create(ledger, fields)) == problems
    assert ledger.sandbox.teams() == []


def test_team_create_needs_envelope_and_json(ledger: Ledger) -> None:
    assert code_of(ledger.client.post("/api/v2/teams", json={"name": "Sales"})) == (
        400,
        "bad_request",
    )
    response = ledger.client.post(
        "/api/v2/teams",
        content=b'{"data": {"name": "Sales"}}',
        headers={"Content-Type": "text/json"},
    )
    assert code_of(response) == (415, "unsupported_media_type")
    assert ledger.sandbox.teams() == []


def test_duplicate_team_name_is_409_case_insensitively(ledger: Ledger) -> None:
    ledger.create_team("Sales")
    response = _create(ledger, {"name": "sALES"})
    assert code_of(response) == (409, "conflict")
    assert error_of(response)["message"] == "team name 'sALES' is already taken"
    assert len(ledger.sandbox.teams()) == 1


def test_unknown_team_is_404(ledger: Ledger) -> None:
    for path in ("/api/v2/teams/7", "/api/v2/teams/sales"):
        response = ledger.client.get(path)
        assert code_of(response) == (404, "not_found")
    assert error_of(ledger.client.get("/api/v2/teams/7"))["message"] == "no team with id 7"
    assert code_of(ledger.client.delete("/api/v2/teams/7")) == (404, "not_found")


def test_delete_team_removes_memberships_not_accounts(ledger: Ledger) -> None:
    ledger.create_team("Sales")
    ledger.create_account()
    ledger.add_members(1, [1001])
    response = ledger.client.delete("/api/v2/teams/1")
    assert (response.status_code, response.content) == (204, b"")
    assert ledger.sandbox.teams() == []
    assert [account["id"] for account in ledger.sandbox.accounts()] == [1001]
    assert code_of(ledger.client.get("/api/v2/teams/1/members")) == (404, "not_found")
    with pytest.raises(ValueError, match="no team with id 1"):
        ledger.sandbox.members(1)
    assert ledger.create_team("sales")["member_count"] == 0  # the name is free again


# -- members ---------------------------------------------------------------------------------


def test_add_members_and_list_them(ledger: Ledger) -> None:
    ledger.create_team("Sales")
    for _ in range(3):
        ledger.create_account()
    ledger.clock.advance(30)
    response = ledger.add_members(1, [1003, 1001])
    assert response.status_code == 200
    assert response.json() == {"data": {"added": [1003, 1001], "already_members": []}}
    assert ledger.sandbox.members(1) == [1001, 1003]
    listed = ledger.client.get("/api/v2/teams/1/members")
    assert listed.json() == {
        "data": [
            {"account_id": 1001, "added_at": "2026-12-01T10:00:30Z"},
            {"account_id": 1003, "added_at": "2026-12-01T10:00:30Z"},
        ],
        "meta": {"page": 1, "per_page": 25, "total": 2, "total_pages": 1},
    }
    team = ledger.client.get("/api/v2/teams/1").json()["data"]
    assert team["member_count"] == 2
    assert team["updated_at"] == START_TEXT  # memberships are not an edit of the team


def test_re_adding_is_idempotent(ledger: Ledger) -> None:
    ledger.create_team("Sales")
    ledger.create_account()
    ledger.create_account()
    ledger.add_members(1, [1001])
    ledger.clock.advance(60)
    response = ledger.add_members(1, [1001, 1002])
    assert response.json() == {"data": {"added": [1002], "already_members": [1001]}}
    again = ledger.add_members(1, [1002, 1001])
    assert again.json() == {"data": {"added": [], "already_members": [1002, 1001]}}
    members = ledger.client.get("/api/v2/teams/1/members").json()["data"]
    assert members == [
        {"account_id": 1001, "added_at": START_TEXT},  # not moved by the re-add
        {"account_id": 1002, "added_at": "2026-12-01T10:01:00Z"},
    ]


def test_a_batch_with_unknown_ids_applies_nothing(ledger: Ledger) -> None:
    ledger.create_team("Sales")
    ledger.create_account()
    ledger.create_account()
    response = ledger.add_members(1, [1001, 1002, 99, 1001 + 50])
    assert fields_of(response) == [
        ("account_ids[2]", "no account with id 99"),
        ("account_ids[3]", "no account with id 1051"),
    ]
    assert ledger.sandbox.members(1) == []


def test_twenty_ids_per_call_and_no_more(ledger: Ledger) -> None:
    ledger.create_team("Sales")
    ids = [ledger.create_account()["id"] for _ in range(21)]
    too_many = ledger.add_members(1, ids)
    assert fields_of(too_many) == [("account_ids", "at most 20 account ids per call, got 21")]
    assert ledger.sandbox.members(1) == []
    assert ledger.add_members(1, ids[:20]).json()["data"]["added"] == ids[:20]
    assert ledger.add_members(1, ids[20:]).json()["data"]["added"] == ids[20:]


@pytest.mark.parametrize(
    ("data", "problems"),
    [
        ({}, [("account_ids", "is required")]),
        ({"account_ids": None}, [("account_ids", "is required")]),
        ({"account_ids": []}, [("account_ids", "must list 1 to 20 account ids")]),
        ({"account_ids": 1001}, [("account_ids", "must be an array of account ids")]),
        (
            {"account_ids": ["1001", 1001.0, True, None]},
            [(f"account_ids[{index}]", "must be an integer") for index in range(4)],
        ),
        ({"account_ids": [1001, 1001]}, [("account_ids[1]", "duplicate of account_ids[0]")]),
        (
            {"account_ids": [1001], "role": "owner"},
            [("role", "unknown field")],
        ),
    ],
)
def test_batch_shape(ledger: Ledger, data: dict[str, Any], problems: list[tuple[str, str]]) -> None:
    ledger.create_team("Sales")
    ledger.create_account()
    response = ledger.client.post("/api/v2/teams/1/members", json={"data": data})
    assert fields_of(response) == problems
    assert ledger.sandbox.members(1) == []


def test_batch_needs_envelope_and_known_team(ledger: Ledger) -> None:
    ledger.create_account()
    assert code_of(ledger.add_members(5, [1001])) == (404, "not_found")
    ledger.create_team("Sales")
    response = ledger.client.post("/api/v2/teams/1/members", json={"account_ids": [1001]})
    assert code_of(response) == (400, "bad_request")
    assert ledger.sandbox.members(1) == []


def test_disabled_accounts_can_be_members(ledger: Ledger) -> None:
    ledger.create_team("Sales")
    ledger.create_account()
    ledger.client.post("/api/v2/accounts/1001/disable")
    assert ledger.add_members(1, [1001]).json()["data"]["added"] == [1001]


def test_remove_member(ledger: Ledger) -> None:
    ledger.create_team("Sales")
    ledger.create_account()
    ledger.create_account()
    ledger.add_members(1, [1001, 1002])
    response = ledger.client.delete("/api/v2/teams/1/members/1001")
    assert (response.status_code, response.content) == (204, b"")
    assert ledger.sandbox.members(1) == [1002]
    assert ledger.client.get("/api/v2/teams/1").json()["data"]["member_count"] == 1


@pytest.mark.parametrize("account_id", ["1001", "1002", "4242", "abc"])
def test_removing_a_non_member_is_404_not_a_member(ledger: Ledger, account_id: str) -> None:
    ledger.create_team("Sales")
    ledger.create_account()
    ledger.create_account()
    ledger.add_members(1, [1002])
    if account_id == "1002":
        ledger.client.delete("/api/v2/teams/1/members/1002")
    response = ledger.client.delete(f"/api/v2/teams/1/members/{account_id}")
    assert code_of(response) == (404, "not_a_member")
    assert error_of(response)["message"] == f"account {account_id} is not a member of team 1"


def test_removing_from_an_unknown_team_is_404_not_found(ledger: Ledger) -> None:
    ledger.create_account()
    response = ledger.client.delete("/api/v2/teams/3/members/1001")
    assert error_of(response) == {"code": "not_found", "message": "no team with id 3"}


def test_deleting_an_account_removes_it_from_every_team(ledger: Ledger) -> None:
    for name in ("Sales", "Support"):
        ledger.create_team(name)
    ledger.create_account()
    ledger.create_account()
    ledger.add_members(1, [1001, 1002])
    ledger.add_members(2, [1001])
    ledger.client.post("/api/v2/accounts/1001/disable")
    ledger.client.delete("/api/v2/accounts/1001")
    assert (ledger.sandbox.members(1), ledger.sandbox.members(2)) == ([1002], [])
    assert [team["member_count"] for team in ledger.sandbox.teams()] == [1, 0]
    assert code_of(ledger.client.delete("/api/v2/teams/1/members/1001")) == (404, "not_a_member")
