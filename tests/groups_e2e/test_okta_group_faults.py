"""Membership PATCHes against a rate-limited, failing Okta: every SCIM answer is a success or a
429/503 with Retry-After, the client resends as Entra does, and afterwards the group holds exactly
the intended members, each once, none lost.

The simulator limits every bucket to a few calls per short window, refuses calls past a
concurrency limit, answers some calls 500/502/503, lets some hang past the request budget, and
applies some but drops their answer (seeded). The request budget is short, so large PATCHes run
out of it and are resent: a resent PATCH of more than LIST_FIRST_ABOVE changes lists the
members first and does only the rest.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from endpoint.harness import BEARER, OKTA_TOKEN, Stack, okta_options, patch, stack
from entra_like import resent

from connector.group_service import LIST_FIRST_ABOVE
from oktasim import Simulator

BUDGET_SECONDS = 2.0
HANG_SECONDS = 4.0  # a hung Okta call outlives the request budget
ENTRA_ATTEMPTS = 40
# Entra waits Retry-After (or its own back-off, about 40 minutes between cycles); compressed.
LONGEST_WAIT = 0.5
OPTIONS = okta_options(
    rate_limit_per_minute=40,  # per bucket and window
    rate_limit_window_s=2.0,
    concurrency_limit=6,
    error_rate=0.05,
    timeout_rate=0.01,
    drop_rate=0.05,
    hang_s=HANG_SECONDS,
    seed=20260517,
)


def _users(sim: Simulator, count: int) -> list[str]:
    """Users made by an Okta admin (never faulted): the PATCHes are what is under test."""
    ids = []
    with httpx.Client(
        base_url=sim.org_url,
        headers={"Authorization": f"SSWS {OKTA_TOKEN}", "X-Oktasim-No-Faults": "1"},
    ) as admin:
        for n in range(count):
            login = f"f{n}@example.com"
            profile = {"login": login, "email": login, "firstName": "F", "lastName": "T"}
            made = admin.post(
                "/api/v1/users", params={"activate": "false"}, json={"profile": profile}
            )
            assert made.status_code == 200, made.text
            ids.append(made.json()["id"])
        group = admin.post("/api/v1/groups", json={"profile": {"name": "Faulty"}})
        assert group.status_code == 200, group.text
        ids.append(group.json()["id"])
    return ids


async def _entra(
    scim: httpx.AsyncClient, group_id: str, body: dict[str, Any], answers: Counter[str]
) -> None:
    """One PATCH, resent after each 429/503 as Entra does, until it succeeds."""
    response = await resent(
        lambda: scim.patch(f"/Groups/{group_id}", json=body),
        attempts=ENTRA_ATTEMPTS,
        longest=LONGEST_WAIT,
        seen=lambda answer: answers.update([str(answer.status_code)]),
    )
    assert response.status_code == 204, response.text


def _members(op: str, ids: list[str]) -> dict[str, Any]:
    return patch({"op": op, "path": "members", "value": [{"value": i} for i in ids]})


async def _run(okta: Stack, users: list[str], group_id: str) -> Counter[str]:
    answers: Counter[str] = Counter()
    async with httpx.AsyncClient(
        base_url=okta.tenant_url, headers={"Authorization": f"Bearer {BEARER}"}, timeout=60
    ) as scim:
        await _entra(scim, group_id, _members("Add", users[:70]), answers)
        await _entra(scim, group_id, _members("Remove", users[:20]), answers)
        for user in users[20:25]:  # the flag's removal, one member per operation
            body = patch({"op": "remove", "path": f'members[value eq "{user}"]'})
            await _entra(scim, group_id, body, answers)
        readd = users[10:20] + users[70:]
        # Large enough to be listed first: a small PATCH is resent whole, each add once more.
        assert len(readd) > LIST_FIRST_ABOVE
        await _entra(scim, group_id, _members("add", readd), answers)
    return answers


def test_membership_patches_survive_faults_without_losing_or_doubling_members() -> None:
    with stack(OPTIONS, REQUEST_BUDGET_SECONDS=str(BUDGET_SECONDS), LOG_LEVEL="WARNING") as okta:
        *users, group_id = _users(okta.sim, 82)
        answers = asyncio.run(_run(okta, users, group_id))
        members = okta.sim.group_members(group_id)
        log = Counter(status for _, _, status in okta.sim.request_log)
        puts = sum(1 for method, path, _ in okta.sim.request_log if method == "PUT")
    expected = set(users[10:20]) | set(users[25:])
    assert len(members) == len(set(members))  # each member once
    assert set(members) == expected  # none lost, none left over
    # The faults really happened, and were survived: the rate limit ran requests out of their
    # budget (SCIM 429, resent), Okta failed, hung and dropped calls.
    assert answers["204"] == 8, answers  # every PATCH applied in the end
    assert answers["429"] > 0, answers
    assert log[500] + log[502] + log[503] > 0, log
    assert log[0] > 0, log  # hung or dropped: no answer sent
    # A resent PATCH did only what was left: 92 adds asked for in all, plus the calls Okta
    # failed or whose answers were lost (each one resent), not the whole list once per resend.
    assert 92 <= puts <= 92 + log[0] + log[500] + log[502] + log[503], (puts, log)
