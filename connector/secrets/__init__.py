"""The connector's secrets: Key Vault when ``KEY_VAULT_URL`` is set, else environment variables.

Importing this package imports no Azure SDK module; the SDK loads on the first vault read.
"""

from __future__ import annotations

from collections.abc import Mapping

from connector.config import setting
from connector.secrets.env import EnvSecretStore
from connector.secrets.model import SecretKey, SecretStore, SecretsUnavailableError

__all__ = [
    "EnvSecretStore",
    "SecretKey",
    "SecretStore",
    "SecretsUnavailableError",
    "secret_store_from_env",
]


def secret_store_from_env(env: Mapping[str, str] | None = None) -> SecretStore:
    """The process's secret store, chosen by the settings in ``env`` (default: ``os.environ``)."""
    if not setting("KEY_VAULT_URL", env):
        return EnvSecretStore(env)
    from connector.secrets.vault import vault_store_from_env

    return vault_store_from_env(env)
