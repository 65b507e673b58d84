"""Secrets from environment variables: local development and tests."""

from __future__ import annotations

import os
from collections.abc import Mapping

from connector import redact
from connector.secrets.model import Secret


class EnvSecretStore:
    """Reads the environment at every call, so a changed variable is picked up at once."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        # None means the live process environment, read at call time rather than copied now.
        self._env = env

    async def get(self, key: Secret) -> str | None:
        env = os.environ if self._env is None else self._env
        value = env.get(key.env_name, "").strip()
        if not value:
            return None
        redact.register_secret(value)
        return value

    def has(self, key: Secret) -> bool:
        env = os.environ if self._env is None else self._env
        return bool(env.get(key.env_name, "").strip())

    async def refresh(self, key: Secret) -> str | None:
        return await self.get(key)

    async def aclose(self) -> None:
        return None
