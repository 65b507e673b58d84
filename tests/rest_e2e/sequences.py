"""Entra's documented request sequences (entra-scim-client.md §1–§5), written once, replayed
against any target in either PATCH dialect; each one checks the application's own state.

A sequence takes an async SCIM client (the Tenant URL as base) and the application's view.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from endpoint.harness import ECMA, ENTERPRISE, LIST, new_user, patch

from .harness import App

Sequence = Callable[[httpx.AsyncClient, App, bool], Awaitable[None]]
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def _disable(flag: bool) -> dict[str, Any]:
    if flag:
        return {"op": "replace", "path": "active", "value": False}
    return {"op": "Replace", "path": "active", "value": "False"}


async def full_lifecycle(scim: httpx.AsyncClient, app: App, flag: bool) -> None:
    upn = "Test_User_00aa00aa@testuser.com"
    probe = await scim.get("/Users", params={"filter": f'userName eq "{uuid.uuid4()}"'})
    assert probe.status_code == 200
    assert probe.headers["content-type"].startswith("application/scim+json")
    assert probe.json() == {
        "schemas": [LIST],
        "totalResults": 0,
        "Resources": [],
        "startIndex": 1,
        "itemsPerPage": 0,
    }
    groups = await scim.get(
        "/Groups",
        params={"filter": f'displayName eq "{uuid.uuid4()}"', "excludedAttributes": "members"},
    )
    assert groups.status_code == 200
    assert groups.json()["totalResults"] == 0

    match = await scim.get("/Users", params={"filter": f'userName eq "{upn}"'})
    assert match.json()["totalResults"] == 0

    created = await scim.post("/Users", json=new_user(upn))
    assert created.status_code == 201, created.text
    body = created.json()
    user_id = body["id"]
    assert created.headers["location"].endswith(f"/Users/{user_id}")
    assert body["userName"] == upn
    assert body["active"] is True
    assert body["emails"] == [{"value": upn, "type": "work"}]
    assert app.user(upn).id == user_id

    again = await scim.get("/Users", params={"filter": f'userName eq "{upn.upper()}"'})
    assert [r["id"] for r in again.json()["Resources"]] == [user_id]
    assert (await scim.get(f"/Users/{user_id}")).json()["userName"] == upn

    changes: dict[str, Any] = {"name.givenName": "Kkom"}
    if "displayName" in app.stores:
        changes["displayName"] = "Bjfe"
    if "employeeNumber" in app.stores:
        changes[f"{ENTERPRISE}:employeeNumber"] = "42"
    email = {"path": 'emails[type eq "work"].value', "value": "new@x.com"}
    if flag:
        update = patch({"op": "replace", **email}, {"op": "replace", "value": changes})
    else:
        update = patch(
            {"op": "Replace", **email},
            *({"op": "Replace", "path": k, "value": v} for k, v in changes.items()),
        )
    updated = await scim.patch(f"/Users/{user_id}", json=update)
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["name"]["givenName"] == "Kkom"
    assert body["emails"] == [{"value": "new@x.com", "type": "work"}]
    stored = app.profile(app.user(upn))
    assert stored["email"] == "new@x.com"
    assert stored["firstName"] == "Kkom"
    if "displayName" in app.stores:
        assert body["displayName"] == "Bjfe"
        assert stored["displayName"] == "Bjfe"
    if "employeeNumber" in app.stores:
        assert body[ENTERPRISE]["employeeNumber"] == "42"
        assert str(stored["employeeNumber"]) == "42"

    off = await scim.patch(f"/Users/{user_id}", json=patch(_disable(flag)))
    assert off.status_code == 200, off.text
    assert off.json()["active"] is False
    assert app.user(upn).active is False
    assert (await scim.get(f"/Users/{user_id}")).json()["active"] is False
    found = (await scim.get("/Users", params={"filter": f'userName eq "{upn}"'})).json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["active"] is False

    enable = {"op": "Replace", "path": "active", "value": "True"}
    on = await scim.patch(f"/Users/{user_id}", json=patch(enable))
    assert on.status_code == 200, on.text
    assert on.json()["active"] is True
    assert app.user(upn).active is True

    assert (await scim.delete(f"/Users/{user_id}")).status_code == 204
    gone = await scim.get(f"/Users/{user_id}")
    assert gone.status_code == 404
    assert gone.json()["status"] == "404"
    assert gone.headers["content-type"].startswith("application/scim+json")
    assert (await scim.delete(f"/Users/{user_id}")).status_code == 404
    assert app.logins() == []


async def every_attribute_lands(scim: httpx.AsyncClient, app: App, flag: bool) -> None:
    optional: dict[str, Any] = {
        "displayName": {"displayName": "Carol"},
        "nickName": {"nickName": "Caz"},
        "title": {"title": "Engineer"},
        "userType": {"userType": "Employee"},
        "preferredLanguage": {"preferredLanguage": "en-US"},
        "phones": {
            "phoneNumbers": [
                {"type": "mobile", "value": "+1 555 0100"},
                {"type": "work", "value": "55555555555"},
            ]
        },
    }
    extra: dict[str, Any] = {}
    for feature, values in optional.items():
        if feature in app.stores:
            extra |= values
    enterprise = {
        key: value
        for feature, key, value in (
            ("employeeNumber", "employeeNumber", "10"),
            ("department", "department", "Dept"),
            ("manager", "manager", {"value": "manager-7"}),
        )
        if feature in app.stores
    }
    if enterprise:
        extra[ENTERPRISE] = enterprise
    body = new_user("carol@example.com", **extra)
    if "externalId" not in app.stores:
        del body["externalId"]
    created = await scim.post("/Users", json=body)
    assert created.status_code == 201, created.text
    echoed = created.json()
    for key in ("displayName", "nickName", "title", "userType", "preferredLanguage"):
        if key in body:
            assert echoed[key] == body[key]
    if "phones" in app.stores:
        assert echoed["phoneNumbers"] == [
            {"value": "+1 555 0100", "type": "mobile"},
            {"value": "55555555555", "type": "work"},
        ]
    if enterprise:
        assert echoed[ENTERPRISE] == enterprise
    stored = app.profile(app.user("carol@example.com"))
    expected = {"firstName": "carol", "lastName": "Tester", "email": "carol@example.com"}
    for feature, key, value in (
        ("displayName", "displayName", "Carol"),
        ("title", "title", "Engineer"),
        ("phones", "mobilePhone", "+1 555 0100"),
        ("phones", "primaryPhone", "55555555555"),
        ("department", "department", "Dept"),
        ("manager", "managerId", "manager-7"),
        ("externalId", "externalId", "carol"),
    ):
        if feature in app.stores:
            expected[key] = value
    assert {k: stored.get(k) for k in expected} == expected
    if "employeeNumber" in app.stores:
        assert str(stored["employeeNumber"]) == "10"
    # What Entra wrote is what it reads back, so it never re-sends unchanged values.
    read = (await scim.get(f"/Users/{echoed['id']}")).json()
    assert {k: read.get(k) for k in echoed if k != "meta"} == {
        k: v for k, v in echoed.items() if k != "meta"
    }


async def duplicate_user_name(scim: httpx.AsyncClient, app: App, flag: bool) -> None:
    assert (await scim.post("/Users", json=new_user("dup@example.com"))).status_code == 201
    again = await scim.post("/Users", json=new_user("DUP@example.com"))
    assert again.status_code == 409, again.text
    assert again.json()["scimType"] == "uniqueness"
    assert app.logins() == ["dup@example.com"]


async def unknown_ids(scim: httpx.AsyncClient, app: App, flag: bool) -> None:
    for user_id in ("999999", "not-a-real-id", "0"):
        for method in ("GET", "PATCH", "PUT", "DELETE"):
            body: dict[str, Any] | None = None
            if method == "PATCH":
                body = patch({"op": "replace", "path": "title", "value": "x"})
            if method == "PUT":
                body = new_user("nobody@example.com")
            response = await scim.request(method, f"/Users/{user_id}", json=body)
            assert response.status_code == 404, (method, user_id, response.text)
            assert response.json()["schemas"] == [ERROR]
    assert app.logins() == []


async def put_replaces(scim: httpx.AsyncClient, app: App, flag: bool) -> None:
    first = new_user("fay@example.com", title="Boss", name={"givenName": "Fay", "familyName": "A"})
    created = (await scim.post("/Users", json=first)).json()
    second = new_user("fay@example.com", name={"givenName": "Faye", "familyName": "A"})
    replaced = await scim.put(f"/Users/{created['id']}", json=second)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["name"]["givenName"] == "Faye"
    assert "title" not in replaced.json()
    stored = app.profile(app.user("fay@example.com"))
    assert stored["firstName"] == "Faye"
    if "title" in app.stores:
        assert stored.get("title") in (None, "")


async def put_without_active_keeps_the_state(scim: httpx.AsyncClient, app: App, flag: bool) -> None:
    """A PUT that leaves `active` out does not assert it (RFC 7644 §3.5.1): a disabled user
    stays disabled, an enabled one enabled; a PUT that sends it still sets it."""
    login = "kay@example.com"
    created = (await scim.post("/Users", json=new_user(login))).json()
    user_id = created["id"]
    assert (await scim.patch(f"/Users/{user_id}", json=patch(_disable(flag)))).status_code == 200
    unsaid = new_user(login, name={"givenName": "Kay", "familyName": "B"})
    del unsaid["active"]
    kept = await scim.put(f"/Users/{user_id}", json=unsaid)
    assert kept.status_code == 200, kept.text
    assert (kept.json()["name"]["givenName"], kept.json()["active"]) == ("Kay", False)
    assert app.user(login).active is False
    assert app.profile(app.user(login))["firstName"] == "Kay"
    on = await scim.put(f"/Users/{user_id}", json={**unsaid, "active": True})
    assert (on.status_code, on.json()["active"]) == (200, True), on.text
    assert app.user(login).active is True
    still = await scim.put(f"/Users/{user_id}", json=unsaid)
    assert (still.status_code, still.json()["active"]) == (200, True), still.text
    assert app.user(login).active is True
    off = await scim.put(f"/Users/{user_id}", json={**unsaid, "active": False})
    assert (off.status_code, off.json()["active"]) == (200, False), off.text
    assert app.user(login).active is False


async def filters_entra_uses(scim: httpx.AsyncClient, app: App, flag: bool) -> None:
    created = (await scim.post("/Users", json=new_user("gil@example.com"))).json()
    await scim.post("/Users", json=new_user("hal@example.com"))
    filters = [
        'emails[type eq "work"].value eq "GIL@example.com"',
        f'id eq "{created["id"]}"',
        'PLACEHOLDER eq "gil@example.com"',
        'userName eq "gil@example.com" and active eq true',
    ]
    if "externalId" in app.stores:
        filters.append('externalId eq "gil"')
    if "ecma2host" in app.stores:
        filters.append(f'{ECMA}:login eq "gil@example.com"')
    for text in filters:
        found = await scim.get("/Users", params={"filter": text})
        assert found.status_code == 200, (text, found.text)
        assert [r["id"] for r in found.json()["Resources"]] == [created["id"]], text
    nobody = await scim.get("/Users", params={"filter": f'userName eq "{uuid.uuid4()}"'})
    assert nobody.json()["totalResults"] == 0


async def paging_covers_everyone(scim: httpx.AsyncClient, app: App, flag: bool) -> None:
    logins = [f"p{n}@example.com" for n in range(7)]
    for login in logins:
        assert (await scim.post("/Users", json=new_user(login))).status_code == 201
    await scim.patch(
        f"/Users/{app.user(logins[3]).id}", json=patch(_disable(flag))
    )  # inactive users are listed too
    seen: list[str] = []
    start = 1
    while True:
        page = (await scim.get("/Users", params={"startIndex": start, "count": 3})).json()
        assert page["totalResults"] == 7
        assert page["startIndex"] == start
        seen += [r["userName"] for r in page["Resources"]]
        if not page["Resources"]:
            break
        start += page["itemsPerPage"]
    assert sorted(seen) == sorted(logins)


async def ecma2host_mapping(scim: httpx.AsyncClient, app: App, flag: bool) -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ECMA],
        "userName": "ivy@example.com",
        ECMA: {
            "login": "ivy@example.com",
            "firstName": "Ivy",
            "lastName": "Ecma",
            "email": "ivy@example.com",
            "status": "Active",
        },
    }
    created = await scim.post("/Users", json=body)
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    off = await scim.patch(
        f"/Users/{user_id}",
        json=patch({"op": "Replace", "path": f"{ECMA}:status", "value": "Inactive"}),
    )
    assert off.status_code == 200, off.text
    assert off.json()[ECMA]["status"] == "Inactive"
    assert app.user("ivy@example.com").active is False


# A sequence that needs more than the basics runs only against applications that keep it.
NEEDS = {"ecma2host_mapping": "ecma2host"}


def sequences_for(stores: frozenset[str]) -> list[str]:
    return [name for name in SEQUENCES if NEEDS.get(name, "") in stores | {""}]


SEQUENCES: dict[str, Sequence] = {
    "full_lifecycle": full_lifecycle,
    "every_attribute_lands": every_attribute_lands,
    "duplicate_user_name": duplicate_user_name,
    "unknown_ids": unknown_ids,
    "put_replaces": put_replaces,
    "put_without_active_keeps_the_state": put_without_active_keeps_the_state,
    "filters_entra_uses": filters_entra_uses,
    "paging_covers_everyone": paging_covers_everyone,
    "ecma2host_mapping": ecma2host_mapping,
}
