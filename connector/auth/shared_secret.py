"""The shared Secret Token check: the token Entra sends must equal the stored one."""

from __future__ import annotations

import hmac
import logging

from connector.secrets import (
    SecretConfigurationError,
    SecretKey,
    SecretStore,
    SecretsUnavailableError,
)

from .bearer import AuthenticationError, bearer_token

_log = logging.getLogger(__name__)

# ECMA2Host's documented minimum for its Secret Token; the same keeps migrations drop-in.
MIN_SECRET_TOKEN_LENGTH = 12

# A misconfigured secret is fixed by an admin, not by waiting a second; Entra retries 5xx anyway.
_CONFIG_RETRY_AFTER_SECONDS = 300


# What an admin reads when the previous Secret Token is unusable (names only, never a value).
PREVIOUS_TOO_SHORT = (
    f"the previous Secret Token (SCIM_BEARER_TOKEN_PREVIOUS, or the vault secret named by "
    f"SCIM_BEARER_TOKEN_PREVIOUS_SECRET_NAME) is shorter than {MIN_SECRET_TOKEN_LENGTH} "
    "characters, so a request still carrying the old token cannot be checked: store the whole "
    "previous token there, or remove it once Entra sends the new one"
)


class SharedSecretAuthenticator:
    """Accepts the current Secret Token and, during a rotation, the previous one.

    A previous token too short to be one is a rotation gone wrong, not a token to ignore:
    ignoring it would answer 401 to Entra's old token, which Entra takes for invalid
    credentials (and may quarantine the app over) with nothing pointing at the cause. A request
    the current token does not match then gets 503 + Retry-After naming the setting: Entra
    retries it, its provisioning log says what to fix, and the current token keeps working.
    """

    def __init__(self, store: SecretStore) -> None:
        self._store = store
        self._current_seen: str | None = None

    async def authenticate(self, authorization: str | None) -> None:
        presented = bearer_token(authorization).encode()
        current = await self._current()
        # Each secret is cached on its own: when the current one has just changed (a rotation's
        # first step), the previous one is read afresh too, or the token Entra still sends
        # would be refused until the cached "no previous token" expired.
        rotated = self._current_seen is not None and current != self._current_seen
        self._current_seen = current
        key = SecretKey.SCIM_BEARER_TOKEN_PREVIOUS
        try:
            previous = await (self._store.refresh(key) if rotated else self._store.get(key))
        except SecretsUnavailableError:
            # The previous token only widens what is accepted: its slot being unreadable (a
            # role scoped to the other secrets, an outage past the stale window) must not refuse
            # the current token. Any other token might be the previous one: "retry later".
            # (A disabled secret is not unreadable: the store reads it as unset.)
            if hmac.compare_digest(presented, current.encode()):
                return
            raise
        accepted = [current]
        unusable = previous is not None and len(previous) < MIN_SECRET_TOKEN_LENGTH
        if previous is not None and not unusable:
            accepted.append(previous)
        # Compare with every candidate, not stopping at the first match: constant time per secret.
        matches = [hmac.compare_digest(presented, secret.encode()) for secret in accepted]
        if any(matches):
            return
        if unusable:
            _log.error("The SCIM bearer secret cannot be checked: %s", PREVIOUS_TOO_SHORT)
            raise SecretConfigurationError(
                PREVIOUS_TOO_SHORT, retry_after=_CONFIG_RETRY_AFTER_SECONDS
            )
        raise AuthenticationError("the bearer token is not valid")

    async def _current(self) -> str:
        current = await self._store.get(SecretKey.SCIM_BEARER_TOKEN)
        if current is None:
            _log.error(
                "The SCIM bearer secret is not set: set SCIM_BEARER_TOKEN (or the vault secret "
                "named by SCIM_BEARER_TOKEN_SECRET_NAME, enabled); every request is refused "
                "until then"
            )
            raise SecretConfigurationError(
                "the Secret Token is not configured: set SCIM_BEARER_TOKEN (or the vault secret "
                "named by SCIM_BEARER_TOKEN_SECRET_NAME; a disabled one reads as unset)",
                retry_after=_CONFIG_RETRY_AFTER_SECONDS,
            )
        if len(current) < MIN_SECRET_TOKEN_LENGTH:
            _log.error(
                "The SCIM bearer secret is shorter than %d characters: set a longer one",
                MIN_SECRET_TOKEN_LENGTH,
            )
            raise SecretConfigurationError(
                f"the Secret Token (SCIM_BEARER_TOKEN, or the vault secret named by "
                f"SCIM_BEARER_TOKEN_SECRET_NAME) is shorter than {MIN_SECRET_TOKEN_LENGTH} "
                "characters: store a longer one and paste it into the Entra app",
                retry_after=_CONFIG_RETRY_AFTER_SECONDS,
            )
        return current
