"""Vault mode end to end: the real async SecretClient against the loopback Key Vault stub."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from clocks import Clock
from kv_stub import TENANT, KeyVaultStub, TlsFiles, self_signed_cert

from connector.auth import AuthenticationError, Authenticator, authenticator_for
from connector.secrets import (
    NamedSecret,
    Secret,
    SecretConfigurationError,
    SecretKey,
    SecretsUnavailableError,
    secret_store,
)
from connector.secrets.cache import CachingSecretStore
from connector.secrets.vault import SecretClientLike, vault_store
from connector.settings import Settings

OKTA = "okta-token-from-the-vault-1"
BEARER = "bearer-token-from-the-vault-1"
TTL = 300.0
MAX_STALE = 3600.0


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def vault(tls: TlsFiles) -> Iterator[KeyVaultStub]:
    stub = KeyVaultStub(tls, {"okta-api-token": OKTA, "scim-bearer-token": BEARER})
    with stub:
        yield stub


@pytest.fixture
def env(vault: KeyVaultStub, tls: TlsFiles) -> dict[str, str]:
    return {
        "KEY_VAULT_URL": vault.url,
        "KEY_VAULT_EMULATOR": "true",
        "SSL_CERT_FILE": str(tls.cert),
        "SECRETS_CACHE_TTL_SECONDS": str(TTL),
        "SECRETS_MAX_STALE_SECONDS": str(MAX_STALE),
    }


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(env: dict[str, str], clock: Clock) -> AsyncIterator[CachingSecretStore]:
    store = vault_store(Settings.from_env(env), clock=clock)
    yield store
    await store.aclose()


async def test_secrets_are_read_from_the_vault(env: dict[str, str], vault: KeyVaultStub) -> None:
    store = secret_store(Settings.from_env(env), env)
    try:
        assert await store.get(SecretKey.OKTA_API_TOKEN) == OKTA
        assert await store.get(SecretKey.SCIM_BEARER_TOKEN) == BEARER
        assert await store.get(SecretKey.SCIM_BEARER_TOKEN_PREVIOUS) is None
        assert await store.get(SecretKey.OKTA_API_TOKEN) == OKTA
    finally:
        await store.aclose()
    assert vault.reads == {
        "okta-api-token": 1,
        "scim-bearer-token": 1,
        "scim-bearer-token-previous": 1,
    }
    assert vault.tokens_seen
    assert all(t == "Bearer emulator-token" for t in vault.tokens_seen)


async def test_values_are_read_without_surrounding_white_space(
    env: dict[str, str], vault: KeyVaultStub
) -> None:
    # A token saved from a file keeps its last line break; as in the environment, it is not
    # part of the token, and a blank secret is no secret.
    vault.set("scim-bearer-token", f"{BEARER}\n")
    vault.set("okta-api-token", f"  {OKTA}\r\n")
    vault.set("scim-bearer-token-previous", " \n")
    store = secret_store(Settings.from_env(env), env)
    try:
        assert await store.get(SecretKey.SCIM_BEARER_TOKEN) == BEARER
        assert await store.get(SecretKey.OKTA_API_TOKEN) == OKTA
        assert await store.get(SecretKey.SCIM_BEARER_TOKEN_PREVIOUS) is None
    finally:
        await store.aclose()


async def test_secret_names_are_settings(env: dict[str, str], vault: KeyVaultStub) -> None:
    vault.set("custom-okta", "custom-okta-token-value")
    store = secret_store(
        Settings.from_env({**env, "OKTA_API_TOKEN_SECRET_NAME": "custom-okta"}),
        {**env, "OKTA_API_TOKEN_SECRET_NAME": "custom-okta"},
    )
    try:
        assert await store.get(SecretKey.OKTA_API_TOKEN) == "custom-okta-token-value"
    finally:
        await store.aclose()


async def test_value_is_reread_after_the_ttl(
    store: CachingSecretStore, vault: KeyVaultStub, clock: Clock
) -> None:
    assert await store.get(SecretKey.OKTA_API_TOKEN) == OKTA
    vault.set("okta-api-token", "okta-token-rotated-2")
    clock.now += TTL - 1
    assert await store.get(SecretKey.OKTA_API_TOKEN) == OKTA
    clock.now += 1
    assert await store.get(SecretKey.OKTA_API_TOKEN) == "okta-token-rotated-2"
    assert vault.reads["okta-api-token"] == 2


async def test_refresh_picks_up_a_rotated_value_at_once(
    store: CachingSecretStore, vault: KeyVaultStub
) -> None:
    assert await store.get(SecretKey.OKTA_API_TOKEN) == OKTA
    vault.set("okta-api-token", "okta-token-rotated-2")
    assert await store.refresh(SecretKey.OKTA_API_TOKEN) == "okta-token-rotated-2"
    assert await store.get(SecretKey.OKTA_API_TOKEN) == "okta-token-rotated-2"


async def test_concurrent_misses_share_one_read(
    store: CachingSecretStore, vault: KeyVaultStub
) -> None:
    values = await asyncio.gather(*(store.get(SecretKey.OKTA_API_TOKEN) for _ in range(20)))
    assert set(values) == {OKTA}
    assert vault.reads["okta-api-token"] == 1


async def test_concurrent_refreshes_share_one_read(
    store: CachingSecretStore, vault: KeyVaultStub
) -> None:
    await store.get(SecretKey.OKTA_API_TOKEN)
    vault.set("okta-api-token", "okta-token-rotated-2")
    values = await asyncio.gather(*(store.refresh(SecretKey.OKTA_API_TOKEN) for _ in range(10)))
    assert set(values) == {"okta-token-rotated-2"}
    assert vault.reads["okta-api-token"] == 2


async def _rotate_to_the_second_token(
    authenticator: Authenticator, vault: KeyVaultStub, clock: Clock
) -> None:
    """Rotate BEARER into the previous slot and a second token into the current one; once the
    cached values expire, both are accepted."""
    vault.set("scim-bearer-token-previous", BEARER)
    vault.set("scim-bearer-token", "bearer-token-from-the-vault-2")
    clock.now += TTL
    await authenticator.authenticate(f"Bearer {BEARER}")
    await authenticator.authenticate("Bearer bearer-token-from-the-vault-2")


async def test_bearer_rotation_accepts_previous_while_it_is_set(
    store: CachingSecretStore, vault: KeyVaultStub, clock: Clock
) -> None:
    authenticator = authenticator_for(store, Settings.from_env({}))
    await authenticator.authenticate(f"Bearer {BEARER}")
    # The admin rotates: the old value becomes "previous", Entra still sends it for a while.
    await _rotate_to_the_second_token(authenticator, vault, clock)
    # Entra has the new one; the admin removes the previous secret.
    vault.delete("scim-bearer-token-previous")
    clock.now += TTL
    await authenticator.authenticate("Bearer bearer-token-from-the-vault-2")
    with pytest.raises(AuthenticationError):
        await authenticator.authenticate(f"Bearer {BEARER}")


async def test_vault_down_after_first_read_keeps_serving(
    store: CachingSecretStore, vault: KeyVaultStub, clock: Clock
) -> None:
    assert await store.get(SecretKey.OKTA_API_TOKEN) == OKTA
    vault.stop()
    clock.now += TTL
    assert await store.get(SecretKey.OKTA_API_TOKEN) == OKTA
    assert await store.refresh(SecretKey.OKTA_API_TOKEN) == OKTA
    clock.now = 1000.0 + MAX_STALE + 1
    with pytest.raises(SecretsUnavailableError) as caught:
        await store.get(SecretKey.OKTA_API_TOKEN)
    assert caught.value.retry_after > 0
    assert OKTA not in str(caught.value)


async def test_vault_recovering_is_read_again(
    store: CachingSecretStore, vault: KeyVaultStub, clock: Clock
) -> None:
    await store.get(SecretKey.OKTA_API_TOKEN)
    vault.stop()
    clock.now += TTL
    assert await store.get(SecretKey.OKTA_API_TOKEN) == OKTA
    vault.set("okta-api-token", "okta-token-rotated-2")
    vault.start()
    clock.now += 60
    assert await store.get(SecretKey.OKTA_API_TOKEN) == "okta-token-rotated-2"


async def test_vault_down_from_the_start_is_unavailable(
    store: CachingSecretStore, vault: KeyVaultStub, caplog: pytest.LogCaptureFixture
) -> None:
    vault.stop()
    with pytest.raises(SecretsUnavailableError) as caught:
        await store.get(SecretKey.OKTA_API_TOKEN)
    assert caught.value.retry_after > 0
    # The authenticator passes the outage on as 503 material, not as a 401.
    with pytest.raises(SecretsUnavailableError):
        await authenticator_for(store, Settings.from_env({})).authenticate(f"Bearer {BEARER}")
    assert "okta-api-token" in caplog.text


class RecordingCredential:
    """An injected credential: checks the SDK follows the vault's challenge."""

    def __init__(self) -> None:
        self.requests: list[tuple[tuple[str, ...], str | None]] = []

    async def get_token(
        self, *scopes: str, tenant_id: str | None = None, **kwargs: Any
    ) -> AccessToken:
        self.requests.append((scopes, tenant_id))
        return AccessToken("injected-token", 4102444800)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> RecordingCredential:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


async def test_injected_client_and_credential(vault: KeyVaultStub, tls: TlsFiles) -> None:
    from azure.keyvault.secrets.aio import SecretClient

    credential = RecordingCredential()

    def factory() -> SecretClientLike:
        return SecretClient(
            vault.url,
            credential,
            verify_challenge_resource=False,
            connection_verify=str(tls.cert),
        )

    store = vault_store(Settings.from_env({"KEY_VAULT_URL": vault.url}), client_factory=factory)
    try:
        assert await store.get(SecretKey.SCIM_BEARER_TOKEN) == BEARER
    finally:
        await store.aclose()
    assert credential.requests == [(("https://vault.azure.net/.default",), TENANT)]
    assert vault.tokens_seen == ["Bearer injected-token"]


async def test_values_read_are_masked_in_logs(
    store: CachingSecretStore, caplog: pytest.LogCaptureFixture
) -> None:
    from connector.redact import RedactingFilter

    value = await store.get(SecretKey.OKTA_API_TOKEN)
    caplog.handler.addFilter(RedactingFilter())
    logging.getLogger("connector.test").warning("sent token %s to Okta", value)
    assert OKTA not in caplog.text
    assert "sent token *** to Okta" in caplog.text


@pytest.mark.parametrize(
    "url",
    ["https://myvault.vault.azure.net", "https://10.0.0.5:8443", "https://localhost.evil.example"],
)
def test_emulator_mode_refused_unless_loopback(url: str) -> None:
    with pytest.raises(ValueError, match="KEY_VAULT_EMULATOR"):
        secret_store(
            Settings.from_env({"KEY_VAULT_URL": url, "KEY_VAULT_EMULATOR": "true"}),
            {"KEY_VAULT_URL": url, "KEY_VAULT_EMULATOR": "true"},
        )


@pytest.mark.parametrize(
    "url", ["https://localhost:8443", "https://127.0.0.1:1", "https://[::1]:2"]
)
def test_emulator_mode_allowed_on_loopback(url: str) -> None:
    secret_store(
        Settings.from_env({"KEY_VAULT_URL": url, "KEY_VAULT_EMULATOR": "true"}),
        {"KEY_VAULT_URL": url, "KEY_VAULT_EMULATOR": "true"},
    )


@pytest.mark.parametrize("url", ["http://localhost:8443", "myvault.vault.azure.net"])
def test_vault_url_must_be_https(url: str) -> None:
    with pytest.raises(ValueError, match="https"):
        secret_store(Settings.from_env({"KEY_VAULT_URL": url}), {"KEY_VAULT_URL": url})


def test_bad_durations_are_refused() -> None:
    env = {"KEY_VAULT_URL": "https://v.vault.azure.net", "SECRETS_CACHE_TTL_SECONDS": "5m"}
    with pytest.raises(ValueError, match="SECRETS_CACHE_TTL_SECONDS"):
        secret_store(Settings.from_env(env), env)


def test_env_mode_without_vault_url() -> None:
    from connector.secrets import EnvSecretStore

    assert isinstance(secret_store(Settings.from_env({}), {}), EnvSecretStore)


async def test_the_current_bearer_works_when_the_previous_one_cannot_be_read(
    store: CachingSecretStore, vault: KeyVaultStub
) -> None:
    # The previous slot is optional and only widens what is accepted: a vault that will not
    # give it (the identity's role scoped to the other secrets) must not stop the current token.
    vault.refuse("scim-bearer-token-previous", 403, "Forbidden", "ForbiddenByRbac")
    authenticator = authenticator_for(store, Settings.from_env({}))
    await authenticator.authenticate(f"Bearer {BEARER}")
    # Any other token might be the previous one, which cannot be checked: retry later, not 401.
    with pytest.raises(SecretsUnavailableError) as caught:
        await authenticator.authenticate("Bearer not-the-current-bearer-token")
    assert caught.value.retry_after > 0


async def test_a_url_that_is_not_the_vaults_own_is_unavailable_not_a_crash(
    vault: KeyVaultStub, tls: TlsFiles
) -> None:
    # The SDK refuses a vault whose challenge names a domain the URL is not in (a private-link
    # alias such as <name>.privatelink.vaultcore.azure.net, a proxy) with a ValueError; the
    # stub on localhost plays that vault for a client that keeps the check on, as production does.
    from azure.keyvault.secrets.aio import SecretClient

    def factory() -> SecretClientLike:
        return SecretClient(vault.url, RecordingCredential(), connection_verify=str(tls.cert))

    store = vault_store(Settings.from_env({"KEY_VAULT_URL": vault.url}), client_factory=factory)
    try:
        with pytest.raises(SecretsUnavailableError) as caught:
            await store.get(SecretKey.SCIM_BEARER_TOKEN)
    finally:
        await store.aclose()
    assert caught.value.retry_after > 0
    assert "KEY_VAULT_URL" in str(caught.value)


async def test_a_disabled_previous_token_is_refused_once_its_cached_value_expires(
    store: CachingSecretStore, vault: KeyVaultStub, clock: Clock
) -> None:
    # Disabling a secret is the admin's answer, not an outage: the old (maybe leaked) token must
    # stop being accepted at the next read, not after SECRETS_MAX_STALE_SECONDS.
    vault.set("scim-bearer-token-previous", "bearer-token-from-the-vault-0")
    authenticator = authenticator_for(store, Settings.from_env({}))
    await authenticator.authenticate("Bearer bearer-token-from-the-vault-0")
    vault.disable("scim-bearer-token-previous")
    clock.now += TTL - 1
    await authenticator.authenticate("Bearer bearer-token-from-the-vault-0")
    clock.now += 1
    with pytest.raises(AuthenticationError):
        await authenticator.authenticate("Bearer bearer-token-from-the-vault-0")
    await authenticator.authenticate(f"Bearer {BEARER}")
    # The next rotation's first step writes a new, enabled version into the slot.
    await _rotate_to_the_second_token(authenticator, vault, clock)


async def test_a_disabled_current_token_answers_503_naming_its_setting(
    store: CachingSecretStore, vault: KeyVaultStub, clock: Clock
) -> None:
    authenticator = authenticator_for(store, Settings.from_env({}))
    await authenticator.authenticate(f"Bearer {BEARER}")
    vault.disable("scim-bearer-token")
    clock.now += TTL
    # As when the secret is missing: a fix on the admin's side, which Entra retries (not a 401).
    with pytest.raises(SecretConfigurationError) as caught:
        await authenticator.authenticate(f"Bearer {BEARER}")
    assert "SCIM_BEARER_TOKEN_SECRET_NAME" in str(caught.value)
    assert "disabled" in str(caught.value)
    assert caught.value.retry_after > 0
    assert BEARER not in str(caught.value)
    vault.set("scim-bearer-token", "bearer-token-from-the-vault-2")
    clock.now += TTL
    await authenticator.authenticate("Bearer bearer-token-from-the-vault-2")


@pytest.mark.parametrize(
    ("key", "vault_name"),
    [
        (SecretKey.OKTA_API_TOKEN, "okta-api-token"),
        (SecretKey.SCIM_BEARER_TOKEN, "scim-bearer-token"),
        (SecretKey.SCIM_BEARER_TOKEN_PREVIOUS, "scim-bearer-token-previous"),
        (SecretKey.RELAY_SEND_KEY, "relay-send-key"),
        (NamedSecret("hr-api-key"), "hr-api-key"),
    ],
)
async def test_every_disabled_secret_reads_as_unset_after_the_ttl(
    store: CachingSecretStore, vault: KeyVaultStub, clock: Clock, key: Secret, vault_name: str
) -> None:
    vault.set(vault_name, "a-value-of-this-secret-1")
    assert await store.get(key) == "a-value-of-this-secret-1"
    vault.disable(vault_name)
    clock.now += TTL
    assert await store.get(key) is None
    assert await store.refresh(key) is None


@pytest.mark.parametrize(
    ("status", "code", "inner_code"),
    [
        (403, "Forbidden", "ForbiddenByRbac"),
        (403, "Forbidden", "AccessDenied"),
        (500, "InternalServerError", None),
        (429, "Throttled", None),
    ],
)
async def test_a_refusal_that_is_not_a_disabled_secret_still_serves_the_stale_value(
    store: CachingSecretStore,
    vault: KeyVaultStub,
    clock: Clock,
    status: int,
    code: str,
    inner_code: str | None,
) -> None:
    assert await store.get(SecretKey.OKTA_API_TOKEN) == OKTA
    vault.refuse("okta-api-token", status, code, inner_code)
    clock.now += TTL
    assert await store.get(SecretKey.OKTA_API_TOKEN) == OKTA
    clock.now = 1000.0 + MAX_STALE + 1
    with pytest.raises(SecretsUnavailableError) as caught:
        await store.get(SecretKey.OKTA_API_TOKEN)
    assert not isinstance(caught.value, SecretConfigurationError)
