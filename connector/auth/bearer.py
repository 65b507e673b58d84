"""What every inbound check shares: the Authenticator protocol, its error, the Bearer header."""

from __future__ import annotations

from typing import Protocol


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
