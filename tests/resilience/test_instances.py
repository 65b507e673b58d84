"""Several connector instances share one Okta rate limit with no shared state: each follows
Okta's X-Rate-Limit headers, so together they stay under the limit and lose nothing."""

from __future__ import annotations

import asyncio

from connector.mapping import load_schema
from connector.service import UserService
from connector.settings import Settings
from connector.targets.okta.client import OktaClient
from connector.targets.okta.users import OktaUsers
from oktasim import Simulator, SimulatorOptions

TOKEN = "okta-token-for-instances"
LIMIT = 30
WINDOW_SECONDS = 3.0
INSTANCES = 3
CREATES_PER_INSTANCE = 20  # 60 creates: two windows' worth of the shared bucket


def _instance(url: str) -> UserService:
    async def token(refresh: bool) -> str:
        return TOKEN

    client = OktaClient(url, token, max_concurrency=10)
    return UserService(load_schema(Settings.from_env({})), OktaUsers(client), budget_seconds=20)


def _body(instance: int, index: int) -> dict[str, object]:
    login = f"i{instance}-u{index}@example.com"
    return {
        "userName": login,
        "name": {"givenName": "I", "familyName": f"U{index}"},
        "emails": [{"type": "work", "value": login}],
    }


async def test_instances_converge_on_the_shared_limit() -> None:
    sim = Simulator(
        SimulatorOptions(
            token=TOKEN,
            rate_limit_per_minute=LIMIT,
            rate_limit_window_s=WINDOW_SECONDS,
            concurrency_limit=0,
        )
    )
    with sim.start(host="127.0.0.1", port=0) as running:
        services = [_instance(running.url) for _ in range(INSTANCES)]
        results = await asyncio.gather(
            *(
                service.create(_body(number, index))
                for number, service in enumerate(services)
                for index in range(CREATES_PER_INSTANCE)
            ),
            return_exceptions=True,
        )
        for service in services:
            await service.target.aclose()
    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    assert len(sim.users()) == INSTANCES * CREATES_PER_INSTANCE
    statuses = [status for _, _, status in sim.request_log]
    # Each instance learns the bucket only from its own answers, so the first window may be
    # overshot by the calls already in flight elsewhere; after that they agree.
    assert statuses.count(429) <= INSTANCES * 10
    assert statuses.count(200) == INSTANCES * CREATES_PER_INSTANCE
