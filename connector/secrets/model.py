"""What every secret store promises, independent of where the secrets live."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class SecretKey(enum.Enum):
    """The connector's logical secrets.

    The value is the setting that names each one: the environment variable in env mode, and
    ``<value>_SECRET_NAME`` (the vault secret's name) in vault mode.
    """

    # Setting names, not secrets.
    OKTA_API_TOKEN = "OKTA_API_TOKEN"  # noqa: S105
    SCIM_BEARER_TOKEN = "SCIM_BEARER_TOKEN"  # noqa: S105
    SCIM_BEARER_TOKEN_PREVIOUS = "SCIM_BEARER_TOKEN_PREVIOUS"  # noqa: S105
    RELAY_SEND_KEY = "RELAY_SEND_KEY"

    @property
    def name_setting(self) -> str:
        """The setting holding this secret's name in the vault."""
        return f"{self.value}_SECRET_NAME"

    @property
    def env_name(self) -> str:
        """The environment variable holding the secret in env mode."""
        return self.value


@dataclass(frozen=True)
class NamedSecret:
    """A secret a target description names: the vault secret `name` in Azure, and locally the
    environment variable spelled like it in upper case with `_` for `-` (`hr-api-key` is
    `HR_API_KEY`), the same rule the connector's own secrets follow."""

    name: str

    @property
    def env_name(self) -> str:
        return self.name.upper().replace("-", "_")


Secret = SecretKey | NamedSecret


class SecretsUnavailableError(Exception):
    """No usable secret value right now; the caller answers 503 with ``Retry-After``.

    Raised when the vault cannot be read and no good value is recent enough, and when a secret
    the connector cannot work without is missing or unusable (a fix on the admin's side, after
    which the service recovers without a restart). The message never contains a secret value.
    """

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SecretConfigurationError(SecretsUnavailableError):
    """A secret is stored but unusable as configured (e.g. a Secret Token too short): the admin
    fixes it. The message names the setting and the fix, never a value, so the answer may say it.
    """


class SecretStore(Protocol):
    async def get(self, key: Secret) -> str | None:
        """The secret's value, or None when the secret does not exist (or is disabled)."""
        ...

    async def refresh(self, key: Secret) -> str | None:
        """Re-read the secret now (the target rejected the value we sent: it was rotated)."""
        ...

    async def aclose(self) -> None: ...
