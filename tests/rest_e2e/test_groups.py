"""Entra's group sequences against the REST target and Ledgerline's teams, in both PATCH
dialects, with the teams and their members checked in the sandbox; and the calls per group
operation."""

from __future__ import annotations

import uuid

import httpx
import pytest
from endpoint.harness import BEARER, patch

from legacyapp import Sandbox

from .group_sequences import GROUP_SEQUENCES, AppGroup, GroupApp, new_group
from .harness import ledgerline_stack

MODES = [pytest.param(False, id="default"), pytest.param(True, id="aadOptscim062020")]


def teams(sandbox: Sandbox) -> GroupApp:
    def groups() -> list[AppGroup]:
        return [
            AppGroup(
                str(t["id"]),
                t["name"],
                t["external_ref"],
                frozenset(str(m) for m in sandbox.members(t["id"])),
            )
            for t in sandbox.teams()
        ]

    return GroupApp(groups, lambda: len(sandbox.accounts()))


@pytest.mark.parametrize("flag", MODES)
@pytest.mark.parametrize("name", list(GROUP_SEQUENCES))
async def test_group_sequence_against_ledgerline(name: str, flag: bool) -> None:
    with ledgerline_stack() as rest:
        async with httpx.AsyncClient(
            base_url=rest.tenant_url,
            headers={"Authorization": f"Bearer {BEARER}"},
            params={"aadOptscim062020": ""} if flag else None,
            timeout=60,
        ) as scim:
            assert rest.sandbox is not None
            await GROUP_SEQUENCES[name](scim, teams(rest.sandbox), flag)


def test_calls_per_group_operation() -> None:
    with ledgerline_stack() as rest, rest.client() as scim:
        probe = rest.calls_during(
            lambda: scim.get(
                "/Groups",
                params={
                    "filter": f'displayName eq "{uuid.uuid4()}"',
                    "excludedAttributes": "members",
                },
            )
        )
        assert [(m, p.split("?")[0]) for m, p, _ in probe] == [("GET", "/api/v2/teams")]
        created: dict[str, str] = {}
        create = rest.calls_during(
            lambda: created.update(scim.post("/Groups", json=new_group("Sales")).json())
        )
        assert create == [("POST", "/api/v2/teams", 201)]
        team = f"/api/v2/teams/{created['id']}"
        light = rest.calls_during(
            lambda: scim.get(f"/Groups/{created['id']}", params={"excludedAttributes": "members"})
        )
        assert light == [("GET", team, 200)]
        rename = patch({"op": "Replace", "path": "displayName", "value": "Sales EMEA"})
        renamed = rest.calls_during(lambda: scim.patch(f"/Groups/{created['id']}", json=rename))
        assert [(m, p) for m, p, _ in renamed] == [("GET", team), ("PATCH", team)]
        users = [
            scim.post(
                "/Users",
                json={
                    "userName": f"m{n}@example.com",
                    "name": {"givenName": "M", "familyName": str(n)},
                    "emails": [{"type": "work", "value": f"m{n}@example.com"}],
                },
            ).json()["id"]
            for n in range(25)
        ]
        add = patch({"op": "Add", "path": "members", "value": [{"value": u} for u in users]})
        added = rest.calls_during(lambda: scim.patch(f"/Groups/{created['id']}", json=add))
        # More than 20 members: the member list first, then batches of 20.
        assert [(m, p.split("?")[0]) for m, p, _ in added] == [
            ("GET", f"{team}/members"),
            ("POST", f"{team}/members"),
            ("POST", f"{team}/members"),
        ]
        one = patch({"op": "Remove", "path": "members", "value": [{"value": users[0]}]})
        removed = rest.calls_during(lambda: scim.patch(f"/Groups/{created['id']}", json=one))
        assert removed == [("DELETE", f"{team}/members/{users[0]}", 204)]
        deleted = rest.calls_during(lambda: scim.delete(f"/Groups/{created['id']}"))
        assert deleted == [("DELETE", team, 204)]
