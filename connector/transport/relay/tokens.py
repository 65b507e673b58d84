"""A cached Send-rule SAS token, renewed long before it lapses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from connector.transport.relay.sas import sas_token


class SasTokenCache:
    """Signs a token on first use and again once half its lifetime has passed.

    Renewing at half-life keeps a wide margin for clock skew between this instance and the
    relay, and costs one HMAC (plus one cached secret read) per half hour.
    """

    def __init__(
        self,
        resource: str,
        rule_name: str,
        key: Callable[[], Awaitable[str]],
        *,
        ttl_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if ttl_seconds < 60:
            raise ValueError("token_ttl_seconds must be at least 60")
        self._resource = resource
        self._rule_name = rule_name
        self._key = key
        self._ttl = ttl_seconds
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        # One renewal at a time: concurrent requests at expiry should not all read the key.
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        token = self._current()
        if token is not None:
            return token
        async with self._lock:
            token = self._current()
            if token is not None:
                return token
            key = await self._key()
            now = self._clock()
            token = sas_token(self._resource, self._rule_name, key, int(now) + self._ttl)
            self._token, self._renew_at = token, now + self._ttl / 2
            return token

    def invalidate(self) -> None:
        """Forget the token, e.g. after the relay refused it (the key may have been rotated)."""
        self._token = None

    def _current(self) -> str | None:
        return self._token if self._clock() < self._renew_at else None
