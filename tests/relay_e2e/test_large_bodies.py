"""Large bodies through connector + relay: Okta list pages well above the relay's 64 kB control
channel limit come back through the rendezvous path, paged, and complete.

(1 MiB in both directions at the relay/agent level: tests/relay/test_agent_relay.py. A SCIM
request body cannot exceed 1 MiB, and no Okta-bound request the connector builds comes near it.)
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from endpoint.harness import OKTA_TOKEN, new_user

from oktasim.simulator import NO_FAULTS_HEADER

from .conftest import RelayStack, relay_stack

COUNT = 250


def _seed(rs: RelayStack, count: int) -> set[str]:
    """Users created straight in the application, as if they had been there before."""
    ids: set[str] = set()
    headers = {"Authorization": f"SSWS {OKTA_TOKEN}", NO_FAULTS_HEADER: "1"}
    with httpx.Client(base_url=rs.okta.okta_url, headers=headers, timeout=10) as okta:
        for i in range(count):
            login = f"seeded.user{i:04d}@example.com"
            profile = {
                "login": login,
                "email": login,
                "firstName": f"Seeded{i}",
                "lastName": "User",
                "displayName": f"Seeded User {i}",
            }
            response = okta.post(
                "/api/v1/users", params={"activate": "false"}, json={"profile": profile}
            )
            assert response.status_code == 200, response.text
            ids.add(response.json()["id"])
    rs.okta.sim.request_log.clear()
    return ids


async def test_large_paged_listing_through_the_relay() -> None:
    async with relay_stack() as rs:
        seeded = _seed(rs, COUNT)
        resources: list[dict[str, Any]] = []
        for start in (1, 201):
            page = await rs.scim.get("/Users", params={"startIndex": start, "count": 200})
            assert page.status_code == 200, page.text
            body = page.json()
            assert body["totalResults"] == COUNT
            assert body["startIndex"] == start
            resources += body["Resources"]
        assert len(resources) == COUNT
        assert {r["id"] for r in resources} == seeded
        assert len({r["userName"] for r in resources}) == COUNT
        # Okta's list was followed page by page (cursor), every page through the relay.
        listings = [t for m, t, _ in rs.okta.sim.request_log if m == "GET"]
        assert any("after=" in t for t in listings)
        assert len(rs.double.sender_requests) == len(rs.okta.sim.request_log)
        # Pages above 64 kB came back on rendezvous sockets, none on the control channel.
        big = [
            f
            for f in rs.double.frames
            if f.direction == "from_listener" and isinstance(f.data, bytes)
        ]
        assert any(f.channel == "rendezvous" and len(f.data) > 64 * 1024 for f in big)
        assert all(len(f.data) <= 64 * 1024 for f in big if f.channel == "control")
        assert rs.double.errors == []
        # The largest Okta page arrived whole: a JSON array of up to 200 users.
        largest = max((f.data for f in big if isinstance(f.data, bytes)), key=len)
        assert len(json.loads(largest)) == 200


async def test_large_create_body_through_the_relay() -> None:
    # Entra's creates are far below 64 kB, so the double's threshold is lowered: the request
    # body then travels on a rendezvous socket, and the user lands once.
    async with relay_stack() as rs:
        rs.double.rendezvous_threshold = 512
        created = await rs.scim.post(
            "/Users", json=new_user("big.body@example.com", displayName="D" * 1000)
        )
        assert created.status_code == 201, created.text
        assert created.json()["displayName"] == "D" * 1000
        [user] = rs.okta.sim.users()
        assert user["profile"]["displayName"] == "D" * 1000
        to_listener = [f for f in rs.double.frames if f.direction == "to_listener"]
        assert any(f.channel == "rendezvous" and isinstance(f.data, bytes) for f in to_listener)
