"""Entra's lifecycle of one user through the relay: each write lands exactly once."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from endpoint.harness import LIST, new_user, patch

from .conftest import relay_stack

FLAG = "aadOptscim062020"


@pytest.mark.parametrize("flag", [False, True], ids=["default", FLAG])
async def test_create_patch_soft_delete_delete_land_exactly_once(flag: bool) -> None:
    upn = "legacy.user@example.com"
    async with relay_stack() as rs:
        scim = rs.scim
        params = {FLAG: ""} if flag else None

        probe = await scim.get("/Users", params={"filter": f'userName eq "{uuid.uuid4()}"'})
        assert probe.status_code == 200, probe.text
        assert probe.headers["content-type"].startswith("application/scim+json")
        assert probe.json()["schemas"] == [LIST]
        assert probe.json()["totalResults"] == 0

        created = await scim.post("/Users", json=new_user(upn), params=params)
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]
        assert created.headers["location"].endswith(f"/Users/{user_id}")
        assert created.json()["userName"] == upn
        [okta_user] = rs.okta.sim.users()
        assert okta_user["id"] == user_id
        assert okta_user["profile"]["login"] == upn

        found = await scim.get("/Users", params={"filter": f'userName eq "{upn.upper()}"'})
        assert [r["id"] for r in found.json()["Resources"]] == [user_id]

        changed = await scim.patch(
            f"/Users/{user_id}",
            params=params,
            json=patch(
                {"op": "Replace", "path": "displayName", "value": "Legacy User"},
                {"op": "Replace", "path": "name.givenName", "value": "Leg"},
            ),
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["displayName"] == "Legacy User"
        assert rs.okta.okta_user(upn)["profile"]["displayName"] == "Legacy User"
        assert rs.okta.okta_user(upn)["profile"]["firstName"] == "Leg"

        value: object = False if flag else "False"
        off = await scim.patch(
            f"/Users/{user_id}",
            params=params,
            json=patch({"op": "replace", "path": "active", "value": value}),
        )
        assert off.status_code == 200, off.text
        assert off.json()["active"] is False
        assert rs.okta.okta_user(upn)["status"] == "DEPROVISIONED"
        read = await scim.get(f"/Users/{user_id}")
        assert read.status_code == 200
        assert read.json()["active"] is False

        deleted = await scim.delete(f"/Users/{user_id}")
        assert deleted.status_code == 204
        gone = await scim.get(f"/Users/{user_id}")
        assert gone.status_code == 404
        assert gone.json()["status"] == "404"
        assert rs.okta.sim.users() == []

        writes = [(m, t.split("?")[0], s) for m, t, s in rs.okta_writes()]
        user = f"/api/v1/users/{user_id}"
        assert writes == [
            ("POST", "/api/v1/users", 200),
            ("POST", user, 200),
            ("POST", f"{user}/lifecycle/deactivate", 200),
            # Deprovisioned already: the first DELETE removes the user, the second finds none.
            ("DELETE", user, 204),
            ("DELETE", user, 404),
        ]
        # Every call went through the relay, and the listener answered each one.
        assert len(rs.double.sender_requests) == len(rs.okta.sim.request_log)
        assert rs.double.errors == []


async def test_concurrent_creates_each_land_once() -> None:
    # Entra provisions in parallel: the connector keeps several calls in flight through one
    # control channel, and the agent answers them in any order.
    logins = [f"parallel{i:02d}@example.com" for i in range(20)]
    async with (
        relay_stack() as rs,
        # At most 5 connections to the connector: `serve` listens with socketserver's default
        # backlog of 5, and a burst of 20 new connections gets some of them reset (seen without
        # the relay too).
        httpx.AsyncClient(
            base_url=rs.okta.tenant_url,
            headers=rs.scim.headers,
            limits=httpx.Limits(max_connections=5),
            timeout=30,
        ) as scim,
    ):
        responses = await asyncio.gather(
            *(scim.post("/Users", json=new_user(login)) for login in logins)
        )
        assert [r.status_code for r in responses] == [201] * len(logins)
        users = {u["profile"]["login"]: u["id"] for u in rs.okta.sim.users()}
        assert sorted(users) == logins
        assert {r.json()["userName"]: r.json()["id"] for r in responses} == users
        creates = [t for m, t, _ in rs.okta_writes() if m == "POST"]
        assert len(creates) == len(logins)
        assert rs.double.errors == []
