"""The `filter` expression: its grammar, its escapes, and the 400s a real parser answers for
anything outside them (the connector's descriptions are tested against this strictness)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from legacyapp_harness import Ledger, code_of, error_of, shared_sandbox

server, ledger = shared_sandbox()

README = (Path(__file__).resolve().parents[2] / "legacyapp" / "README.md").read_text(
    encoding="utf-8"
)


def _ids(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def _accounts(ledger: Ledger, expression: str, **params: str) -> httpx.Response:
    return ledger.client.get("/api/v2/accounts", params={"filter": expression, **params})


@pytest.fixture
def staff(ledger: Ledger) -> Ledger:
    ledger.create_account('o"brien@example.com', external_ref="OB-1")  # 1001
    ledger.create_account("back\\slash@example.com", first_name="Back")  # 1002
    ledger.create_account("ops-ann@example.com", display_name="Ann")  # 1003
    ledger.create_account("ops-bob@example.com", email="BOB@example.com")  # 1004
    ledger.create_account("zoe@example.com", external_ref="ob-1")  # 1005
    ledger.client.post("/api/v2/accounts/1004/disable")
    return ledger


def test_a_quote_and_a_backslash_are_escaped_with_a_backslash(staff: Ledger) -> None:
    assert _ids(_accounts(staff, r'username eq "O\"Brien@example.com"')) == [1001]
    assert _ids(_accounts(staff, r'username eq "back\\slash@example.com"')) == [1002]
    assert _ids(_accounts(staff, r'email eq "o\"brien@example.com"')) == [1001]


def test_eq_sw_and_or(staff: Ledger) -> None:
    assert _ids(_accounts(staff, 'username sw "OPS-"')) == [1003, 1004]
    assert _ids(_accounts(staff, 'username sw "ops-" and status eq "enabled"')) == [1003]
    assert _ids(_accounts(staff, 'email eq "bob@example.com" or display_name eq "ann"')) == [
        1003,
        1004,
    ]
    # `and` binds tighter than `or`.
    expression = 'username eq "zoe@example.com" or username sw "ops-" and status eq "disabled"'
    assert _ids(_accounts(staff, expression)) == [1004, 1005]
    assert _ids(_accounts(staff, 'username eq "ops-"')) == []  # eq is the whole value


def test_case_rules_follow_the_parameters(staff: Ledger) -> None:
    assert _ids(_accounts(staff, 'external_ref eq "OB-1"')) == [1001]
    assert _ids(_accounts(staff, 'external_ref eq "ob-1"')) == [1005]
    assert _ids(_accounts(staff, 'first_name eq "BACK"')) == [1002]
    assert _ids(_accounts(staff, 'display_name sw "A"')) == [1003]  # null never matches


def test_the_expression_is_anded_with_the_parameters_and_pages(staff: Ledger) -> None:
    response = _accounts(staff, 'username sw "ops-"', status="enabled", per_page="1")
    assert _ids(response) == [1003]
    assert response.json()["meta"] == {"page": 1, "per_page": 1, "total": 1, "total_pages": 1}


def test_words_may_be_separated_by_several_spaces(staff: Ledger) -> None:
    assert _ids(_accounts(staff, '  username   eq  "zoe@example.com"  ')) == [1005]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ('username eq "o"brien@example.com"', "character 16: expected a space after"),
        ("username eq 'zoe@example.com'", "character 13: expected a value in double quotes"),
        ("username eq zoe@example.com", "character 13: expected a value in double quotes"),
        (r'username eq "a\nb"', r'character 16: a backslash escapes only " or \ '),
        ('username eq "zoe@example.com', "the value's closing quote is missing"),
        (r'username eq "zoe\"', "the value's closing quote is missing"),
        ('login eq "zoe"', "character 1: unknown field 'login'"),
        ('username EQ "zoe"', "character 10: unknown operator 'EQ'; use eq or sw"),
        ('username co "zoe"', "unknown operator 'co'"),
        ('username eq "zoe" AND email eq "x"', "character 19: expected 'and' or 'or', got 'AND'"),
        ('username eq "zoe" and', "expected a field name"),
        ('username eq "zoe" or', "expected a field name"),
        ("", "character 1: expected a field name"),
        ("username eq", "expected a value in double quotes"),
        ('status eq "active"', 'status takes eq "enabled" or eq "disabled"'),
        ('status sw "en"', 'status takes eq "enabled" or eq "disabled"'),
        ('username eq "' + "x" * 2000 + '"', "longer than 2000 characters"),
    ],
)
def test_anything_outside_the_grammar_is_400(staff: Ledger, expression: str, message: str) -> None:
    response = _accounts(staff, expression)
    assert code_of(response) == (400, "bad_request")
    assert message in error_of(response)["message"]


def test_teams_take_a_filter_on_name_and_external_ref(ledger: Ledger) -> None:
    ledger.create_team('R&D "Core"', external_ref="grp-1")
    ledger.create_team("Sales", external_ref="GRP-1")
    teams = "/api/v2/teams"
    found = ledger.client.get(teams, params={"filter": r'name eq "r&d \"core\""'})
    assert _ids(found) == [1]
    found = ledger.client.get(teams, params={"filter": 'external_ref eq "GRP-1" or name sw "r"'})
    assert _ids(found) == [1, 2]
    refused = ledger.client.get(teams, params={"filter": 'username eq "x"'})
    assert code_of(refused) == (400, "bad_request")


def test_the_readme_example_is_what_the_sandbox_answers(staff: Ledger) -> None:
    documented = re.search(r"`username eq alice@example.com` is\n  answered `(.*?)`", README)
    assert documented is not None
    response = _accounts(staff, "username eq alice@example.com")
    assert error_of(response)["message"] == json.loads(documented.group(1))
    example = re.search(r"GET (/api/v2/accounts\?filter=\S+)", README)
    assert example is not None
    assert _ids(staff.client.get(example.group(1))) == [1001, 1003, 1004]
