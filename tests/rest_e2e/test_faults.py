"""Entra-like operations, concurrently, through the connector against a faulty, rate-limited
Ledgerline HR (the REST target's twin of tests/resilience/test_faults.py): afterwards the
application holds exactly the intended accounts, and every SCIM answer was a success or a
429/503 with Retry-After.

The sandbox allows 60 requests per 2-second window, answers ~6% of requests with
500 (JSON) or 503 (the proxy's HTML page) without applying them, lets ~2% hang longer than the
connector's request budget, and applies ~10% but drops the connection before answering (seeded,
so a failure replays the same fault plan). Users run concurrently; each user's operations run in
order, as Entra serialises the operations of one object, and are resent the way Entra resends
them: a failed create as "filter by userName, create only if absent", a delete that may find the
user already gone (404). Those Entra-like helpers are the Okta test's own, imported.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from endpoint.harness import BEARER, ENTERPRISE
from resilience.test_faults import Record, create, delete, replace, update

from legacyapp import SandboxOptions

from .harness import API_KEY, RestStack, ledgerline_stack

SEED = 20261201
USERS = 50  # x 2-4 SCIM operations each, ~160 in all
BUDGET_SECONDS = 2.5
HANG_SECONDS = 6.0  # a hung request outlives the request budget
OPTIONS = SandboxOptions(
    api_key=API_KEY,
    rate_limit=60,  # per window
    rate_window_s=2.0,
    latency_ms=30,
    error_rate=0.06,
    timeout_rate=0.02,
    drop_rate=0.10,
    hang_s=HANG_SECONDS,
    seed=SEED,
)
SUCCESS = {200, 201, 204}


@dataclass
class Intended:
    login: str
    exists: bool = True
    active: bool = True
    # Ledgerline's own fields, as GET /api/v2/accounts/{id} shows them.
    fields: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def faulty() -> Iterator[RestStack]:
    with ledgerline_stack(
        OPTIONS, REQUEST_BUDGET_SECONDS=str(BUDGET_SECONDS), LOG_LEVEL="WARNING"
    ) as running:
        yield running


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
            kind = n % 5
            want = Intended(login)
            intended.append(want)
            user_id = await create(scim, record, login)
            if kind == 0:  # one PATCH of several attributes, a nested one among them
                await update(
                    scim,
                    record,
                    user_id,
                    replace("displayName", f"U{n}"),
                    replace("title", "T1"),
                    replace(f"{ENTERPRISE}:department", f"D{n}"),
                    replace('emails[type eq "work"].value', f"u{n}@work.example"),
                )
                want.fields = {
                    "display_name": f"U{n}",
                    "title": "T1",
                    "org.department": f"D{n}",
                    "email": f"u{n}@work.example",
                }
            elif kind == 1:  # soft delete: Entra's PATCH active=false
                await update(scim, record, user_id, replace("active", "False"))
                want.active = False
            elif kind == 2:  # hard delete (Ledgerline: disable, then delete)
                await delete(scim, record, user_id)
                want.exists = False
            elif kind == 3:  # soft delete, later the hard delete
                await update(scim, record, user_id, replace("active", "False"))
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
                want.fields = {"title": "Second", "display_name": "Back"}

        await asyncio.gather(*(lifecycle(n) for n in range(USERS)))
    return intended, record


def _field(account: dict[str, Any], dotted: str) -> Any:
    value: Any = account
    for key in dotted.split("."):
        value = value[key]
    return value


def test_ledgerline_ends_in_the_intended_state_despite_faults(faulty: RestStack) -> None:
    intended, record = asyncio.run(scenario(faulty.tenant_url))

    # Every SCIM answer: a success, or a 429/503 that says when to come back.
    for what, status, retry_after in record.answers:
        if status in SUCCESS or (what == "delete-retry" and status == 404):
            continue
        assert status in {429, 503}, (what, status)
        assert retry_after is not None, (what, status)
        assert int(retry_after) >= 1

    # The application holds exactly the intended accounts: none lost, none twice, every last
    # write applied.
    accounts = faulty.app.users()
    logins = Counter(a.login for a in accounts)
    assert all(n == 1 for n in logins.values()), f"duplicates: {logins.most_common(3)}"
    assert set(logins) == {w.login for w in intended if w.exists}
    by_login = {a.login: a for a in accounts}
    for want in intended:
        if not want.exists:
            continue
        account = by_login[want.login]
        assert account.active == want.active, (want.login, account.record["status"])
        for name, value in want.fields.items():
            assert _field(account.record, name) == value, (want.login, name)
        untouched = {"first_name": want.login.partition("@")[0], "last_name": "Tester"}
        assert {k: account.record[k] for k in untouched} == untouched, want.login

    # The faults really happened, and were absorbed or reported as designed.
    app = Counter(status for _, _, status in faulty.app.calls())
    assert app[0] >= 3, app  # dropped answers and hung requests
    assert app[500] + app[503] >= 3, app
    scim = Counter(status for _, status, _ in record.answers)
    assert scim[201] + scim[200] + scim[204] > USERS
    # The rate limit was reached: the application refused calls, or (as the connector paces
    # by its headers) the connector held calls back past the budget and said so.
    assert app[429] + scim[429] >= 1, (app, scim)
    print(f"\nLedgerline {dict(app)}; SCIM {dict(scim)}")
