"""The inbound check every SCIM request passes: Entra's Secret Token, or an Entra-issued JWT.

Which one is a setting: with ``ENTRA_TENANT_ID`` set, the connector expects the JWT Entra sends
when the admin leaves the Secret Token blank; otherwise the shared Secret Token from the store.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from typing import Protocol

from connector.config import setting
from connector.secrets import SecretKey, SecretStore, SecretsUnavailableError

_log = logging.getLogger(__name__)

# ECMA2Host's documented minimum for its Secret Token; the same keeps migrations drop-in.
MIN_SECRET_TOKEN_LENGTH = 12

# A misconfigured secret is fixed by an admin, not by waiting a second; Entra retries 5xx anyway.
_CONFIG_RETRY_AFTER_SECONDS = 300


class AuthenticationError(Exception):
    """The request carries no acceptable credential; the caller answers 401."""


class Authenticator(Protocol):
    async def authenticate(self, authorization: str | None) -> None:
        """Return when ``authorization`` (the raw header) is acceptable.

        Raises AuthenticationError (401) or SecretsUnavailableError (503 + Retry-After).
        """
        ...


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive)."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("a Bearer token is required")
    return token


class SharedSecretAuthenticator:
    """Accepts the current Secret Token and, during a rotation, the previous one."""

    def __init__(self, store: SecretStore) -> None:
        self._store = store

    async def authenticate(self, authorization: str | None) -> None:
        presented = bearer_token(authorization).encode()
        accepted = [await self._current()]
        previous = await self._store.get(SecretKey.SCIM_BEARER_TOKEN_PREVIOUS)
        if previous is not None and len(previous) >= MIN_SECRET_TOKEN_LENGTH:
            accepted.append(previous)
        elif previous is not None:
            _log.warning(
                "The previous SCIM bearer secret is shorter than %d characters and is ignored",
                MIN_SECRET_TOKEN_LENGTH,
            )
        # Compare with every candidate, not stopping at the first match: constant time per secret.
        matches = [hmac.compare_digest(presented, secret.encode()) for secret in accepted]
        if not any(matches):
            raise AuthenticationError("the bearer token is not valid")

    async def _current(self) -> str:
        current = await self._store.get(SecretKey.SCIM_BEARER_TOKEN)
        if current is None:
            _log.error(
                "The SCIM bearer secret is not set: set SCIM_BEARER_TOKEN (or the vault secret "
                "named by SCIM_BEARER_TOKEN_SECRET_NAME); every request is refused until then"
            )
            raise SecretsUnavailableError(
                "the SCIM bearer secret is not configured", retry_after=_CONFIG_RETRY_AFTER_SECONDS
            )
        if len(current) < MIN_SECRET_TOKEN_LENGTH:
            _log.error(
                "The SCIM bearer secret is shorter than %d characters: set a longer one",
                MIN_SECRET_TOKEN_LENGTH,
            )
            raise SecretsUnavailableError(
                "the SCIM bearer secret is too short", retry_after=_CONFIG_RETRY_AFTER_SECONDS
            )
        return current


def authenticator_from_env(
    store: SecretStore, env: Mapping[str, str] | None = None
) -> Authenticator:
    """The authenticator the settings in ``env`` (default: ``os.environ``) ask for."""
    if setting("ENTRA_TENANT_ID", env):
        # Imported only in JWT mode: PyJWT and its crypto backend cost cold-start time.
        from connector.entra_jwt import entra_authenticator_from_env

        return entra_authenticator_from_env(env)
    return SharedSecretAuthenticator(store)
