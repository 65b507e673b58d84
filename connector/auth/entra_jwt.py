"""Validation of the JWT Entra's provisioning service sends when the Secret Token is blank.

The token is a v1 Entra access token (issuer ``https://sts.windows.net/<tenant>/``), so the
default signing keys are the ones the tenant's v1 OpenID metadata points at:
``https://login.microsoftonline.com/<tenant>/discovery/keys``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import jwt

from connector.secrets import SecretsUnavailableError
from connector.settings import Settings

from .bearer import AuthenticationError, bearer_token

_log = logging.getLogger(__name__)

# The audience every Entra provisioning token carries, whatever the enterprise app.
PROVISIONING_AUDIENCE = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621"
# The app id of the provisioning service (Microsoft.Azure.SyncFabric).
PROVISIONING_APP_ID = "00000014-0000-0000-c000-000000000000"
CLOCK_SKEW_SECONDS = 120
# An unknown kid usually means Entra rolled its keys; refetching more often than this would
# let anyone with a made-up kid make us hammer the keys endpoint.
UNKNOWN_KID_REFETCH_SECONDS = 60
# Refetch now and then even without an unknown kid, so revoked keys stop being trusted.
JWKS_MAX_AGE_SECONDS = 24 * 3600
# When that refresh fails, the keys held keep serving and it is retried this soon, not a day
# later (a key Entra withdrew would stay trusted up to two days): one fetch per interval through
# an outage, started in the background, so no request waits for it.
FAILED_REFRESH_RETRY_SECONDS = 300
# After a failed fetch the endpoint is not asked again for this long: requests are served with
# the keys known (or refused with 503) at once, so an outage or a flood of forged tokens at a
# cold start costs one fetch per interval, not one per request.
FAILED_FETCH_QUIET_SECONDS = 30
# How long one request waits for keys being fetched; then it is answered with what is known
# (503 Retry-After when that is not enough) while the fetch goes on for the next requests.
KEY_WAIT_SECONDS = 5.0
# A whole fetch, however the endpoint dribbles its answer (httpx's timeout is per read).
FETCH_TIMEOUT_SECONDS = 10.0

JwksFetcher = Callable[[str], Awaitable[Any]]


def default_jwks_url(tenant_id: str) -> str:
    return f"https://login.microsoftonline.com/{tenant_id}/discovery/keys"


async def fetch_jwks(url: str) -> Any:
    async with httpx.AsyncClient(timeout=httpx.Timeout(FETCH_TIMEOUT_SECONDS)) as client:
        response = await client.get(url)
        response.raise_for_status()
        return response.json()


class JwksCache:
    """The tenant's signing keys by kid: fetched on first use, refetched on an unknown kid and
    daily.

    Concurrent requests share the one fetch in flight, each waiting at most ``wait_seconds``;
    a failed fetch is remembered for FAILED_FETCH_QUIET_SECONDS, and a failed daily refresh is
    retried every FAILED_REFRESH_RETRY_SECONDS without a request waiting for it.
    """

    def __init__(
        self,
        url: str,
        fetch: JwksFetcher = fetch_jwks,
        clock: Callable[[], float] = time.monotonic,
        *,
        wait_seconds: float = KEY_WAIT_SECONDS,
        fetch_timeout_seconds: float = FETCH_TIMEOUT_SECONDS,
    ) -> None:
        self._url = url
        self._fetch = fetch
        self._clock = clock
        self._wait_seconds = wait_seconds
        self._fetch_timeout_seconds = fetch_timeout_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        # When the last fetch ended, failed or not (the unknown-kid rate limit counts from it),
        # and when the keys held are next refreshed however known the kid; None before any.
        self._schedule: tuple[float, float] | None = None
        self._quiet_until: float | None = None
        self._in_flight: asyncio.Task[None] | None = None

    def _should_refetch(self, kid: str) -> bool:
        now = self._clock()
        if self._quiet_until is not None and now < self._quiet_until:
            return False
        if self._schedule is None:
            return True
        attempted_at, refresh_at = self._schedule
        unknown = kid not in self._keys
        return now >= refresh_at or (unknown and now - attempted_at >= UNKNOWN_KID_REFETCH_SECONDS)

    async def key(self, kid: str) -> jwt.PyJWK:
        if self._should_refetch(kid):
            if kid in self._keys and self._quiet_until is not None:
                # Retrying a failed refresh for a key we hold: serve it now, as through the rest
                # of the outage, rather than make this request wait on an endpoint that was down.
                self._start_fetch()
            else:
                await self._join_fetch()
        key = self._keys.get(kid)
        if key is not None:
            return key
        # Not a verdict on the token: the keys that could sign it are not known yet, or the
        # last fetch failed (a success clears _quiet_until) and Entra may have rolled its keys
        # since the ones we hold were read.
        if not self._keys or self._fetching() or self._quiet_until is not None:
            raise SecretsUnavailableError(
                "Entra signing keys cannot be fetched now", retry_after=self._retry_after()
            )
        raise AuthenticationError("the token is signed with an unknown key")

    def _fetching(self) -> bool:
        return self._in_flight is not None and not self._in_flight.done()

    def _start_fetch(self) -> asyncio.Task[None]:
        """The fetch in flight, started now unless one is."""
        task = self._in_flight
        loop = asyncio.get_running_loop()
        if task is None or task.done() or task.get_loop() is not loop:
            task = self._in_flight = loop.create_task(self._refetch())
        return task

    async def _join_fetch(self) -> None:
        """Start a fetch unless one is in flight, and wait for it, for `wait_seconds` at most."""
        task = self._start_fetch()
        try:
            # shield: a request that stops waiting must not cancel the fetch the others share.
            await asyncio.wait_for(asyncio.shield(task), self._wait_seconds)
        except TimeoutError:
            _log.warning(
                "Entra signing keys from %s not fetched within %.0f s; answering with the keys "
                "known meanwhile",
                self._url,
                self._wait_seconds,
            )

    async def _refetch(self) -> None:
        """One fetch; records its outcome and never raises (its waiters read the outcome)."""
        try:
            async with asyncio.timeout(self._fetch_timeout_seconds):
                document = await self._fetch(self._url)
            keys = signing_keys(document)
        except Exception as error:  # whatever it is, the answer is "no keys from this fetch"
            reason = str(error) or type(error).__name__
            if isinstance(error, TimeoutError):
                reason = f"no answer within {self._fetch_timeout_seconds:.0f} s"
            _log.warning("Fetching Entra signing keys from %s failed: %s", self._url, reason)
            now = self._clock()
            self._quiet_until = now + FAILED_FETCH_QUIET_SECONDS
            if self._keys:
                # Keep the keys we have; the failure counts as a fetch for the unknown-kid limit,
                # and the refresh is tried again soon, not after another JWKS_MAX_AGE_SECONDS.
                self._schedule = (now, now + FAILED_REFRESH_RETRY_SECONDS)
            return
        now = self._clock()
        self._keys = keys
        self._schedule = (now, now + JWKS_MAX_AGE_SECONDS)
        self._quiet_until = None

    def _retry_after(self) -> int:
        if self._quiet_until is not None:
            remaining = self._quiet_until - self._clock()
            if remaining > 0:
                return max(1, math.ceil(remaining))
        return FAILED_FETCH_QUIET_SECONDS


def signing_keys(document: Any) -> dict[str, jwt.PyJWK]:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("the JWKS document has no 'keys' list")
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" or entry.get("use") == "enc":
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str):
            continue
        try:
            keys[kid] = jwt.PyJWK(entry, algorithm="RS256")
        except jwt.PyJWTError as error:
            _log.warning("Skipping unusable signing key %s: %s", kid, error)
    if not keys:
        raise ValueError("the JWKS document has no usable RSA signing key")
    return keys


class EntraJwtAuthenticator:
    """Accepts only RS256 tokens Entra issued to the provisioning service for this tenant."""

    def __init__(self, tenant_id: str, jwks: JwksCache) -> None:
        self._tenant = tenant_id.lower()
        self._issuer = f"https://sts.windows.net/{self._tenant}/"
        self._jwks = jwks

    async def authenticate(self, authorization: str | None) -> None:
        token = bearer_token(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthenticationError("the bearer token is not a JWT") from None
        # Checked before any key lookup: "none" and HMAC tokens never reach the JWKS endpoint.
        if header.get("alg") != "RS256":
            raise AuthenticationError("the token's algorithm is not RS256")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationError("the token names no signing key")
        key = await self._jwks.key(kid)
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=PROVISIONING_AUDIENCE,
                issuer=self._issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "nbf", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise AuthenticationError(f"the token was rejected: {error}") from None
        if str(claims.get("tid", "")).lower() != self._tenant:
            raise AuthenticationError("the token was issued for another tenant")
        if claims.get("appid") != PROVISIONING_APP_ID:
            raise AuthenticationError("the token was not issued to Entra's provisioning service")


def entra_authenticator(
    settings: Settings,
    *,
    fetch: JwksFetcher = fetch_jwks,
    clock: Callable[[], float] = time.monotonic,
) -> EntraJwtAuthenticator:
    """The JWT check for the tenant the settings name (they are validated already)."""
    tenant = settings.entra_tenant_id
    if tenant is None:
        raise ValueError("ENTRA_TENANT_ID is not set")
    jwks_url = settings.entra_jwks_url or default_jwks_url(tenant)
    return EntraJwtAuthenticator(tenant, JwksCache(jwks_url, fetch, clock))
