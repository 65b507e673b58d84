"""A target's secret (a token, a key, a password), read through the connector's secret store."""

from __future__ import annotations

from ..secrets import Secret, SecretStore
from .errors import UnavailableError
from .http import TokenSource


def secret_token(store: SecretStore, secret: Secret, what: str, vault_name: str) -> TokenSource:
    """A secret read from the store at each call (cached there), re-read when `refresh`."""

    async def token(refresh: bool) -> str:
        value = await (store.refresh(secret) if refresh else store.get(secret))
        if not value:
            raise UnavailableError(
                f"no {what} is configured: set the vault secret {vault_name} "
                f"(or {secret.env_name} locally)",
                retry_after=300,
            )
        return value

    return token
