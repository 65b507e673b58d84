"""A secret store over a slow, fallible source: TTL cache, one read per miss, stale on outage."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from connector import redact
from connector.secrets.model import NamedSecret, Secret, SecretKey, SecretsUnavailableError

_log = logging.getLogger(__name__)


class SecretSourceError(Exception):
    """The source could not answer (unreachable, throttled, access denied); not "no such secret"."""


class SecretSource(Protocol):
    async def read(self, name: str) -> str | None:
        """The named secret's current value; None when it does not exist or is disabled (an
        admin's answer, so not served stale as a failure is).

        Raises SecretSourceError when the source cannot answer.
        """
        ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class CachePolicy:
    ttl_seconds: float
    max_stale_seconds: float
    # After a failed read, callers are served from the cache (or refused) for this long without
    # asking the source again, so an outage costs one slow read per interval, not one per request.
    retry_after_seconds: int = 30


@dataclass(frozen=True)
class _Entry:
    value: str | None
    read_at: float


class CachingSecretStore:
    """Caches each secret for ``ttl_seconds``; concurrent misses share one read of the source.

    When the source fails, the last value read keeps serving until it is ``max_stale_seconds``
    old; past that, or when nothing was ever read, callers get SecretsUnavailableError.
    """

    def __init__(
        self,
        source: SecretSource,
        names: Mapping[SecretKey, str],
        policy: CachePolicy,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._names = dict(names)
        self._policy = policy
        self._clock = clock
        self._entries: dict[Secret, _Entry] = {}
        self._locks: dict[Secret, asyncio.Lock] = {}
        self._attempts: dict[Secret, int] = {}
        self._quiet_until: dict[Secret, float] = {}
        self._last_error: dict[Secret, str] = {}

    async def get(self, key: Secret) -> str | None:
        entry = self._entries.get(key)
        if entry is not None and self._fresh(entry):
            return entry.value
        # While another caller reads the source, serve the previous value rather than queue
        # behind a read that may be slow (that is what the stale window is for).
        if self._lock(key).locked() and entry is not None and self._within_stale(entry):
            return entry.value
        return await self._read(key, force=False)

    async def refresh(self, key: Secret) -> str | None:
        return await self._read(key, force=True)

    async def aclose(self) -> None:
        await self._source.aclose()

    async def _read(self, key: Secret, *, force: bool) -> str | None:
        seen = self._attempts.get(key, 0)
        async with self._lock(key):
            if self._attempts.get(key, 0) != seen:
                # Another caller read the source while this one waited: share its outcome.
                return self._settled(key)
            entry = self._entries.get(key)
            if not force and entry is not None and self._fresh(entry):
                return entry.value
            if self._clock() < self._quiet_until.get(key, float("-inf")):
                return self._stale_or_unavailable(key)
            try:
                value = await self._source.read(self._vault_name(key))
            except SecretSourceError as error:
                self._attempts[key] = seen + 1
                self._quiet_until[key] = self._clock() + self._policy.retry_after_seconds
                self._last_error[key] = redact.redact(str(error))
                _log.warning("Reading secret %s failed: %s", key.name, self._last_error[key])
                return self._stale_or_unavailable(key)
            self._attempts[key] = seen + 1
            if value is not None:
                redact.register_secret(value)
            self._entries[key] = _Entry(value, self._clock())
            return value

    def _settled(self, key: Secret) -> str | None:
        entry = self._entries.get(key)
        if entry is not None and self._fresh(entry):
            return entry.value
        return self._stale_or_unavailable(key)

    def _stale_or_unavailable(self, key: Secret) -> str | None:
        entry = self._entries.get(key)
        if entry is not None and self._within_stale(entry):
            return entry.value
        cause = self._last_error.get(key, "no read has succeeded yet")
        raise SecretsUnavailableError(
            f"secret {key.name} cannot be read now ({cause})",
            retry_after=self._policy.retry_after_seconds,
        )

    def _fresh(self, entry: _Entry) -> bool:
        return self._clock() - entry.read_at < self._policy.ttl_seconds

    def _within_stale(self, entry: _Entry) -> bool:
        return self._clock() - entry.read_at <= self._policy.max_stale_seconds

    def _vault_name(self, key: Secret) -> str:
        # A description's secret is named by the description; the connector's own by settings.
        return key.name if isinstance(key, NamedSecret) else self._names[key]

    def _lock(self, key: Secret) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())
