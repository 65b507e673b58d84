"""Helpers of the telemetry tests: users put straight into the simulator, past its faults."""

from __future__ import annotations

from typing import Any

import httpx
from endpoint.harness import OKTA_TOKEN, Stack

from oktasim.simulator import NO_FAULTS_HEADER


def seed_user(running: Stack, login: str = "seeded@example.com", token: str = OKTA_TOKEN) -> str:
    """Create a user in the simulator directly (no fault drawn, no rate limit spent)."""
    profile = {"login": login, "email": login, "firstName": "Seed", "lastName": "User"}
    response = httpx.post(
        f"{running.okta_url}/api/v1/users",
        params={"activate": "true"},
        json={"profile": profile},
        headers={"Authorization": f"SSWS {token}", NO_FAULTS_HEADER: "1"},
    )
    assert response.status_code == 200, response.text
    user_id: str = response.json()["id"]
    return user_id


def statuses(running: Stack, since: int = 0) -> list[int]:
    """The simulator's answers to the calls it logged, from index `since` on."""
    return [status for _, _, status in running.calls()[since:]]


def calls_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    import json

    parsed: list[dict[str, Any]] = json.loads(record["target_call_list"])
    return parsed
