"""Listing: paging and its meta, ordering, filters, and query parameters that are ignored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from legacyapp_harness import Ledger, code_of, error_of, shared_sandbox

server, ledger = shared_sandbox()


def _ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def _accounts(ledger: Ledger, params: Any = None) -> httpx.Response:
    return ledger.client.get("/api/v2/accounts", params=params)


@pytest.fixture
def staff(ledger: Ledger) -> Ledger:
    """Five accounts whose usernames sort in a different order than their ids."""
    ledger.create_account("zoe@example.com", employee_number=5, external_ref="Z-1")
    ledger.create_account("adam@example.com", employee_number=7, external_ref="a-2")
    ledger.create_account("mia@example.com", email="MIA@Example.COM", external_ref="A-2")
    ledger.create_account("bo@example.com", employee_number=7)
    ledger.create_account("eve@example.com", email="shared@example.com")
    ledger.client.post("/api/v2/accounts/1004/disable")
    ledger.client.post("/api/v2/accounts/1002/disable")
    return ledger


# -- paging ----------------------------------------------------------------------------------


def test_default_page_and_meta(staff: Ledger) -> None:
    response = _accounts(staff)
    assert response.json()["meta"] == {"page": 1, "per_page": 25, "total": 5, "total_pages": 1}
    assert _ids(response) == [1001, 1002, 1003, 1004, 1005]


def test_pages_in_id_order(staff: Ledger) -> None:
    staff.patch("/api/v2/accounts/1001", {"username": "aaron@example.com"})
    pages = [_accounts(staff, {"per_page": 2, "page": page}) for page in (1, 2, 3)]
    assert [_ids(page) for page in pages] == [[1001, 1002], [1003, 1004], [1005]]
    assert [page.json()["meta"] for page in pages] == [
        {"page": number, "per_page": 2, "total": 5, "total_pages": 3} for number in (1, 2, 3)
    ]


def test_a_page_past_the_end_is_empty(staff: Ledger) -> None:
    response = _accounts(staff, {"page": 4, "per_page": 2})
    assert response.json() == {
        "data": [],
        "meta": {"page": 4, "per_page": 2, "total": 5, "total_pages": 3},
    }
    assert _ids(_accounts(staff, {"page": 10**30})) == []


def test_empty_collection_has_zero_pages(ledger: Ledger) -> None:
    assert _accounts(ledger).json() == {
        "data": [],
        "meta": {"page": 1, "per_page": 25, "total": 0, "total_pages": 0},
    }


def test_per_page_is_clamped_to_100(ledger: Ledger) -> None:
    for _ in range(101):
        ledger.create_account()
    response = _accounts(ledger, {"per_page": 500})
    assert len(response.json()["data"]) == 100
    assert response.json()["meta"] == {"page": 1, "per_page": 100, "total": 101, "total_pages": 2}
    assert _ids(_accounts(ledger, {"per_page": 100, "page": 2})) == [1101]
    assert len(_accounts(ledger, {"per_page": 1}).json()["data"]) == 1


@pytest.mark.parametrize("name", ["page", "per_page"])
@pytest.mark.parametrize("value", ["0", "-1", "abc", "", "1.5", " 2", "+2", "1e2"])
def test_invalid_paging_is_400(ledger: Ledger, name: str, value: str) -> None:
    response = _accounts(ledger, {name: value})
    assert code_of(response) == (400, "bad_request")
    assert error_of(response)["message"] == f"{name} must be a positive integer"


def test_a_repeated_parameter_takes_its_last_value(staff: Ledger) -> None:
    response = staff.client.get("/api/v2/accounts?per_page=1&per_page=2&page=9&page=2")
    assert response.json()["meta"]["per_page"] == 2
    assert _ids(response) == [1003, 1004]


# -- filters ---------------------------------------------------------------------------------


def test_username_filter_ignores_case(staff: Ledger) -> None:
    assert _ids(_accounts(staff, {"username": "ADAM@example.com"})) == [1002]
    assert _ids(_accounts(staff, {"username": "adam"})) == []  # exact, not a prefix


def test_email_filter_ignores_case(staff: Ledger) -> None:
    assert _ids(_accounts(staff, {"email": "mia@example.com"})) == [1003]
    assert _ids(_accounts(staff, {"email": "SHARED@example.com"})) == [1005]


def test_external_ref_filter_is_case_sensitive(staff: Ledger) -> None:
    assert _ids(_accounts(staff, {"external_ref": "a-2"})) == [1002]
    assert _ids(_accounts(staff, {"external_ref": "A-2"})) == [1003]
    assert _ids(_accounts(staff, {"external_ref": "z-1"})) == []


def test_employee_number_filter(staff: Ledger) -> None:
    assert _ids(_accounts(staff, {"employee_number": "7"})) == [1002, 1004]
    assert _ids(_accounts(staff, {"employee_number": "007"})) == [1002, 1004]
    for bad in ("seven", "-7", ""):
        response = _accounts(staff, {"employee_number": bad})
        assert code_of(response) == (400, "bad_request")
        assert "employee_number" in error_of(response)["message"]


def test_status_filter(staff: Ledger) -> None:
    assert _ids(_accounts(staff, {"status": "disabled"})) == [1002, 1004]
    assert _ids(_accounts(staff, {"status": "enabled"})) == [1001, 1003, 1005]
    for bad in ("Enabled", "active", ""):
        assert code_of(_accounts(staff, {"status": bad})) == (400, "bad_request")


def test_filters_combine_with_and(staff: Ledger) -> None:
    assert _ids(_accounts(staff, {"employee_number": "7", "status": "enabled"})) == []
    assert _ids(_accounts(staff, {"employee_number": "7", "username": "BO@example.com"})) == [1004]
    response = _accounts(staff, {"status": "disabled", "per_page": 1, "page": 2})
    assert _ids(response) == [1004]
    assert response.json()["meta"] == {"page": 2, "per_page": 1, "total": 2, "total_pages": 2}


def test_an_empty_filter_value_matches_nothing(staff: Ledger) -> None:
    assert _ids(_accounts(staff, {"username": ""})) == []
    assert _ids(_accounts(staff, {"external_ref": ""})) == []


@pytest.mark.parametrize(
    "params",
    [
        {"first_name": "Nobody"},
        {"search": 'username eq "zoe@example.com"'},
        {"sort": "-username", "order": "desc"},
        {"q": "zoe", "limit": "1", "offset": "3"},
        {"userName": "zoe@example.com"},
    ],
)
def test_unknown_query_parameters_are_ignored(staff: Ledger, params: dict[str, str]) -> None:
    assert _ids(_accounts(staff, params)) == [1001, 1002, 1003, 1004, 1005]


# -- teams and members -----------------------------------------------------------------------


def test_team_list_paging_and_filters(ledger: Ledger) -> None:
    ledger.create_team("Sales", external_ref="grp-S")
    ledger.create_team("Support", external_ref="grp-s")
    ledger.create_team("Ops")
    teams = ledger.client.get("/api/v2/teams", params={"per_page": 2})
    assert _ids(teams) == [1, 2]
    assert teams.json()["meta"] == {"page": 1, "per_page": 2, "total": 3, "total_pages": 2}
    assert _ids(ledger.client.get("/api/v2/teams", params={"name": "SALES"})) == [1]
    assert _ids(ledger.client.get("/api/v2/teams", params={"name": "Sal"})) == []
    assert _ids(ledger.client.get("/api/v2/teams", params={"external_ref": "grp-s"})) == [2]
    assert _ids(ledger.client.get("/api/v2/teams", params={"member": "1001"})) == [1, 2, 3]
    assert code_of(ledger.client.get("/api/v2/teams", params={"page": "0"})) == (
        400,
        "bad_request",
    )


def test_members_are_paged_in_account_id_order(ledger: Ledger) -> None:
    ledger.create_team("Sales")
    ids = [ledger.create_account()["id"] for _ in range(5)]
    ledger.add_members(1, [ids[4], ids[0], ids[2]])
    ledger.add_members(1, [ids[1]])
    first = ledger.client.get("/api/v2/teams/1/members", params={"per_page": 3})
    second = ledger.client.get("/api/v2/teams/1/members", params={"per_page": 3, "page": 2})
    assert [member["account_id"] for member in first.json()["data"]] == [1001, 1002, 1003]
    assert [member["account_id"] for member in second.json()["data"]] == [1005]
    assert second.json()["meta"] == {"page": 2, "per_page": 3, "total": 4, "total_pages": 2}
    assert code_of(ledger.client.get("/api/v2/teams/1/members", params={"per_page": "x"})) == (
        400,
        "bad_request",
    )
