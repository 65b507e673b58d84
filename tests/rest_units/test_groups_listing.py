"""connector/targets/rest/groups.py: a group listing, a member listing and a membership check
left early close their page reads at once; a write answered with only the group's id is read
back; a web page answered to a read is no group."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from pathlib import Path
from typing import Any

import pytest

from connector.targets.errors import UnavailableError
from connector.targets.query import Everyone
from connector.targets.rest.paging import Pager
from connector.transport.budget import request_budget

from .helpers import BASE_PATH, ScriptedApp, reply, rest_groups


def _team(team_id: int, name: str) -> dict[str, Any]:
    return {
        "id": team_id,
        "name": name,
        "external_ref": f"e-{team_id}",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }


def _closed_page_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the page reads (Pager.pages) started, each as its read is closed."""
    closed: list[str] = []
    real_pages = Pager.pages

    async def recorded(
        self: Pager, path: str, params: Mapping[str, str]
    ) -> AsyncGenerator[list[Any], None]:
        try:
            async for page in real_pages(self, path, params):
                yield page
        finally:
            closed.append(path.removeprefix(BASE_PATH))

    monkeypatch.setattr(Pager, "pages", recorded)
    return closed


async def test_a_listing_left_early_closes_the_page_reads_under_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = _closed_page_reads(monkeypatch)
    full = [_team(n, f"Team {n}") for n in range(1, 101)]  # a full page: another would follow
    app = ScriptedApp().on("GET", "/teams", reply(200, {"data": full, "meta": {"total": 300}}))
    groups = rest_groups(tmp_path, app)
    assert (found := await groups.find_by_name("team 1")) is not None
    assert found.name == "Team 1"
    assert closed == ["/teams"]  # the lookup's listing, closed with its caller
    async with aclosing(groups.pages(Everyone())) as listing:
        async for page in listing:
            assert len(page) == 100
            break
    assert closed == ["/teams"] * 2
    assert len(app.calls) == 2  # one page each: nothing read past where the caller stopped


async def test_a_group_create_answered_with_only_the_id_is_read_back_by_that_id(
    tmp_path: Path,
) -> None:
    # Read as the group, `{"id": 7}` has no name: it failed as a broken answer (a 503), and
    # Entra's resend of the create then met the group it had made (a 409).
    app = ScriptedApp().on("POST", "/teams", reply(201, {"data": {"id": 7}}))
    app.on("GET", "/teams/7", reply(200, {"data": _team(7, "Finance")}))
    with request_budget(5.0):
        group = await rest_groups(tmp_path, app).create("Finance", "e-7")
    assert (group.id, group.name, group.external_id) == ("7", "Finance", "e-7")
    assert app.requests() == [("POST", "/teams"), ("GET", "/teams/7")]


async def test_a_bare_201_for_a_group_is_read_back_by_its_location(tmp_path: Path) -> None:
    app = ScriptedApp().on("POST", "/teams", reply(201, headers={"Location": "/api/v2/teams/7"}))
    app.on("GET", "/teams/7", reply(200, {"data": _team(7, "Finance")}))
    with request_budget(5.0):
        group = await rest_groups(tmp_path, app).create("Finance", "e-7")
    assert (group.id, group.name) == ("7", "Finance")
    assert app.requests() == [("POST", "/teams"), ("GET", "/teams/7")]


async def test_a_group_update_answered_with_only_the_id_is_read_back(tmp_path: Path) -> None:
    app = ScriptedApp().on("PATCH", "/teams/7", reply(200, {"data": {"id": 7}}))
    app.on("GET", "/teams/7", reply(200, {"data": _team(7, "Finance EU")}))
    groups = rest_groups(tmp_path, app)
    with request_budget(5.0):
        group = await groups.update(groups.to_group(_team(7, "Finance")), "Finance EU", "e-7")
    assert (group.id, group.name) == ("7", "Finance EU")
    assert app.requests() == [("PATCH", "/teams/7"), ("GET", "/teams/7")]


async def test_a_web_page_answered_to_a_group_read_is_no_group(tmp_path: Path) -> None:
    page = reply(
        200, text="<!doctype html><title>Ledgerline</title>", headers={"Content-Type": "text/html"}
    )
    app = ScriptedApp().on("GET", "/teams/7", page).on("GET", "/teams", page)
    groups = rest_groups(tmp_path, app)
    for call, read in (
        ("GET /teams/{id}", groups.get("7")),
        ("GET /teams", groups.find_by_name("x")),
    ):
        with request_budget(5.0), pytest.raises(UnavailableError) as caught:
            await read
        assert f"answered {call} with 200 and a body that is not JSON (text/html)" in (
            caught.value.reason
        )


def _members(*account_ids: int) -> Any:
    entries = [{"account_id": a, "added_at": "2026-01-01T00:00:00Z"} for a in account_ids]
    return reply(200, {"data": entries, "meta": {"total": 300}})


async def test_a_member_listing_left_early_closes_the_page_reads_under_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = _closed_page_reads(monkeypatch)
    full = _members(*range(1001, 1101))  # page 1 of 3: more would follow
    app = ScriptedApp().on("GET", "/teams/7/members", full)
    groups = rest_groups(tmp_path, app)
    async with aclosing(groups.members("7")) as members:
        async for page in members:
            assert len(page) == 100
            break
    assert closed == ["/teams/7/members"]  # closed with its caller, not by the collector
    assert len(app.calls) == 1


async def test_a_membership_found_on_the_first_page_closes_the_page_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = _closed_page_reads(monkeypatch)
    app = ScriptedApp().on("GET", "/teams/7/members", _members(*range(1001, 1101)))
    groups = rest_groups(tmp_path, app)
    assert await groups.is_member("7", "1001")
    assert closed == ["/teams/7/members"]
    assert len(app.calls) == 1  # the answer was on page 1: nothing read past it
