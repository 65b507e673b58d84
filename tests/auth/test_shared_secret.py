"""The Secret Token check, with secrets from environment variables."""

from __future__ import annotations

import logging

import pytest

from connector.auth import (
    AuthenticationError,
    Authenticator,
    SharedSecretAuthenticator,
    authenticator_for,
)
from connector.secrets import (
    SecretConfigurationError,
    SecretKey,
    SecretsUnavailableError,
    secret_store,
)
from connector.settings import Settings

CURRENT = "current-secret-token-0123"
PREVIOUS = "previous-secret-token-4567"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KEY_VAULT_URL", "ENTRA_TENANT_ID", "SCIM_BEARER_TOKEN_PREVIOUS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCIM_BEARER_TOKEN", CURRENT)


def _authenticator() -> Authenticator:
    return authenticator_for(secret_store(Settings.from_env()), Settings.from_env())


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    "header", [f"Bearer {CURRENT}", f"bearer {CURRENT}", f"BEARER  {CURRENT} "]
)
async def test_current_token_accepted(header: str) -> None:
    await _authenticator().authenticate(header)


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        CURRENT,
        f"Basic {CURRENT}",
        f"SSWS {CURRENT}",
        f"Bearer {CURRENT}x",
        f"Bearer {CURRENT[:-1]}",
        f"Bearer {PREVIOUS}",
    ],
)
async def test_other_headers_rejected(header: str | None) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await _authenticator().authenticate(header)
    assert CURRENT not in str(caught.value)


@pytest.mark.usefixtures("env")
async def test_previous_token_accepted_while_set(monkeypatch: pytest.MonkeyPatch) -> None:
    authenticator = _authenticator()
    monkeypatch.setenv("SCIM_BEARER_TOKEN_PREVIOUS", PREVIOUS)
    await authenticator.authenticate(f"Bearer {PREVIOUS}")
    await authenticator.authenticate(f"Bearer {CURRENT}")
    monkeypatch.delenv("SCIM_BEARER_TOKEN_PREVIOUS")
    with pytest.raises(AuthenticationError):
        await authenticator.authenticate(f"Bearer {PREVIOUS}")


@pytest.mark.usefixtures("env")
async def test_a_short_previous_token_is_a_configuration_error_not_a_silent_401(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SCIM_BEARER_TOKEN_PREVIOUS", "old-token")
    caplog.set_level(logging.ERROR)
    authenticator = _authenticator()
    await authenticator.authenticate(f"Bearer {CURRENT}")  # the current token keeps working
    for presented in ("old-token", "anything-else-at-all"):
        # Not accepted (it is too short to be a Secret Token), and not a 401 Entra would take
        # for wrong credentials: a 503 naming the setting to fix.
        with pytest.raises(SecretConfigurationError) as caught:
            await authenticator.authenticate(f"Bearer {presented}")
        assert "SCIM_BEARER_TOKEN_PREVIOUS" in str(caught.value)
        assert caught.value.retry_after > 0
    assert "SCIM_BEARER_TOKEN_PREVIOUS" in caplog.text
    assert "old-token" not in caplog.text
    assert "old-token" not in str(caught.value)


@pytest.mark.usefixtures("env")
async def test_missing_secret_is_unavailable_not_unauthorized(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("SCIM_BEARER_TOKEN")
    with pytest.raises(SecretsUnavailableError) as caught:
        await _authenticator().authenticate(f"Bearer {CURRENT}")
    assert caught.value.retry_after > 0
    assert "SCIM_BEARER_TOKEN" in caplog.text


@pytest.mark.usefixtures("env")
async def test_secret_shorter_than_twelve_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SCIM_BEARER_TOKEN", "elevenchars")
    caplog.set_level(logging.ERROR)
    with pytest.raises(SecretsUnavailableError):
        await _authenticator().authenticate("Bearer elevenchars")
    assert "elevenchars" not in caplog.text


@pytest.mark.usefixtures("env")
async def test_explicit_env_mapping_is_used() -> None:
    store = secret_store(
        Settings.from_env({"SCIM_BEARER_TOKEN": PREVIOUS}), {"SCIM_BEARER_TOKEN": PREVIOUS}
    )
    authenticator = authenticator_for(store, Settings.from_env({}))
    await authenticator.authenticate(f"Bearer {PREVIOUS}")
    with pytest.raises(AuthenticationError):
        await authenticator.authenticate(f"Bearer {CURRENT}")


class CachedStore:
    """Each secret cached on its own, as the vault store does: `get` may answer an old value,
    `refresh` always reads the source."""

    def __init__(self) -> None:
        self.source: dict[SecretKey, str | None] = {}
        self.cached: dict[SecretKey, str | None] = {}

    async def get(self, key: SecretKey) -> str | None:
        if key not in self.cached:
            self.cached[key] = self.source.get(key)
        return self.cached[key]

    async def refresh(self, key: SecretKey) -> str | None:
        self.cached[key] = self.source.get(key)
        return self.cached[key]

    async def aclose(self) -> None:
        return None


async def test_a_rotation_reads_the_previous_token_afresh_when_the_current_one_changes() -> None:
    old, new = "old-secret-token-123", "new-secret-token-456"
    store = CachedStore()
    store.source[SecretKey.SCIM_BEARER_TOKEN] = old
    authenticator = SharedSecretAuthenticator(store)  # type: ignore[arg-type]
    await authenticator.authenticate(f"Bearer {old}")  # "no previous token" is now cached
    # Step 1 of a rotation in the vault; the current token's cache entry expires first.
    store.source[SecretKey.SCIM_BEARER_TOKEN] = new
    store.source[SecretKey.SCIM_BEARER_TOKEN_PREVIOUS] = old
    store.cached.pop(SecretKey.SCIM_BEARER_TOKEN)
    await authenticator.authenticate(f"Bearer {old}")  # Entra still sends the old one
    await authenticator.authenticate(f"Bearer {new}")
