"""JWT mode: tokens signed with test keys, keys served by a loopback JWKS endpoint."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from clocks import Clock
from jwks_stub import TENANT, JwksServer, SigningKey, claims

from connector.auth import AuthenticationError, authenticator_for
from connector.auth.entra_jwt import (
    JWKS_MAX_AGE_SECONDS,
    default_jwks_url,
    entra_authenticator,
)
from connector.secrets import SecretsUnavailableError, secret_store
from connector.settings import Settings, SettingsError


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey("key-1")


@pytest.fixture(scope="module")
def other_key() -> SigningKey:
    return SigningKey("key-2")


@pytest.fixture
def jwks(key: SigningKey) -> Iterator[JwksServer]:
    with JwksServer(key) as server:
        yield server


@pytest.fixture
def env(jwks: JwksServer) -> dict[str, str]:
    return {"ENTRA_TENANT_ID": TENANT, "ENTRA_JWKS_URL": jwks.url}


async def test_valid_token_accepted(env: dict[str, str], key: SigningKey) -> None:
    authenticator = authenticator_for(
        secret_store(Settings.from_env({}), {}), Settings.from_env(env)
    )
    await authenticator.authenticate(f"Bearer {key.token()}")


async def test_keys_are_cached(env: dict[str, str], key: SigningKey, jwks: JwksServer) -> None:
    authenticator = authenticator_for(
        secret_store(Settings.from_env({}), {}), Settings.from_env(env)
    )
    for _ in range(3):
        await authenticator.authenticate(f"Bearer {key.token()}")
    assert jwks.hits == 1


def _unsigned(payload: dict[str, Any], header: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(payload)}."


def _bad_tokens(key: SigningKey, other_key: SigningKey) -> dict[str, str]:
    now = int(time.time())
    signed_by_other = jwt.encode(
        claims(), other_key.private, algorithm="RS256", headers={"kid": key.kid}
    )
    return {
        "wrong issuer": key.token(
            iss="https://sts.windows.net/00000000-0000-0000-0000-000000000000/"
        ),
        "v2 issuer": key.token(iss=f"https://login.microsoftonline.com/{TENANT}/v2.0"),
        "wrong audience": key.token(aud="00000002-0000-0000-c000-000000000000"),
        "wrong tenant": key.token(tid="00000000-0000-0000-0000-000000000000"),
        "wrong appid": key.token(appid="11111111-0000-0000-c000-000000000000"),
        "no appid": key.token(appid=None),
        "expired": key.token(exp=now - 600, nbf=now - 4000, iat=now - 4000),
        "not yet valid": key.token(nbf=now + 600),
        "no exp": key.token(exp=None),
        "no nbf": key.token(nbf=None),
        "bad signature": signed_by_other,
        "tampered payload": _tamper(key.token()),
        "alg none": _unsigned(claims(), {"alg": "none", "typ": "JWT", "kid": key.kid}),
        "alg HS256": jwt.encode(
            claims(),
            "a-shared-secret-of-32-bytes-long!",
            algorithm="HS256",
            headers={"kid": key.kid},
        ),
        "unknown kid": other_key.token(),
        "no kid": _strip_kid(key),
        "not a jwt": "not-a-jwt-at-all",
    }


def _tamper(token: str) -> str:
    header, _, rest = token.partition(".")
    payload, _, signature = rest.partition(".")
    padded = payload + "=" * (-len(payload) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded))
    data["oid"] = "someone-else"
    body = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


def _strip_kid(key: SigningKey) -> str:
    return jwt.encode(claims(), key.private, algorithm="RS256")


@pytest.mark.parametrize(
    "case",
    [
        "wrong issuer",
        "v2 issuer",
        "wrong audience",
        "wrong tenant",
        "wrong appid",
        "no appid",
        "expired",
        "not yet valid",
        "no exp",
        "no nbf",
        "bad signature",
        "tampered payload",
        "alg none",
        "alg HS256",
        "unknown kid",
        "no kid",
        "not a jwt",
    ],
)
async def test_bad_tokens_rejected(
    case: str, env: dict[str, str], key: SigningKey, other_key: SigningKey
) -> None:
    token = _bad_tokens(key, other_key)[case]
    authenticator = authenticator_for(
        secret_store(Settings.from_env({}), {}), Settings.from_env(env)
    )
    with pytest.raises(AuthenticationError) as caught:
        await authenticator.authenticate(f"Bearer {token}")
    assert token not in str(caught.value)


async def test_clock_skew_is_tolerated(env: dict[str, str], key: SigningKey) -> None:
    now = int(time.time())
    authenticator = authenticator_for(
        secret_store(Settings.from_env({}), {}), Settings.from_env(env)
    )
    await authenticator.authenticate(f"Bearer {key.token(exp=now - 60)}")
    await authenticator.authenticate(f"Bearer {key.token(nbf=now + 60)}")


async def test_shared_secret_is_not_accepted_in_jwt_mode(env: dict[str, str]) -> None:
    store = secret_store(
        Settings.from_env({"SCIM_BEARER_TOKEN": "a-shared-secret-token"}),
        {"SCIM_BEARER_TOKEN": "a-shared-secret-token"},
    )
    authenticator = authenticator_for(store, Settings.from_env(env))
    with pytest.raises(AuthenticationError):
        await authenticator.authenticate("Bearer a-shared-secret-token")


async def test_unknown_kid_refetches_at_most_once_a_minute(
    env: dict[str, str], key: SigningKey, other_key: SigningKey, jwks: JwksServer
) -> None:
    clock = Clock(5000.0)
    authenticator = entra_authenticator(Settings.from_env(env), clock=clock)
    await authenticator.authenticate(f"Bearer {key.token()}")
    jwks.keys.append(other_key)  # Entra rolls its keys
    clock.now += 30
    with pytest.raises(AuthenticationError):
        await authenticator.authenticate(f"Bearer {other_key.token()}")
    assert jwks.hits == 1
    clock.now += 30
    await authenticator.authenticate(f"Bearer {other_key.token()}")
    assert jwks.hits == 2
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            await authenticator.authenticate(f"Bearer {SigningKey('made-up').token()}")
    assert jwks.hits == 2


async def test_a_key_withdrawn_from_the_jwks_is_refused_after_the_daily_refetch(
    env: dict[str, str], key: SigningKey, other_key: SigningKey, jwks: JwksServer
) -> None:
    clock = Clock(5000.0)
    authenticator = entra_authenticator(Settings.from_env(env), clock=clock)
    await authenticator.authenticate(f"Bearer {key.token()}")
    jwks.keys = [other_key]  # Entra stops publishing the key (rolled over, or revoked)
    clock.now += JWKS_MAX_AGE_SECONDS - 1
    await authenticator.authenticate(f"Bearer {key.token()}")  # cached: not asked yet
    assert jwks.hits == 1
    clock.now += 1
    with pytest.raises(AuthenticationError):
        await authenticator.authenticate(f"Bearer {key.token()}")
    await authenticator.authenticate(f"Bearer {other_key.token()}")
    assert jwks.hits == 2


async def test_jwks_unreachable_at_start_is_unavailable(
    env: dict[str, str], key: SigningKey, jwks: JwksServer
) -> None:
    jwks.down = True
    authenticator = authenticator_for(
        secret_store(Settings.from_env({}), {}), Settings.from_env(env)
    )
    with pytest.raises(SecretsUnavailableError) as caught:
        await authenticator.authenticate(f"Bearer {key.token()}")
    assert caught.value.retry_after > 0


async def test_jwks_unreachable_later_keeps_known_keys(
    env: dict[str, str], key: SigningKey, jwks: JwksServer
) -> None:
    clock = Clock(5000.0)
    authenticator = entra_authenticator(Settings.from_env(env), clock=clock)
    await authenticator.authenticate(f"Bearer {key.token()}")
    jwks.down = True
    clock.now += 2 * 24 * 3600
    await authenticator.authenticate(f"Bearer {key.token()}")
    assert jwks.hits == 2


def test_default_keys_url_is_the_v1_endpoint() -> None:
    assert default_jwks_url(TENANT) == (
        f"https://login.microsoftonline.com/{TENANT}/discovery/keys"
    )


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"ENTRA_TENANT_ID": "contoso.onmicrosoft.com"}, "GUID"),
        ({"ENTRA_TENANT_ID": TENANT, "ENTRA_JWKS_URL": "http://keys.example.com/k"}, "https"),
        ({"ENTRA_TENANT_ID": TENANT, "ENTRA_JWKS_URL": "ftp://127.0.0.1/k"}, "https"),
        ({"ENTRA_JWKS_URL": "https://keys.example.com/k"}, "ENTRA_TENANT_ID"),
    ],
)
def test_incoherent_settings(settings: dict[str, str], fragment: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(settings)
    assert any(fragment in p for p in raised.value.problems)


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"ENTRA_TENANT_ID": TENANT},
        {"ENTRA_TENANT_ID": TENANT.upper(), "ENTRA_JWKS_URL": "https://keys.example.com/k"},
        {"ENTRA_TENANT_ID": TENANT, "ENTRA_JWKS_URL": "http://localhost:8080/keys"},
    ],
)
def test_coherent_settings(settings: dict[str, str]) -> None:
    Settings.from_env(settings)


async def test_concurrent_first_requests_fetch_keys_once(
    env: dict[str, str], key: SigningKey, jwks: JwksServer
) -> None:
    import asyncio

    authenticator = authenticator_for(
        secret_store(Settings.from_env({}), {}), Settings.from_env(env)
    )
    token = key.token()
    await asyncio.gather(*(authenticator.authenticate(f"Bearer {token}") for _ in range(10)))
    assert jwks.hits == 1
