"""connector/targets/rest/groups.py against a scripted Ledgerline: a create whose answer was lost
keeps only a group that is the same Entra group."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rest_units.helpers import (
    API_KEY,
    ScriptedApp,
    ledgerline_error,
    lost,
    reply,
    write_description,
)

from connector.secrets import EnvSecretStore
from connector.settings import Settings
from connector.targets.context import TargetContext
from connector.targets.errors import NameConflictError
from connector.targets.rest import build
from connector.targets.rest.groups import RestGroups
from connector.targets.rest.loading import load_description
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


def _groups(tmp_path: Path, app: ScriptedApp) -> RestGroups:
    path = write_description(tmp_path)
    description, marks = load_description(path)
    context = TargetContext(
        settings=Settings.from_env({}),
        secrets=EnvSecretStore({"LEDGERLINE_API_KEY": API_KEY}),
        transport=app.transport,
    )
    groups = build(description, context, path, marks).groups
    assert isinstance(groups, RestGroups)
    return groups


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
        group = await _groups(tmp_path, app).create("Sales", "e-sales")
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
        await _groups(tmp_path, app).create("Sales", "e-sales")
    assert ("POST", "/teams") in app.requests()
