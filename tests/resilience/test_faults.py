"""Entra-like operations, concurrently, through the connector against a faulty, rate-limited
Okta: afterwards Okta holds exactly the intended users, and every SCIM answer was a success or a
429/503 with Retry-After.

The simulator limits every bucket, refuses calls past a concurrency limit, answers ~6% of calls
with 500/502/503, lets ~2% hang longer than the request budget, and applies ~4% of calls but
drops their answer (seeded, so a failure replays). Users run concurrently; each user's
operations run in order, as Entra serialises the operations of one object. A 429/503 is retried
(bounded) the way Entra does: a failed create is retried as "query userName, then create only if
absent"; a delete retried after a 503 may find the user already gone (404).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from endpoint.harness import BEARER, OKTA_TOKEN, Stack, new_user, patch, stack
from entra_like import resent, wait_as_entra

from oktasim import SimulatorOptions

SEED = 20260401
USERS = 48  # x 2-4 SCIM operations each, ~150 in all
BUDGET_SECONDS = 2.5
HANG_SECONDS = 6.0  # a hung Okta call outlives the request budget
ENTRA_ATTEMPTS = 8
LONGEST_WAIT = 1.5  # Entra's own wait after a 429/503, cut short
OPTIONS = SimulatorOptions(
    token=OKTA_TOKEN,
    rate_limit_per_minute=60,  # per bucket and window
    rate_limit_window_s=3.0,
    concurrency_limit=12,
    latency_ms=40,
    error_rate=0.06,
    timeout_rate=0.02,
    drop_rate=0.04,
    hang_s=HANG_SECONDS,
    seed=SEED,
    # Faults, not lag: Okta's activation lag runs on the real clock, and against the 2.5 s
    # budget it would make the number of resends depend on the machine's speed (the lag has
    # its own tests: test_okta_as_shipped.py, tests/oktasim).
    search_lag_ms=0.0,
    activation_ms=0.0,
)
SUCCESS = {200, 201, 204}


@dataclass
class Intended:
    login: str
    exists: bool = True
    active: bool = True
    profile: dict[str, str] = field(default_factory=dict)


@dataclass
class Record:
    answers: list[tuple[str, int, str | None]] = field(default_factory=list)

    def add(self, what: str, response: httpx.Response) -> None:
        self.answers.append((what, response.status_code, response.headers.get("retry-after")))


@pytest.fixture
def faulty() -> Iterator[Stack]:
    with stack(
        OPTIONS,
        REQUEST_BUDGET_SECONDS=str(BUDGET_SECONDS),
        OKTA_MAX_CONCURRENCY="16",  # more than Okta allows here: concurrency 429s happen
        LOG_LEVEL="WARNING",
    ) as running:
        yield running


async def entra(
    record: Record, what: str, call: Callable[[], Awaitable[httpx.Response]]
) -> httpx.Response:
    """One operation, resent on 429/503 like Entra (its 40-minute wait shortened)."""
    return await resent(
        call,
        attempts=ENTRA_ATTEMPTS,
        longest=LONGEST_WAIT,
        seen=lambda response: record.add(what, response),
    )


async def create(scim: httpx.AsyncClient, record: Record, login: str, **extra: Any) -> str:
    """Entra's create: match by userName first (also after a failed try), create if absent."""
    body = new_user(login, **extra)
    for _ in range(ENTRA_ATTEMPTS):
        found = await entra(
            record,
            "match",
            lambda: scim.get("/Users", params={"filter": f'userName eq "{login}"'}),
        )
        assert found.status_code == 200, found.text
        resources = found.json()["Resources"]
        if resources:
            assert len(resources) == 1
            return str(resources[0]["id"])
        created = await scim.post("/Users", json=body)
        record.add("create", created)
        if created.status_code == 201:
            return str(created.json()["id"])
        await wait_as_entra(created, LONGEST_WAIT)
    raise AssertionError(f"create {login} never succeeded")


async def update(scim: httpx.AsyncClient, record: Record, user_id: str, *ops: Any) -> None:
    response = await entra(
        record, "patch", lambda: scim.patch(f"/Users/{user_id}", json=patch(*ops))
    )
    assert response.status_code == 200, response.text


async def delete(scim: httpx.AsyncClient, record: Record, user_id: str) -> None:
    retried = False
    for _ in range(ENTRA_ATTEMPTS):
        response = await scim.delete(f"/Users/{user_id}")
        record.add("delete-retry" if retried else "delete", response)
        if response.status_code == 204 or (retried and response.status_code == 404):
            return
        retried = True
        await wait_as_entra(response, LONGEST_WAIT)
    raise AssertionError("delete never succeeded")


def replace(path: str, value: Any) -> dict[str, Any]:
    return {"op": "Replace", "path": path, "value": value}


async def scenario(tenant: str) -> tuple[list[Intended], Record]:
    record = Record()
    intended: list[Intended] = []
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=tenant,
        headers={"Authorization": f"Bearer {BEARER}"},
        timeout=30,
        limits=limits,
    ) as scim:

        async def lifecycle(n: int) -> None:
            login = f"user{n:02d}@example.com"
            kind = n % 4
            want = Intended(login)
            intended.append(want)
            user_id = await create(scim, record, login)
            if kind == 0:  # profile PATCH of several attributes
                await update(
                    scim, record, user_id, replace("displayName", f"U{n}"), replace("title", "T1")
                )
                want.profile = {"displayName": f"U{n}", "title": "T1"}
            elif kind == 1:  # soft delete: Entra's PATCH active=false
                await update(scim, record, user_id, replace("active", "False"))
                want.active = False
            elif kind == 2:  # hard delete
                await delete(scim, record, user_id)
                want.exists = False
            else:  # edits, disable, re-enable with an edit: the last write wins
                await update(scim, record, user_id, replace("title", "First"))
                await update(
                    scim, record, user_id, replace("active", False), replace("title", "Second")
                )
                await update(
                    scim, record, user_id, replace("active", True), replace("displayName", "Back")
                )
                want.profile = {"title": "Second", "displayName": "Back"}

        await asyncio.gather(*(lifecycle(n) for n in range(USERS)))
    return intended, record


def test_okta_ends_in_the_intended_state_despite_faults(faulty: Stack) -> None:
    # Bounded in count (ENTRA_ATTEMPTS per operation, each within the request budget) rather
    # than in seconds: a hang fails the test through its per-test timeout.
    intended, record = asyncio.run(scenario(faulty.tenant_url))

    # Every SCIM answer: a success, or a 429/503 that says when to come back.
    for what, status, retry_after in record.answers:
        if status in SUCCESS or (what == "delete-retry" and status == 404):
            continue
        assert status in {429, 503}, (what, status)
        assert retry_after is not None, (what, status)
        assert int(retry_after) >= 1

    # Okta holds exactly the intended users: none lost, none twice, every last write applied.
    users = faulty.sim.users()
    logins = Counter(u["profile"]["login"] for u in users)
    assert all(n == 1 for n in logins.values()), f"duplicates: {logins.most_common(3)}"
    assert set(logins) == {w.login for w in intended if w.exists}
    by_login = {u["profile"]["login"]: u for u in users}
    for want in intended:
        if not want.exists:
            continue
        user = by_login[want.login]
        assert (user["status"] != "DEPROVISIONED") == want.active, (want.login, user["status"])
        for name, value in want.profile.items():
            assert user["profile"].get(name) == value, (want.login, name)

    # The faults really happened, and were absorbed or reported as designed.
    okta = Counter(status for _, _, status in faulty.sim.request_log)
    assert okta[0] >= 3, okta  # dropped answers and hung calls
    assert okta[500] + okta[502] + okta[503] >= 3, okta
    assert okta[429] >= 1, okta  # at least the concurrency limit was met
    scim = Counter(status for _, status, _ in record.answers)
    assert scim[201] + scim[200] + scim[204] > USERS
    print(f"\nOkta {dict(okta)}; SCIM {dict(scim)}")
