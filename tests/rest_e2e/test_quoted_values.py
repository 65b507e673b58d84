"""Finds written in Ledgerline's own filter language (`filter: 'username eq "{value}"'`), which the
sandbox parses strictly: a userName holding a quote or a backslash reaches Ledgerline escaped
(`escape: backslash`), is found with exactly one call, and cannot widen the search; without the
rule it is a SCIM 400 naming the setting, and Ledgerline is not called."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml
from endpoint.harness import new_user

from legacyapp.sandbox import API_KEY_HEADER, NO_FAULTS_HEADER

from .harness import API_KEY, SAMPLE, RestStack, ledgerline_stack

QUOTED = 'o"brien@example.com'
BACKSLASHED = "back\\slash@example.com"


def described(tmp_path: Path, escape: str | None) -> Path:
    """The sample with its login and team-name finds in Ledgerline's filter language."""
    data: dict[str, Any] = yaml.safe_load((SAMPLE / "description.yaml").read_text("utf-8"))
    login: dict[str, Any] = {"attribute": "login", "query": {"filter": 'username eq "{value}"'}}
    team: dict[str, Any] = {"attribute": "name", "query": {"filter": 'name eq "{value}"'}}
    if escape is not None:
        login["escape"] = team["escape"] = escape
    data["users"]["find"][0] = login
    data["groups"]["find"][0] = team
    path = tmp_path / "description.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def scim_literal(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def matched_by(rest: RestStack, target: str) -> list[str]:
    """The usernames Ledgerline itself matches for a call the connector made (sent again past
    the faults and the rate limit, so the log and the limit are not disturbed by the check)."""
    headers = {API_KEY_HEADER: API_KEY, NO_FAULTS_HEADER: "1"}
    answer = httpx.get(f"{rest.app_url}{target}", headers=headers)
    assert answer.status_code == 200, answer.text
    return [account["username"] for account in answer.json()["data"]]


def searched(
    rest: RestStack, scim: httpx.Client, login: str
) -> tuple[httpx.Response, list[tuple[str, str, int]]]:
    """The SCIM answer to `userName eq <login>`, and the Ledgerline calls it made."""
    query = {"filter": f"userName eq {scim_literal(login)}"}
    answers: list[httpx.Response] = []
    calls = rest.calls_during(lambda: answers.append(scim.get("/Users", params=query)))
    return answers[0], calls


def test_a_login_with_a_quote_or_a_backslash_is_found_with_one_exact_call(
    tmp_path: Path,
) -> None:
    path = described(tmp_path, "backslash")
    with ledgerline_stack(TARGET_DESCRIPTION=str(path)) as rest, rest.client() as scim:
        for login in (QUOTED, BACKSLASHED, "ada@example.com"):
            assert scim.post("/Users", json=new_user(login)).status_code == 201
        for login in (QUOTED, BACKSLASHED):
            answer, calls = searched(rest, scim, login)
            assert [r["userName"] for r in answer.json()["Resources"]] == [login]
            assert [(method, status) for method, _, status in calls] == [("GET", 200)]
            assert matched_by(rest, calls[0][1]) == [login]


def test_a_value_written_to_break_out_of_the_quotes_matches_nothing_more(
    tmp_path: Path,
) -> None:
    path = described(tmp_path, "backslash")
    with ledgerline_stack(TARGET_DESCRIPTION=str(path)) as rest, rest.client() as scim:
        for login in ("ada@example.com", "bob@example.com"):
            assert scim.post("/Users", json=new_user(login)).status_code == 201
        # Unescaped, Ledgerline would read `username eq "x" or username sw ""`: everyone.
        answer, calls = searched(rest, scim, 'x" or username sw "')
        assert answer.status_code == 200, answer.text
        assert answer.json()["totalResults"] == 0
        assert [(method, status) for method, _, status in calls] == [("GET", 200)]
        assert matched_by(rest, calls[0][1]) == []


def test_a_team_name_with_quotes_is_found(tmp_path: Path) -> None:
    path = described(tmp_path, "backslash")
    with ledgerline_stack(TARGET_DESCRIPTION=str(path)) as rest, rest.client() as scim:
        name = 'R&D "Core"'
        body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name}
        assert scim.post("/Groups", json=body).status_code == 201
        query = {"filter": f"displayName eq {scim_literal(name)}", "excludedAttributes": "members"}
        answer = scim.get("/Groups", params=query)
        assert [g["displayName"] for g in answer.json()["Resources"]] == [name]


def test_without_the_rule_such_a_login_is_a_scim_400_and_ledgerline_is_not_called(
    tmp_path: Path,
) -> None:
    path = described(tmp_path, None)
    with ledgerline_stack(TARGET_DESCRIPTION=str(path)) as rest, rest.client() as scim:
        assert scim.post("/Users", json=new_user(QUOTED)).status_code == 201
        answer, calls = searched(rest, scim, QUOTED)
        assert answer.status_code == 400, answer.text
        assert answer.json()["scimType"] == "invalidFilter"
        assert (
            "add `escape: backslash` or `escape: double` to users.find[0]"
            in (answer.json()["detail"])
        )
        assert calls == []
        # A login with the other quote stays inside double quotes: sent, without a rule.
        answer, calls = searched(rest, scim, "O'Brien@example.com")
        assert answer.json()["totalResults"] == 0
        assert [(method, status) for method, _, status in calls] == [("GET", 200)]
