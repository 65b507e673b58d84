"""The secret cache during a source outage, on a fake clock: one read of the source per retry
interval, however many requests come; stale values served within their window."""

from __future__ import annotations

import pytest
from clocks import Clock

from connector.secrets import SecretKey, SecretsUnavailableError
from connector.secrets.cache import CachePolicy, CachingSecretStore, SecretSourceError

NAMES = {SecretKey.OKTA_API_TOKEN: "okta-api-token"}
POLICY = CachePolicy(ttl_seconds=60, max_stale_seconds=600, retry_after_seconds=30)


class Source:
    """Answers with `value`, or fails while `down`; counts every read."""

    def __init__(self) -> None:
        self.value = "okta-token-value-0123456789"
        self.down = False
        self.reads = 0

    async def read(self, name: str) -> str | None:
        self.reads += 1
        if self.down:
            raise SecretSourceError("vault unreachable")
        return self.value

    async def aclose(self) -> None:
        return None


async def test_an_outage_from_the_start_costs_one_read_per_interval() -> None:
    source, clock = Source(), Clock()
    source.down = True
    store = CachingSecretStore(source, NAMES, POLICY, clock)
    for _ in range(20):
        with pytest.raises(SecretsUnavailableError) as caught:
            await store.get(SecretKey.OKTA_API_TOKEN)
        assert caught.value.retry_after == 30
    assert source.reads == 1
    clock.now += 30
    with pytest.raises(SecretsUnavailableError):
        await store.get(SecretKey.OKTA_API_TOKEN)
    assert source.reads == 2
    source.down = False
    clock.now += 30
    assert await store.get(SecretKey.OKTA_API_TOKEN) == source.value
    assert source.reads == 3


async def test_an_outage_after_a_read_serves_the_stale_value_with_one_read_per_interval() -> None:
    source, clock = Source(), Clock()
    store = CachingSecretStore(source, NAMES, POLICY, clock)
    assert await store.get(SecretKey.OKTA_API_TOKEN) == source.value
    source.down = True
    clock.now += 61  # past the TTL
    for _ in range(10):
        assert await store.get(SecretKey.OKTA_API_TOKEN) == "okta-token-value-0123456789"
    assert source.reads == 2
    clock.now += 600  # past the stale window too
    with pytest.raises(SecretsUnavailableError):
        await store.get(SecretKey.OKTA_API_TOKEN)
