"""Secrets from Azure Key Vault through the async SDK, imported on the first read (cold start)."""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from connector.config import setting
from connector.secrets.cache import CachePolicy, CachingSecretStore, SecretSourceError
from connector.secrets.model import SecretKey

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken
    from azure.core.credentials_async import AsyncTokenCredential

# One quick retry inside the SDK: the cache already serves stale values through an outage,
# and a request must not sit behind the SDK's default ten retries with backoff.
_SDK_OPTIONS: dict[str, Any] = {"retry_total": 1, "connection_timeout": 5, "read_timeout": 10}


class SecretLike(Protocol):
    @property
    def value(self) -> str | None: ...


class SecretClientLike(Protocol):
    """The part of ``azure.keyvault.secrets.aio.SecretClient`` the connector uses."""

    def get_secret(self, name: str) -> Awaitable[SecretLike]: ...

    async def close(self) -> None: ...


# The seam tests use to inject a client (a real SecretClient with their own credential).
SecretClientFactory = Callable[[], SecretClientLike]


class KeyVaultSource:
    """Reads secrets with a client created on the first read."""

    def __init__(self, client_factory: SecretClientFactory) -> None:
        self._factory = client_factory
        self._client: SecretClientLike | None = None

    async def read(self, name: str) -> str | None:
        from azure.core.exceptions import AzureError, ResourceNotFoundError

        if self._client is None:
            self._client = self._factory()
        try:
            secret = await self._client.get_secret(name)
        except ResourceNotFoundError:
            return None
        except AzureError as error:
            raise SecretSourceError(
                f"Key Vault did not return secret {name!r}: {type(error).__name__}: {error}"
            ) from error
        return secret.value

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


class _ClientAndCredential:
    """A SecretClient that also closes the credential it was built with."""

    def __init__(self, client: SecretClientLike, credential: AsyncTokenCredential) -> None:
        self._client = client
        self._credential = credential

    async def get_secret(self, name: str) -> SecretLike:
        return await self._client.get_secret(name)

    async def close(self) -> None:
        await self._client.close()
        await self._credential.close()


class EmulatorCredential:
    """A fixed token for a local Key Vault emulator, which accepts any bearer token."""

    async def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        from azure.core.credentials import AccessToken

        return AccessToken("emulator-token", int(time.time()) + 3600)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> EmulatorCredential:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        return None


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _flag(name: str, env: Mapping[str, str] | None) -> bool:
    return (setting(name, env) or "").strip().lower() in {"1", "true", "yes", "on"}


def _seconds(name: str, env: Mapping[str, str] | None) -> float:
    raw = setting(name, env) or ""
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {raw!r}")
    return value


def _default_client_factory(
    vault_url: str, env: Mapping[str, str] | None, *, emulator: bool
) -> SecretClientFactory:
    client_id = setting("AZURE_CLIENT_ID", env)
    # The standard variables for a private CA, read here because aiohttp ignores
    # REQUESTS_CA_BUNDLE and ``env`` may not be the process environment.
    source = os.environ if env is None else env
    ca_bundle = source.get("SSL_CERT_FILE") or source.get("REQUESTS_CA_BUNDLE")

    def create() -> SecretClientLike:
        from azure.keyvault.secrets.aio import SecretClient

        credential: AsyncTokenCredential
        options = dict(_SDK_OPTIONS)
        if emulator:
            credential = EmulatorCredential()
            # An emulator on loopback cannot pass the check that the challenge names a vault
            # domain; it is off only here, never for a real vault.
            options["verify_challenge_resource"] = False
            if ca_bundle:
                options["connection_verify"] = ca_bundle
        else:
            from azure.identity.aio import DefaultAzureCredential

            credential = DefaultAzureCredential(managed_identity_client_id=client_id)
        client = SecretClient(vault_url, credential, **options)
        return _ClientAndCredential(client, credential)

    return create


def vault_store_from_env(
    env: Mapping[str, str] | None = None,
    *,
    client_factory: SecretClientFactory | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> CachingSecretStore:
    """A cached Key Vault store configured by the settings in ``env`` (default: ``os.environ``).

    Validates the settings now; contacts the vault (and imports the SDK) only on the first read.
    """
    vault_url = (setting("KEY_VAULT_URL", env) or "").strip()
    parts = urlsplit(vault_url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"KEY_VAULT_URL must be an https:// URL, got {vault_url!r}")
    emulator = _flag("KEY_VAULT_EMULATOR", env)
    if emulator and not is_loopback_host(parts.hostname):
        raise ValueError(
            "KEY_VAULT_EMULATOR=true is only allowed for a vault on this machine (localhost, "
            f"127.0.0.1 or ::1), not {parts.hostname!r}: unset KEY_VAULT_EMULATOR for a real vault"
        )
    names = {key: setting(key.name_setting, env) or "" for key in SecretKey}
    policy = CachePolicy(
        ttl_seconds=_seconds("SECRETS_CACHE_TTL_SECONDS", env),
        max_stale_seconds=_seconds("SECRETS_MAX_STALE_SECONDS", env),
    )
    factory = client_factory or _default_client_factory(vault_url, env, emulator=emulator)
    return CachingSecretStore(KeyVaultSource(factory), names, policy, clock)
