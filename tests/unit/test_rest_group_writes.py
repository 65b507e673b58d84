"""connector/targets/rest/groups.py against a scripted Ledgerline: a create whose answer was lost
keeps only a group that is the same Entra group, member removals from a group that is gone say
so, a batch of members refused for the connector's rights is not taken for unknown users, the
first failure of one member per call stops the calls not yet sent, refused members cost one
read of the group per request, however many there are, and a change naming only ids the
application cannot hold (so sending no call) still tells a group that is gone."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from rest_units.helpers import (
    ScriptedApp,
    ledgerline_error,
    lost,
    reply,
    rest_groups,
)

from connector.targets.errors import (
    GroupNotFoundError,
    NameConflictError,
    RejectedError,
    UnavailableError,
)
from connector.targets.rest.groups import MEMBER_CONCURRENCY
from connector.transport import backoff as backoff_module
from connector.transport.budget import request_budget


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Waits before a resend kept short: what is tested is which calls are made."""
    monkeypatch.setattr(backoff_module, "BASE_SECONDS", 0.001)
    monkeypatch.setattr(backoff_module, "CAP_SECONDS", 0.005)


def _team(team_id: int, name: str, external_ref: str | None) -> dict[str, Any]:
    return {
        "id": team_id,
        "name": name,
        "external_ref": external_ref,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }


def _listing(*teams: dict[str, Any]) -> Any:
    return reply(200, {"data": list(teams), "meta": {"total": len(teams)}})


async def test_a_lost_create_is_the_group_that_landed_when_it_has_this_external_id(
    tmp_path: Path,
) -> None:
    app = (
        ScriptedApp()
        .on("POST", "/teams", lost)
        .on("GET", "/teams", _listing(_team(7, "Sales", "e-sales")))
    )
    with request_budget(10.0):
        group = await rest_groups(tmp_path, app).create("Sales", "e-sales")
    assert (group.id, group.external_id) == ("7", "e-sales")


async def test_a_lost_create_never_takes_another_groups_name_for_its_own(tmp_path: Path) -> None:
    """The name is held by another Entra group (another externalId): the lost create was
    refused for the taken name, and the group found is not this one."""
    app = (
        ScriptedApp()
        .on("POST", "/teams", lost, ledgerline_error(409, "conflict", "team name taken"))
        .on("GET", "/teams", _listing(_team(7, "Sales", "e-other")))
    )
    with request_budget(10.0), pytest.raises(NameConflictError):
        await rest_groups(tmp_path, app).create("Sales", "e-sales")
    assert ("POST", "/teams") in app.requests()


async def test_removing_members_of_a_group_that_is_gone_is_not_found(tmp_path: Path) -> None:
    app = (
        ScriptedApp()
        .on("DELETE", "/teams/7/members/1001", ledgerline_error(404, "not_found", "no team 7"))
        .on("DELETE", "/teams/7/members/1002", ledgerline_error(404, "not_found", "no team 7"))
        .on("GET", "/teams/7", ledgerline_error(404, "not_found", "no team with id 7"))
    )
    with request_budget(10.0), pytest.raises(GroupNotFoundError):
        await rest_groups(tmp_path, app).remove_members("7", ["1001", "1002"])
    assert app.requests().count(("GET", "/teams/7")) == 1  # one check, not one per member


async def test_removing_members_that_are_not_there_is_a_success_without_a_check(
    tmp_path: Path,
) -> None:
    gone = ledgerline_error(404, "not_a_member", "account 1001 is not a member of team 7")
    app = ScriptedApp().on("DELETE", "/teams/7/members/1001", gone)
    with request_budget(10.0):
        await rest_groups(tmp_path, app).remove_members("7", ["1001"])
    assert app.requests() == [("DELETE", "/teams/7/members/1001")]


async def test_a_plain_not_found_for_a_removal_checks_the_group_once(tmp_path: Path) -> None:
    """An application that answers a non-member's removal with a bare 404 (no rule tells it
    from a missing group): the group is read once, and exists, so the removal is done."""
    bare = reply(404, {"error": {"message": "not found"}})
    app = (
        ScriptedApp()
        .on("DELETE", "/teams/7/members/1001", bare)
        .on("DELETE", "/teams/7/members/1002", bare)
        .on("GET", "/teams/7", reply(200, {"data": _team(7, "Sales", "e-sales")}))
    )
    with request_budget(10.0):
        await rest_groups(tmp_path, app).remove_members("7", ["1001", "1002"])
    assert app.requests().count(("GET", "/teams/7")) == 1


async def test_a_batch_refused_for_the_connectors_rights_is_said_so_in_one_call(
    tmp_path: Path,
) -> None:
    """A 403 no rule explains is the connector's account lacking rights (as for one member per
    call): never split into one call per member, never reported as members that are no users."""
    forbidden = reply(403, {"error": {"message": "this key may not change teams"}})
    app = ScriptedApp().on("POST", "/teams/7/members", forbidden)
    with request_budget(10.0), pytest.raises(UnavailableError, match="refused the connector"):
        await rest_groups(tmp_path, app).add_members("7", [str(1001 + n) for n in range(20)])
    assert app.requests() == [("POST", "/teams/7/members")]


async def test_the_first_failure_stops_further_member_calls(tmp_path: Path) -> None:
    """One member per call: a refusal that fails the request stops the calls not yet sent
    (those in flight finish), as for Okta; none goes on after the answer."""
    ids = [str(1001 + n) for n in range(12)]
    app = ScriptedApp().on("DELETE", "/teams/7/members/1001", reply(400, {"message": "bad"}))
    for user in ids[1:]:
        app.on("DELETE", f"/teams/7/members/{user}", reply(204))
    with request_budget(10.0), pytest.raises(RejectedError):
        await rest_groups(tmp_path, app).remove_members("7", ids)
    # Whatever was left running is let finish before counting.
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    await asyncio.gather(*others, return_exceptions=True)
    assert len(app.calls) <= MEMBER_CONCURRENCY


# -- refused members: one read of the group per request ------------------------------------------


def _one_per_call(data: dict[str, Any]) -> None:
    data["groups"]["members"]["add"] = {"method": "PUT", "path": "/teams/{id}/members/{member}"}


def _team_7() -> Any:
    return reply(200, {"data": _team(7, "Sales", "e-sales")})


async def test_members_refused_one_per_call_read_the_group_once(tmp_path: Path) -> None:
    """Each refusal may be a group that is gone: the first one reads the group, and that read
    answers for every other member of the request."""
    ids = [str(1001 + n) for n in range(8)]
    app = ScriptedApp().on("GET", "/teams/7", _team_7())
    for n, user in enumerate(ids):
        unknown = ledgerline_error(422, "invalid", f"no account with id {user}")
        app.on("PUT", f"/teams/7/members/{user}", unknown if n % 2 else reply(204))
    with request_budget(10.0):
        refused = await rest_groups(tmp_path, app, _one_per_call).add_members("7", ids)
    assert sorted(refused) == ids[1::2]
    assert app.requests().count(("GET", "/teams/7")) == 1  # not one per refused member (4)


async def test_members_one_per_call_to_a_group_that_is_gone_read_it_once(tmp_path: Path) -> None:
    ids = [str(1001 + n) for n in range(8)]
    app = ScriptedApp().on("GET", "/teams/7", ledgerline_error(404, "not_found", "no team 7"))
    for user in ids:
        app.on("PUT", f"/teams/7/members/{user}", ledgerline_error(404, "not_found", "no team"))
    with request_budget(10.0), pytest.raises(GroupNotFoundError):
        await rest_groups(tmp_path, app, _one_per_call).add_members("7", ids)
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    await asyncio.gather(*others, return_exceptions=True)
    assert app.requests().count(("GET", "/teams/7")) == 1
    # The read that found the group gone stopped the member calls not yet sent.
    assert len(app.calls) <= MEMBER_CONCURRENCY + 1


def _batch_refusing(unknown: set[int]) -> Any:
    """A batch add answered 404 whole when it holds an account the application lacks (some
    applications say not found for a missing member as for a missing group)."""

    def answer(request: httpx.Request) -> httpx.Response:
        sent = set(json.loads(request.content)["data"]["account_ids"])
        if sent & unknown:
            return httpx.Response(404, json={"error": {"code": "not_found", "message": "no"}})
        return httpx.Response(200, json={"data": {"added": sorted(sent)}})

    return answer


async def test_a_batch_split_reads_the_group_once(tmp_path: Path) -> None:
    """A batch refused whole is split until the refused ids are found: every refused part may
    be a group that is gone, and one read of the group answers for all of them."""
    ids = [str(1001 + n) for n in range(40)]
    app = (
        ScriptedApp()
        .on("POST", "/teams/7/members", _batch_refusing({1003, 1017, 1031}))
        .on("GET", "/teams/7", _team_7())
    )
    with request_budget(10.0):
        refused = await rest_groups(tmp_path, app).add_members("7", ids)
    assert refused == ["1003", "1017", "1031"]
    assert app.requests().count(("GET", "/teams/7")) == 1  # not one per refused part (14)


# -- ids the application cannot hold: no member call, so a read tells a group that is gone -------


def _integer_removals(data: dict[str, Any]) -> None:
    data["groups"]["members"]["remove"]["idType"] = "integer"


async def test_adding_only_ids_the_application_cannot_hold_reads_the_group(
    tmp_path: Path,
) -> None:
    """Ledgerline's account ids are integers: an id that is not one is no user of it, with no
    call to send; whether the group is there is then only known by reading it."""
    gone = ledgerline_error(404, "not_found", "no team with id 7")
    app = ScriptedApp().on("GET", "/teams/7", gone)
    with request_budget(10.0), pytest.raises(GroupNotFoundError):
        await rest_groups(tmp_path, app).add_members("7", ["not-a-number"])
    there = ScriptedApp().on("GET", "/teams/7", _team_7())
    with request_budget(10.0):
        assert await rest_groups(tmp_path, there).add_members("7", ["not-a-number"]) == [
            "not-a-number"
        ]
    assert there.requests() == [("GET", "/teams/7")]


async def test_removing_only_ids_the_application_cannot_hold_reads_the_group(
    tmp_path: Path,
) -> None:
    gone = ledgerline_error(404, "not_found", "no team with id 7")
    app = ScriptedApp().on("GET", "/teams/7", gone)
    groups = rest_groups(tmp_path, app, _integer_removals)
    with request_budget(10.0), pytest.raises(GroupNotFoundError):
        await groups.remove_members("7", ["not-a-number"])
    assert app.requests() == [("GET", "/teams/7")]
