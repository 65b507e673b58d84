"""The relay drops the agent's control channel while a write is on its way to the application.

The application still applies the write, but its answer cannot come back: the connector sees a
relay 502 (no `Via`), and its retry policy must finish the SCIM operation without applying it
twice. The agent reconnects on its own.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from endpoint.harness import new_user, patch
from waits import eventually

from .conftest import RelayStack, relay_stack

UPN = "dropped.channel@example.com"


async def _drop_while_held(rs: RelayStack, call: asyncio.Task[httpx.Response]) -> httpx.Response:
    """Waits until the held request reaches the agent, drops the channel, then lets it go on."""
    async with asyncio.timeout(10):
        await rs.hook.arrived.wait()
    await rs.double.drop_listeners(1011)
    rs.hook.release.set()
    return await call


def _assert_success_or_retry_later(response: httpx.Response, success: int) -> bool:
    """True when the SCIM call succeeded; otherwise it must be a 503 with Retry-After."""
    if response.status_code == success:
        return True
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    return False


async def _reconnected(rs: RelayStack) -> None:
    await rs.double.wait_for_listeners(1)
    agent = rs.agent
    assert agent is not None
    await eventually(lambda: agent.health.connected)


async def test_create_in_flight_lands_once() -> None:
    async with relay_stack() as rs:
        rs.hook.hold("POST", "/api/v1/users")
        call = asyncio.create_task(rs.scim.post("/Users", json=new_user(UPN)))
        response = await _drop_while_held(rs, call)
        await _reconnected(rs)
        [user] = rs.okta.sim.users()
        assert user["profile"]["login"] == UPN
        if _assert_success_or_retry_later(response, 201):
            assert response.json()["id"] == user["id"]
        # The relay answered the dropped request itself (no listener left to answer).
        assert len(rs.double.sender_requests) > len(rs.okta.sim.request_log)
        creates = [
            s
            for m, t, s in rs.okta.sim.request_log
            if (m, t.split("?")[0]) == ("POST", "/api/v1/users")
        ]
        assert creates.count(200) == 1
        # Entra's retry after a 503, or a later match, finds the one user.
        found = await rs.scim.get("/Users", params={"filter": f'userName eq "{UPN}"'})
        assert [r["id"] for r in found.json()["Resources"]] == [user["id"]]


async def test_patch_in_flight_is_applied_and_answered() -> None:
    async with relay_stack() as rs:
        created = await rs.scim.post("/Users", json=new_user(UPN))
        user_id = created.json()["id"]
        path = f"/api/v1/users/{user_id}"
        rs.hook.hold("POST", path)
        call = asyncio.create_task(
            rs.scim.patch(
                f"/Users/{user_id}",
                json=patch({"op": "Replace", "path": "displayName", "value": "After Drop"}),
            )
        )
        response = await _drop_while_held(rs, call)
        await _reconnected(rs)
        if _assert_success_or_retry_later(response, 200):
            assert response.json()["displayName"] == "After Drop"
        [user] = rs.okta.sim.users()
        assert user["profile"]["displayName"] == "After Drop"


async def test_soft_delete_in_flight_lands_once() -> None:
    async with relay_stack() as rs:
        created = await rs.scim.post("/Users", json=new_user(UPN))
        user_id = created.json()["id"]
        path = f"/api/v1/users/{user_id}/lifecycle/deactivate"
        rs.hook.hold("POST", path)
        call = asyncio.create_task(
            rs.scim.patch(
                f"/Users/{user_id}",
                json=patch({"op": "Replace", "path": "active", "value": "False"}),
            )
        )
        response = await _drop_while_held(rs, call)
        await _reconnected(rs)
        if _assert_success_or_retry_later(response, 200):
            assert response.json()["active"] is False
        [user] = rs.okta.sim.users()
        assert user["status"] == "DEPROVISIONED"


@pytest.mark.parametrize("active", [True, False], ids=["active", "deprovisioned"])
async def test_delete_in_flight_removes_the_user_once(active: bool) -> None:
    async with relay_stack() as rs:
        created = await rs.scim.post("/Users", json=new_user(UPN, active=active))
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]
        path = f"/api/v1/users/{user_id}"
        rs.hook.hold("DELETE", path)
        call = asyncio.create_task(rs.scim.delete(f"/Users/{user_id}"))
        response = await _drop_while_held(rs, call)
        await _reconnected(rs)
        if _assert_success_or_retry_later(response, 204):
            assert rs.okta.sim.users() == []
        # Whatever the first answer, a later delete or read agrees: the user is gone for good.
        again = await rs.scim.delete(f"/Users/{user_id}")
        assert again.status_code in {204, 404}
        assert rs.okta.sim.users() == []
        assert (await rs.scim.get(f"/Users/{user_id}")).status_code == 404


async def test_read_in_flight_is_retried() -> None:
    async with relay_stack() as rs:
        created = await rs.scim.post("/Users", json=new_user(UPN))
        user_id = created.json()["id"]
        path = f"/api/v1/users/{user_id}"
        rs.hook.hold("GET", path)
        call = asyncio.create_task(rs.scim.get(f"/Users/{user_id}"))
        response = await _drop_while_held(rs, call)
        assert response.status_code == 200, response.text
        assert response.json()["userName"] == UPN
        reads = [c for c in rs.okta.sim.request_log if c[:2] == ("GET", path)]
        assert len(reads) == 2  # the held one (answer lost) and the retry
