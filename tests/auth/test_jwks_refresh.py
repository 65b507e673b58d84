"""JWT mode once keys are held: when the daily refresh of Entra's signing keys fails, the keys
held keep serving with no request waiting, and the refresh is retried within minutes rather than
a day later (a key Entra withdrew would otherwise stay trusted for up to two days).

Ages are read from a fake clock; the keys endpoint is in process, so each answer is recorded by
the cache before the test resumes. Every wait is bounded by WAIT (a test fails rather than
hangs), and nothing asserts a duration.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from clocks import Clock
from jwks_stub import TENANT, SigningKey

from connector.auth import AuthenticationError
from connector.auth.entra_jwt import (
    FAILED_REFRESH_RETRY_SECONDS,
    JWKS_MAX_AGE_SECONDS,
    EntraJwtAuthenticator,
    JwksCache,
)

WAIT = 10.0


class KeysEndpoint:
    """Entra's keys endpoint as a fetch function: answers with `keys`, fails while `down`, and
    while `held` keeps its answer until `release`; counts fetches.

    `reached` is set when a fetch arrives, `answered` when it answers. A test awaiting
    `answered` resumes only after the cache has recorded that answer: the waiter is woken after
    the step of the fetching task, and that step records the outcome.
    """

    def __init__(self, *keys: SigningKey) -> None:
        self.keys = list(keys)
        self.down = False
        self.held = False
        self.hits = 0
        self.reached = asyncio.Event()
        self.answered = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, url: str) -> Any:
        self.hits += 1
        self.reached.set()
        if self.held:
            await self.release.wait()
        self.answered.set()
        if self.down:
            raise ConnectionError("the keys endpoint is unreachable")
        return {"keys": [key.jwk() for key in self.keys]}


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey("key-1")


@pytest.fixture(scope="module")
def successor() -> SigningKey:
    return SigningKey("key-2")


def _authenticator(endpoint: KeysEndpoint, clock: Clock) -> EntraJwtAuthenticator:
    # A request that waited for a fetch would wait longer than WAIT, so the bound would fail it.
    cache = JwksCache(
        "https://login.example/discovery/keys",
        endpoint,
        clock,
        wait_seconds=3 * WAIT,
        fetch_timeout_seconds=3 * WAIT,
    )
    return EntraJwtAuthenticator(TENANT, cache)


async def _accepted(authenticator: EntraJwtAuthenticator, key: SigningKey) -> None:
    async with asyncio.timeout(WAIT):
        await authenticator.authenticate(f"Bearer {key.token()}")


async def _after_a_failed_daily_refresh(
    endpoint: KeysEndpoint, clock: Clock, key: SigningKey
) -> EntraJwtAuthenticator:
    authenticator = _authenticator(endpoint, clock)
    await _accepted(authenticator, key)
    endpoint.down = True
    clock.now += JWKS_MAX_AGE_SECONDS
    await _accepted(authenticator, key)  # the refresh fails: the key held keeps serving
    assert endpoint.hits == 2
    endpoint.reached.clear()
    endpoint.answered.clear()
    return authenticator


async def test_a_failed_daily_refresh_is_retried_within_minutes(
    key: SigningKey, successor: SigningKey
) -> None:
    endpoint, clock = KeysEndpoint(key), Clock(5000.0)
    authenticator = await _after_a_failed_daily_refresh(endpoint, clock, key)
    # The endpoint is back, and Entra no longer publishes the key.
    endpoint.down = False
    endpoint.keys = [successor]
    clock.now += FAILED_REFRESH_RETRY_SECONDS - 1
    await _accepted(authenticator, key)
    assert endpoint.hits == 2
    clock.now += 1
    await _accepted(authenticator, key)  # starts the retry, and is served while it runs
    await asyncio.wait_for(endpoint.answered.wait(), WAIT)
    assert endpoint.hits == 3
    with pytest.raises(AuthenticationError):
        await authenticator.authenticate(f"Bearer {key.token()}")
    await _accepted(authenticator, successor)
    assert endpoint.hits == 3


async def test_no_request_waits_for_the_retried_refresh(key: SigningKey) -> None:
    endpoint, clock = KeysEndpoint(key), Clock(5000.0)
    authenticator = await _after_a_failed_daily_refresh(endpoint, clock, key)
    endpoint.down = False
    endpoint.held = True
    clock.now += FAILED_REFRESH_RETRY_SECONDS
    for _ in range(5):
        await _accepted(authenticator, key)
    await asyncio.wait_for(endpoint.reached.wait(), WAIT)
    assert endpoint.hits == 3  # one retry for all those requests
    endpoint.release.set()
    await asyncio.wait_for(endpoint.answered.wait(), WAIT)
    await _accepted(authenticator, key)
    assert endpoint.hits == 3


async def test_an_outage_costs_one_background_fetch_per_retry_interval(key: SigningKey) -> None:
    endpoint, clock = KeysEndpoint(key), Clock(5000.0)
    authenticator = await _after_a_failed_daily_refresh(endpoint, clock, key)
    for retry in range(1, 4):
        clock.now += FAILED_REFRESH_RETRY_SECONDS - 1
        for _ in range(3):
            await _accepted(authenticator, key)
        assert endpoint.hits == 1 + retry
        clock.now += 1
        endpoint.answered.clear()
        await _accepted(authenticator, key)
        await asyncio.wait_for(endpoint.answered.wait(), WAIT)
        assert endpoint.hits == 2 + retry
