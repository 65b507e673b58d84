"""Secrets from Azure Key Vault through the async SDK, imported on the first read (cold start)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from connector.secrets.cache import CachePolicy, CachingSecretStore, SecretSourceError
from connector.secrets.model import SecretKey
from connector.settings import Settings

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
            if _is_disabled(error):
                # The admin's answer, not an outage: read as unset (as a deleted secret is), so
                # the cache stops serving the value at the next read, not after the stale window.
                return None
            raise SecretSourceError(
                f"Key Vault did not return secret {name!r}: {type(error).__name__}: {error}"
            ) from error
        except ValueError as error:
            # The SDK's check of the vault's challenge (its domain, its form) failed: the URL
            # does not reach the vault itself (a private-link alias, a proxy). An admin's fix,
            # answered as a vault that cannot be read, not as a crash.
            raise SecretSourceError(
                f"Key Vault did not return secret {name!r}: the server at KEY_VAULT_URL did not "
                f"answer as that vault does ({error}); set KEY_VAULT_URL to the vault's own URL, "
                "https://<name>.vault.azure.net"
            ) from error
        # As an environment variable's: around the value, white space is not part of a token
        # (`az keyvault secret set --file` keeps a file's last line break), and blank is unset.
        return (secret.value or "").strip() or None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


def _is_disabled(error: Exception) -> bool:
    """Whether the vault refused the read because the secret's current version is disabled: 403
    with inner code ``SecretDisabled``. Other 403s (an identity without access to the secret)
    stay read failures, served stale like an outage until the admin fixes the access."""
    from azure.core.exceptions import HttpResponseError

    if not isinstance(error, HttpResponseError) or error.status_code != 403:
        return False
    details = error.error
    inner = details.innererror if details is not None else None
    return isinstance(inner, dict) and inner.get("code") == "SecretDisabled"


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


def _default_client_factory(settings: Settings) -> SecretClientFactory:
    vault_url = settings.key_vault_url or ""
    client_id = settings.azure_client_id
    ca_bundle = settings.ssl_cert_file
    emulator = settings.key_vault_emulator

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
                # aiohttp, under the SDK, does not read the CA bundle variables itself.
                options["connection_verify"] = str(ca_bundle)
        else:
            from azure.identity.aio import DefaultAzureCredential

            credential = DefaultAzureCredential(managed_identity_client_id=client_id)
        client = SecretClient(vault_url, credential, **options)
        return _ClientAndCredential(client, credential)

    return create


def vault_store(
    settings: Settings,
    *,
    client_factory: SecretClientFactory | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> CachingSecretStore:
    """A cached Key Vault store for the vault the settings name.

    Contacts the vault (and imports the SDK) only on the first read.
    """
    names = {
        SecretKey.OKTA_API_TOKEN: settings.okta_api_token_secret_name,
        SecretKey.SCIM_BEARER_TOKEN: settings.scim_bearer_token_secret_name,
        SecretKey.SCIM_BEARER_TOKEN_PREVIOUS: settings.scim_bearer_token_previous_secret_name,
        SecretKey.RELAY_SEND_KEY: settings.relay_send_key_secret_name,
    }
    policy = CachePolicy(
        ttl_seconds=settings.secrets_cache_ttl_seconds,
        max_stale_seconds=settings.secrets_max_stale_seconds,
    )
    factory = client_factory or _default_client_factory(settings)
    return CachingSecretStore(KeyVaultSource(factory), names, policy, clock)
