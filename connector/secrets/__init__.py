"""The connector's secrets: Key Vault when ``KEY_VAULT_URL`` is set, else environment variables.

Importing this package imports no Azure SDK module; the SDK loads on the first vault read.
"""

from __future__ import annotations

from collections.abc import Mapping

from connector.secrets.env import EnvSecretStore
from connector.secrets.model import (
    NamedSecret,
    Secret,
    SecretConfigurationError,
    SecretKey,
    SecretStore,
    SecretsUnavailableError,
)
from connector.settings import Settings

__all__ = [
    "EnvSecretStore",
    "NamedSecret",
    "Secret",
    "SecretConfigurationError",
    "SecretKey",
    "SecretStore",
    "SecretsUnavailableError",
    "secret_store",
]


def secret_store(settings: Settings, env: Mapping[str, str] | None = None) -> SecretStore:
    """The store the settings choose. Without a vault, secrets are the environment variables in
    ``env`` (default: the process environment, read at each call so a change applies at once)."""
    if not settings.key_vault_url:
        return EnvSecretStore(env)
    from connector.secrets.vault import vault_store

    return vault_store(settings)
