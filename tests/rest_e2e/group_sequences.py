"""Entra's group request sequences (entra-groups.md, entra-scim-client.md §4.5), written once,
replayed against any target with groups in either PATCH dialect; each checks the application's
own groups and memberships.

A sequence takes an async SCIM client, the application's group view, and the dialect flag.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from endpoint.harness import new_user, patch

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTRA_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"


@dataclass(frozen=True)
class AppGroup:
    id: str
    name: str
    external_id: str | None
    members: frozenset[str]


@dataclass
class GroupApp:
    """What a test reads of the application's groups (never through the connector)."""

    groups: Callable[[], list[AppGroup]]
    user_count: Callable[[], int]
    # False when the application keeps no externalId for groups.
    external_id: bool = True

    def group(self, name: str) -> AppGroup:
        found = [g for g in self.groups() if g.name.lower() == name.lower()]
        assert len(found) == 1, f"expected exactly one group {name}, found {len(found)}"
        return found[0]


GroupSequence = Callable[[httpx.AsyncClient, GroupApp, bool], Awaitable[None]]


def new_group(name: str, external_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """A create body shaped like Entra's."""
    return {
        "schemas": [GROUP, ENTRA_GROUP],
        "externalId": external_id or str(uuid.uuid4()),
        "displayName": name,
        "meta": {"resourceType": "Group"},
        "members": [],
        **extra,
    }


async def _users(scim: httpx.AsyncClient, count: int, prefix: str) -> list[str]:
    ids = []
    for n in range(count):
        created = await scim.post("/Users", json=new_user(f"{prefix}{n}@example.com"))
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return ids


def _members(ids: list[str]) -> list[dict[str, Any]]:
    return [{"value": i} for i in ids]


async def lifecycle(scim: httpx.AsyncClient, app: GroupApp, flag: bool) -> None:
    probe = await scim.get(
        "/Groups",
        params={"filter": f'displayName eq "{uuid.uuid4()}"', "excludedAttributes": "members"},
    )
    assert probe.status_code == 200
    assert probe.json()["schemas"] == [LIST]
    assert probe.json()["totalResults"] == 0

    match = await scim.get(
        "/Groups", params={"filter": 'displayName eq "Sales"', "excludedAttributes": "members"}
    )
    assert match.json()["totalResults"] == 0
    created = await scim.post("/Groups", json=new_group("Sales", "e0a1-sales"))
    assert created.status_code == 201, created.text
    body = created.json()
    group_id = body["id"]
    assert body["displayName"] == "Sales"
    assert body["members"] == []
    assert created.headers["location"].endswith(f"/Groups/{group_id}")
    assert app.group("Sales").id == group_id
    if app.external_id:
        assert body["externalId"] == "e0a1-sales"
        assert app.group("Sales").external_id == "e0a1-sales"

    for case in ("Sales", "sales", "SALES"):
        found = await scim.get(
            "/Groups",
            params={"filter": f'displayName eq "{case}"', "excludedAttributes": "members"},
        )
        resources = found.json()["Resources"]
        assert [r["id"] for r in resources] == [group_id], case
        assert "members" not in resources[0]
    if app.external_id:
        by_external = await scim.get("/Groups", params={"filter": 'externalId eq "e0a1-sales"'})
        assert [r["id"] for r in by_external.json()["Resources"]] == [group_id]

    users = await _users(scim, 4, "sales")
    op = "add" if flag else "Add"
    added = await scim.patch(
        f"/Groups/{group_id}",
        json=patch({"op": op, "path": "members", "value": _members(users[:3])}),
    )
    assert added.status_code == 204, added.text
    assert app.group("Sales").members == frozenset(users[:3])

    check = await scim.get(
        "/Groups",
        params={
            "filter": f'id eq "{group_id}" and members eq "{users[0]}"',
            "excludedAttributes": "members",
        },
    )
    assert [r["id"] for r in check.json()["Resources"]] == [group_id]
    other = await scim.get(
        "/Groups", params={"filter": f'members eq "{users[3]}" and id eq "{group_id}"'}
    )
    assert other.json()["totalResults"] == 0

    remove: dict[str, Any]
    if flag:
        remove = {"op": "remove", "path": f'members[value eq "{users[1]}"]'}
    else:
        remove = {"op": "Remove", "path": "members", "value": [{"value": users[1]}]}
    assert (await scim.patch(f"/Groups/{group_id}", json=patch(remove))).status_code == 204
    assert app.group("Sales").members == frozenset({users[0], users[2]})

    rename = (
        {"op": "replace", "value": {"displayName": "Sales EMEA"}}
        if flag
        else {"op": "Replace", "path": "displayName", "value": "Sales EMEA"}
    )
    assert (await scim.patch(f"/Groups/{group_id}", json=patch(rename))).status_code == 204
    assert app.group("Sales EMEA").members == frozenset({users[0], users[2]})

    full = (await scim.get(f"/Groups/{group_id}")).json()
    assert full["displayName"] == "Sales EMEA"
    assert sorted(m["value"] for m in full["members"]) == sorted([users[0], users[2]])
    light = (await scim.get(f"/Groups/{group_id}", params={"excludedAttributes": "members"})).json()
    assert "members" not in light

    assert (await scim.delete(f"/Groups/{group_id}")).status_code == 204
    assert (await scim.get(f"/Groups/{group_id}")).status_code == 404
    assert [g.name for g in app.groups() if g.id == group_id] == []
    assert app.user_count() == 4  # a group deleted with members: its users survive


async def many_members_in_one_patch(scim: httpx.AsyncClient, app: GroupApp, flag: bool) -> None:
    group_id = (await scim.post("/Groups", json=new_group("Fifty"))).json()["id"]
    users = await _users(scim, 50, "fifty")
    op = "add" if flag else "Add"
    answer = await scim.patch(
        f"/Groups/{group_id}", json=patch({"op": op, "path": "members", "value": _members(users)})
    )
    assert answer.status_code == 204, answer.text
    assert app.group("Fifty").members == frozenset(users)
    # Entra resends what it did not get a clear answer for: the same PATCH again is a success.
    again = await scim.patch(
        f"/Groups/{group_id}", json=patch({"op": op, "path": "members", "value": _members(users)})
    )
    assert again.status_code == 204
    assert app.group("Fifty").members == frozenset(users)
    removal = {"op": "Remove", "path": "members", "value": _members(users[:10])}
    for _ in range(2):  # removing members that are no longer there is a success too
        assert (await scim.patch(f"/Groups/{group_id}", json=patch(removal))).status_code == 204
    assert app.group("Fifty").members == frozenset(users[10:])
    everyone_out = {"op": "remove", "path": "members"}
    assert (await scim.patch(f"/Groups/{group_id}", json=patch(everyone_out))).status_code == 204
    assert app.group("Fifty").members == frozenset()


async def unknown_and_deleted_members(scim: httpx.AsyncClient, app: GroupApp, flag: bool) -> None:
    group_id = (await scim.post("/Groups", json=new_group("Mixed"))).json()["id"]
    users = await _users(scim, 3, "mixed")
    assert (await scim.delete(f"/Users/{users[2]}")).status_code == 204
    unknown = "no-such-user-1" if not users[0].isdigit() else "987654"
    value = _members([users[0], unknown, users[1], users[2]])
    answer = await scim.patch(
        f"/Groups/{group_id}", json=patch({"op": "add", "path": "members", "value": value})
    )
    assert answer.status_code == 400, answer.text
    detail = answer.json()["detail"]
    assert unknown in detail
    assert users[2] in detail
    # The other members of the same PATCH were still applied.
    assert app.group("Mixed").members == frozenset(users[:2])
    # A create naming a member that is not a user says so too, never a 201 that drops it; the
    # group holds the other members, and a resend without the unknown ones completes it.
    body = new_group("Mixed too", members=value)
    refused = await scim.post("/Groups", json=body)
    assert refused.status_code == 400, refused.text
    assert unknown in refused.json()["detail"]
    assert app.group("Mixed too").members == frozenset(users[:2])
    resent = await scim.post("/Groups", json={**body, "members": value[:1]})
    if app.external_id:  # the resend is known by its externalId
        assert resent.status_code == 201, resent.text
    else:
        assert resent.status_code == 409, resent.text


async def duplicate_name_and_put(scim: httpx.AsyncClient, app: GroupApp, flag: bool) -> None:
    first = await scim.post("/Groups", json=new_group("Ops", "ext-ops"))
    assert first.status_code == 201
    dup = await scim.post("/Groups", json=new_group("OPS", "ext-other"))
    assert dup.status_code == 409, dup.text
    assert dup.json()["scimType"] == "uniqueness"
    assert [g.name for g in app.groups() if g.name.lower() == "ops"] == ["Ops"]
    group_id = first.json()["id"]
    users = await _users(scim, 3, "ops")
    replaced = await scim.put(
        f"/Groups/{group_id}",
        json=new_group("Operations", "ext-ops", members=_members(users[1:])),
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["displayName"] == "Operations"
    assert sorted(m["value"] for m in replaced.json()["members"]) == sorted(users[1:])
    assert app.group("Operations").members == frozenset(users[1:])
    if app.external_id:
        external = (
            {"op": "replace", "value": {"externalId": "ext-ops-2"}}
            if flag
            else {"op": "Add", "path": "externalId", "value": "ext-ops-2"}
        )
        assert (await scim.patch(f"/Groups/{group_id}", json=patch(external))).status_code == 204
        assert app.group("Operations").external_id == "ext-ops-2"


async def listing_and_bad_requests(scim: httpx.AsyncClient, app: GroupApp, flag: bool) -> None:
    for n in range(5):
        assert (await scim.post("/Groups", json=new_group(f"Team {n}"))).status_code == 201
    seen: list[str] = []
    start = 1
    while True:
        page = (
            await scim.get(
                "/Groups",
                params={"startIndex": start, "count": 2, "excludedAttributes": "members"},
            )
        ).json()
        assert page["totalResults"] == 5
        if not page["Resources"]:
            break
        seen += [r["displayName"] for r in page["Resources"]]
        start += page["itemsPerPage"]
    assert sorted(seen) == [f"Team {n}" for n in range(5)]
    named = await scim.get(
        "/Groups", params={"filter": 'displayName eq "Team 1"', "attributes": "displayName"}
    )
    resource = named.json()["Resources"][0]
    assert set(resource) == {"id", "schemas", "displayName"}
    group_id = resource["id"]
    for bad, kind in (
        ({"op": "add", "path": "members", "value": [{"nope": "x"}]}, "invalidValue"),
        ({"op": "remove", "path": "displayName"}, "mutability"),
        ({"op": "add", "path": "owner", "value": "x"}, "invalidPath"),
    ):
        answer = await scim.patch(f"/Groups/{group_id}", json=patch(bad))
        assert answer.status_code == 400, (bad, answer.text)
        assert answer.json()["scimType"] == kind
    assert (
        await scim.get("/Groups", params={"filter": 'displayName co "Team"'})
    ).status_code == 400
    assert (await scim.get("/Groups/no-such-group-id")).status_code == 404


GROUP_SEQUENCES: dict[str, GroupSequence] = {
    "lifecycle": lifecycle,
    "many_members_in_one_patch": many_members_in_one_patch,
    "unknown_and_deleted_members": unknown_and_deleted_members,
    "duplicate_name_and_put": duplicate_name_and_put,
    "listing_and_bad_requests": listing_and_bad_requests,
}
