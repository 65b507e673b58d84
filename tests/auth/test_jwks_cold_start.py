"""JWT mode at a cold start (no key cached yet): a failed fetch is remembered, concurrent
requests share one fetch, and a request waits for a slow or hanging key endpoint only so long.

Ages are read from a fake clock; the bounded waits are the cache's own, set short here, and
every test is bounded by WAIT (it fails rather than hangs). Nothing asserts a duration.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from clocks import Clock
from jwks_stub import TENANT, JwksServer, SigningKey

from connector.auth import AuthenticationError
from connector.auth.entra_jwt import (
    FAILED_FETCH_QUIET_SECONDS,
    UNKNOWN_KID_REFETCH_SECONDS,
    EntraJwtAuthenticator,
    JwksCache,
)
from connector.secrets import SecretsUnavailableError

WAIT = 10.0


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey("key-1")


@pytest.fixture
def jwks(key: SigningKey) -> Iterator[JwksServer]:
    with JwksServer(key) as server:
        yield server


def _authenticator(
    jwks: JwksServer, clock: Clock, *, wait: float = WAIT, fetch_timeout: float = WAIT
) -> EntraJwtAuthenticator:
    cache = JwksCache(jwks.url, clock=clock, wait_seconds=wait, fetch_timeout_seconds=fetch_timeout)
    return EntraJwtAuthenticator(TENANT, cache)


async def _unavailable(authenticator: EntraJwtAuthenticator, token: str) -> int:
    """The Retry-After of the 503 the token gets (fails if it gets anything else)."""
    async with asyncio.timeout(WAIT):
        with pytest.raises(SecretsUnavailableError) as caught:
            await authenticator.authenticate(f"Bearer {token}")
    return caught.value.retry_after


async def test_a_failed_fetch_is_remembered_and_retried_after_the_quiet_interval(
    jwks: JwksServer, key: SigningKey
) -> None:
    clock = Clock(5000.0)
    authenticator = _authenticator(jwks, clock)
    jwks.down = True
    assert await _unavailable(authenticator, key.token()) == FAILED_FETCH_QUIET_SECONDS
    # Forged tokens with made-up kids, and the valid one: none triggers a fetch of its own.
    for kid in ("made-up-1", "made-up-2", "made-up-3"):
        await _unavailable(authenticator, SigningKey(kid).token())
    clock.now += FAILED_FETCH_QUIET_SECONDS - 10
    assert await _unavailable(authenticator, key.token()) == 10
    assert jwks.hits == 1
    jwks.down = False
    clock.now += 10
    await authenticator.authenticate(f"Bearer {key.token()}")
    assert jwks.hits == 2


async def test_concurrent_requests_share_one_failing_fetch(
    jwks: JwksServer, key: SigningKey
) -> None:
    jwks.down = True
    authenticator = _authenticator(jwks, Clock(5000.0))
    tokens = [key.token()] + [SigningKey(f"made-up-{n}").token() for n in range(9)]
    async with asyncio.timeout(WAIT):
        results = await asyncio.gather(
            *(authenticator.authenticate(f"Bearer {t}") for t in tokens), return_exceptions=True
        )
    assert all(isinstance(r, SecretsUnavailableError) for r in results)
    assert jwks.hits == 1


async def test_concurrent_requests_share_one_slow_fetch(jwks: JwksServer, key: SigningKey) -> None:
    jwks.held = True
    authenticator = _authenticator(jwks, Clock(5000.0))
    token = key.token()
    waiting = [
        asyncio.create_task(authenticator.authenticate(f"Bearer {token}")) for _ in range(10)
    ]
    assert await asyncio.to_thread(jwks.reached.wait, WAIT)
    jwks.release.set()
    async with asyncio.timeout(WAIT):
        await asyncio.gather(*waiting)
    assert jwks.hits == 1


async def test_a_hanging_key_endpoint_is_a_503_after_a_bounded_wait(
    jwks: JwksServer, key: SigningKey
) -> None:
    jwks.hanging = True
    # The fetch outlives both waits: each request gives up on its own, after 0.2 s.
    authenticator = _authenticator(jwks, Clock(5000.0), wait=0.2, fetch_timeout=WAIT)
    # The valid token: not refused as invalid, answered "retry later" without waiting it out.
    assert await _unavailable(authenticator, key.token()) > 0
    # While that fetch is still in flight, the next request joins it rather than starting one.
    assert await _unavailable(authenticator, key.token()) > 0
    assert jwks.hits == 1


async def test_a_hanging_fetch_is_cut_and_remembered_as_failed(
    jwks: JwksServer, key: SigningKey
) -> None:
    jwks.hanging = True
    # The request would wait; the fetch's own timeout ends it first, as a failure.
    authenticator = _authenticator(jwks, Clock(5000.0), wait=WAIT, fetch_timeout=0.2)
    assert await _unavailable(authenticator, key.token()) == FAILED_FETCH_QUIET_SECONDS
    assert await _unavailable(authenticator, key.token()) == FAILED_FETCH_QUIET_SECONDS
    assert jwks.hits == 1


async def test_keys_fetched_after_a_timed_out_wait_serve_the_next_request(
    jwks: JwksServer, key: SigningKey
) -> None:
    jwks.held = True
    authenticator = _authenticator(jwks, Clock(5000.0), wait=0.2)
    assert await _unavailable(authenticator, key.token()) > 0
    jwks.release.set()  # the fetch the first request started completes after it gave up
    async with asyncio.timeout(WAIT):
        await authenticator.authenticate(f"Bearer {key.token()}")
    assert jwks.hits == 1


async def test_an_unknown_kid_is_still_401_once_keys_are_known(
    jwks: JwksServer, key: SigningKey
) -> None:
    authenticator = _authenticator(jwks, Clock(5000.0))
    await authenticator.authenticate(f"Bearer {key.token()}")
    with pytest.raises(AuthenticationError):
        await authenticator.authenticate(f"Bearer {SigningKey('made-up').token()}")
    assert jwks.hits == 1


async def test_a_rolled_key_while_the_key_endpoint_is_down_is_a_503_not_a_401(
    jwks: JwksServer, key: SigningKey
) -> None:
    clock = Clock(5000.0)
    authenticator = _authenticator(jwks, clock)
    await authenticator.authenticate(f"Bearer {key.token()}")
    # Entra signs with a key it has just published, while its keys endpoint is unreachable:
    # the token may well be valid, so it is "retry later", not the 401 Entra reads as wrong
    # credentials.
    rolled = SigningKey("key-rolled")
    jwks.keys.append(rolled)
    jwks.down = True
    clock.now += UNKNOWN_KID_REFETCH_SECONDS
    assert await _unavailable(authenticator, rolled.token()) == FAILED_FETCH_QUIET_SECONDS
    clock.now += 10
    assert await _unavailable(authenticator, rolled.token()) == FAILED_FETCH_QUIET_SECONDS - 10
    await authenticator.authenticate(f"Bearer {key.token()}")  # known keys keep working
    assert jwks.hits == 2
    jwks.down = False
    clock.now += UNKNOWN_KID_REFETCH_SECONDS
    await authenticator.authenticate(f"Bearer {rolled.token()}")
    assert jwks.hits == 3
    # Keys fresh from the endpoint again: a kid it does not publish is refused outright.
    with pytest.raises(AuthenticationError):
        await authenticator.authenticate(f"Bearer {SigningKey('made-up').token()}")
