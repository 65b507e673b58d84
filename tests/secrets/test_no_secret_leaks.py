"""Every failure path, driven with known secret values: none reaches a log line or an error.

Logs are captured at DEBUG from every logger (the Azure SDK's included) and without the
redacting filter, so this checks what the code itself says, not what the filter hides.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from kv_stub import KeyVaultStub, TlsFiles, self_signed_cert

from connector.auth import AuthenticationError, authenticator_for
from connector.secrets import SecretKey, SecretsUnavailableError, secret_store
from connector.secrets.vault import vault_store
from connector.settings import Settings

OKTA = "okta-leak-check-token-0001"
BEARER = "bearer-leak-check-token-0001"
PREVIOUS = "bearer-leak-check-previous-01"
PRESENTED = "presented-by-caller-0000001"
ALL = (OKTA, BEARER, PREVIOUS, PRESENTED)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def vault(tls: TlsFiles) -> Iterator[KeyVaultStub]:
    secrets = {
        "okta-api-token": OKTA,
        "scim-bearer-token": BEARER,
        "scim-bearer-token-previous": PREVIOUS,
    }
    with KeyVaultStub(tls, secrets) as stub:
        yield stub


def _assert_clean(text: str) -> None:
    for secret in ALL:
        assert secret not in text


async def test_vault_and_auth_failures_leak_nothing(
    vault: KeyVaultStub, tls: TlsFiles, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    now = [0.0]
    env = {
        "KEY_VAULT_URL": vault.url,
        "KEY_VAULT_EMULATOR": "true",
        "SSL_CERT_FILE": str(tls.cert),
        "SECRETS_MAX_STALE_SECONDS": "600",
    }
    store = vault_store(Settings.from_env(env), clock=lambda: now[0])
    errors: list[BaseException] = []
    try:
        authenticator = authenticator_for(store, Settings.from_env({}))
        await authenticator.authenticate(f"Bearer {BEARER}")
        await authenticator.authenticate(f"Bearer {PREVIOUS}")
        for header in (f"Bearer {PRESENTED}", PRESENTED, f"Basic {OKTA}", None):
            with pytest.raises(AuthenticationError) as caught:
                await authenticator.authenticate(header)
            errors.append(caught.value)
        await store.get(SecretKey.OKTA_API_TOKEN)
        vault.stop()
        now[0] += 400  # past the TTL: stale values serve through the outage
        assert await store.refresh(SecretKey.OKTA_API_TOKEN) == OKTA
        now[0] += 1000  # past the stale window
        for key in SecretKey:
            with pytest.raises(SecretsUnavailableError) as unavailable:
                await store.get(key)
            errors.append(unavailable.value)
    finally:
        await store.aclose()
    _assert_clean(caplog.text)
    for error in errors:
        _assert_clean(f"{error} {error!r}")


async def test_misconfigured_bearer_leaks_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    short = "short-1234"
    store = secret_store(
        Settings.from_env({"SCIM_BEARER_TOKEN": short}), {"SCIM_BEARER_TOKEN": short}
    )
    with pytest.raises(SecretsUnavailableError) as caught:
        await authenticator_for(store, Settings.from_env({})).authenticate(f"Bearer {short}")
    assert short not in caplog.text
    assert short not in f"{caught.value} {caught.value!r}"


@pytest.mark.parametrize("setting", ["OKTA_ORG_URL", "TARGET_BASE_URL", "KEY_VAULT_URL"])
@pytest.mark.parametrize("password", [OKTA, "pa/ss-" + OKTA, "pa?ss-" + OKTA, "pa#ss-" + OKTA])
def test_a_url_with_a_password_in_it_is_refused_without_repeating_it(
    setting: str, password: str
) -> None:
    # `/`, `?` and `#` end a URL's authority early: the password must be found all the same.
    from connector.settings import SettingsError

    with pytest.raises(SettingsError) as caught:
        Settings.from_env({setting: f"https://admin:{password}@example.okta.com"})
    assert setting in str(caught.value)
    assert "must not carry a user name or password" in str(caught.value)
    assert OKTA not in str(caught.value)
    assert "admin" not in str(caught.value)


def test_a_refused_url_is_repeated_without_its_query() -> None:
    from connector.settings import SettingsError

    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"OKTA_ORG_URL": f"https://example.okta.com/?token={OKTA}"})
    assert "'https://example.okta.com/'" in str(caught.value)
    assert OKTA not in str(caught.value)
