"""JWT mode end to end: Entra-like tokens signed by keys the test generates, JWKS on loopback."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from endpoint.harness import Stack, new_user, stack

from .support import closed_port
from .support import jwks_stub as stub

SCIM_JSON = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


@pytest.fixture(scope="module")
def key() -> stub.SigningKey:
    return stub.SigningKey("kid-integration-1")


@pytest.fixture
def jwt_stack(key: stub.SigningKey) -> Iterator[tuple[Stack, stub.JwksServer]]:
    with (
        stub.JwksServer(key) as jwks,
        stack(ENTRA_TENANT_ID=stub.TENANT, ENTRA_JWKS_URL=jwks.url) as running,
    ):
        yield running, jwks


def _unsigned(**overrides: Any) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(stub.claims(**overrides))}."


def test_a_valid_entra_token_reaches_scim(
    jwt_stack: tuple[Stack, stub.JwksServer], key: stub.SigningKey
) -> None:
    running, jwks = jwt_stack
    with running.client(token=key.token()) as scim:
        listed = scim.get("/Users", params={"count": "1"})
        assert listed.status_code == 200, listed.text
        assert listed.headers["content-type"].startswith(SCIM_JSON)
        created = scim.post("/Users", json=new_user("jwt@example.com"))
        assert created.status_code == 201, created.text
    # The keys are fetched once and cached across requests.
    assert jwks.hits == 1


def _invalid_tokens(key: stub.SigningKey) -> dict[str, str]:
    now = int(time.time())
    other = stub.SigningKey(key.kid)  # same kid, different key: a forged signature
    return {
        "wrong issuer": key.token(iss="https://sts.windows.net/other-tenant/"),
        "wrong audience": key.token(aud="https://graph.microsoft.com"),
        "wrong tenant": key.token(tid="00000000-0000-0000-0000-000000000000"),
        "wrong app": key.token(appid="11111111-2222-3333-4444-555555555555"),
        "expired": key.token(exp=now - 3600, iat=now - 7200, nbf=now - 7200),
        "not yet valid": key.token(nbf=now + 3600),
        "bad signature": other.token(),
        "alg none": _unsigned(),
        "unknown kid": key.token(headers={"kid": "kid-nobody-published"}),
        "not a jwt": "definitely-not-a-jwt-token",
    }


def test_invalid_tokens_get_a_scim_401(
    jwt_stack: tuple[Stack, stub.JwksServer], key: stub.SigningKey
) -> None:
    running, _ = jwt_stack
    for case, token in _invalid_tokens(key).items():
        with running.client(token=token) as scim:
            response = scim.get("/Users", params={"count": "1"})
        assert response.status_code == 401, (case, response.text)
        assert response.headers["content-type"].startswith(SCIM_JSON), case
        assert response.headers["www-authenticate"].lower().startswith("bearer"), case
        body = response.json()
        assert body["schemas"] == [ERROR_SCHEMA], case
        assert body["status"] == "401", case
        assert token not in response.text, case
    assert running.calls() == []


def test_missing_or_basic_authorization_gets_a_scim_401(
    jwt_stack: tuple[Stack, stub.JwksServer], key: stub.SigningKey
) -> None:
    running, _ = jwt_stack
    with running.client() as scim:
        for headers in ({"Authorization": ""}, {"Authorization": f"Basic {key.token()}"}):
            response = scim.get("/Users", headers=headers)
            assert response.status_code == 401, response.text
            assert response.headers["content-type"].startswith(SCIM_JSON)


def test_keys_unreachable_from_the_start_answers_503(key: stub.SigningKey) -> None:
    url = f"http://127.0.0.1:{closed_port()}/discovery/keys"
    with (
        stack(ENTRA_TENANT_ID=stub.TENANT, ENTRA_JWKS_URL=url) as running,
        running.client(token=key.token()) as scim,
    ):
        response = scim.get("/Users", params={"count": "1"})
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith(SCIM_JSON)
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["schemas"] == [ERROR_SCHEMA]
    assert "signing keys" in response.json()["detail"]
