"""Rate limits of the groups and schema endpoints: their own buckets with the token's share (by
default half) of the Workforce limits of Okta's "Management rate limits" table, the per-minute
override, and the concurrency limit."""

from __future__ import annotations

import httpx
from oktasim_harness import NO_FAULTS, error_code, serving


def _limit(response: httpx.Response) -> int:
    return int(response.headers["X-Rate-Limit-Limit"])


def _remaining(response: httpx.Response) -> int:
    return int(response.headers["X-Rate-Limit-Remaining"])


def test_default_limits_per_endpoint_are_the_tokens_half_of_workforce() -> None:
    with serving() as okta:
        user = okta.create()["id"]
        group = okta.create_group("Sales")["id"]
        client = okta.client
        members = f"/api/v1/groups/{group}/users"
        assert _limit(client.get("/api/v1/groups")) == 250
        assert _limit(client.post("/api/v1/groups", json={"profile": {"name": "Ops"}})) == 250
        assert _limit(client.get(f"/api/v1/groups/{group}")) == 500
        assert _limit(client.put(f"/api/v1/groups/{group}", json={"profile": {"name": "S"}})) == 500
        assert _limit(client.get(members)) == 250
        assert _limit(client.put(f"{members}/{user}", content=b"")) == 250
        assert _limit(client.delete(f"{members}/{user}")) == 250
        assert _limit(client.get(f"/api/v1/users/{user}/groups")) == 600
        assert _limit(client.get("/api/v1/meta/schemas/group/default")) == 600
        assert _limit(client.get("/api/v1/meta/schemas/user/default")) == 600
        assert _limit(client.delete(f"/api/v1/groups/{group}")) == 500
        # The users' buckets are unchanged.
        assert _limit(client.get("/api/v1/users")) == 300


def test_groups_buckets_are_separate_from_users_and_from_each_other() -> None:
    with serving(rate_limit_per_minute=2) as okta:
        group = okta.create_group("Sales")["id"]
        assert [_remaining(okta.client.get("/api/v1/groups")) for _ in range(2)] == [1, 0]
        limited = okta.client.get("/api/v1/groups")
        assert (limited.status_code, error_code(limited)) == (429, "E0000047")
        assert (_limit(limited), _remaining(limited)) == (2, 0)
        assert "X-Rate-Limit-Reset" in limited.headers
        assert okta.client.get(f"/api/v1/groups/{group}").status_code == 200
        assert okta.client.get("/api/v1/users").status_code == 200
        assert okta.client.get("/api/v1/groups", headers=NO_FAULTS).status_code == 200


def test_the_concurrency_limit_covers_groups() -> None:
    with serving(concurrency_limit=1) as okta:
        gate = okta.sim._counters.gate  # a request held in flight, without racing real ones
        assert gate.enter()
        try:
            busy = okta.client.get("/api/v1/groups")
            assert (busy.status_code, error_code(busy)) == (429, "E0000047")
            assert (_limit(busy), _remaining(busy)) == (0, 0)
        finally:
            gate.leave()
        assert okta.client.get("/api/v1/groups").status_code == 200


def test_faults_apply_to_groups_and_leave_them_unchanged() -> None:
    with serving(error_rate=1.0) as okta:
        response = okta.client.post("/api/v1/groups", json={"profile": {"name": "Sales"}})
        assert response.status_code in (500, 502, 503)
        assert [group["profile"]["name"] for group in okta.sim.groups()] == ["Everyone"]
