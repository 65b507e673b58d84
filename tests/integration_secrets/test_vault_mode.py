"""Key Vault mode end to end: SCIM over HTTP → served connector → HTTPS vault stub + oktasim.

Every SCIM request here goes through the real bearer check, the cached vault store and the Okta
client's 401 → refresh → retry path; nothing is stubbed inside the connector.
"""

from __future__ import annotations

import threading
import time

import httpx
from endpoint.harness import Stack, new_user, stack

from oktasim import SimulatorOptions

from .support import (
    BEARER_NAME,
    ENV_BEARER,
    OKTA_NAME,
    PREVIOUS_NAME,
    KeyVaultStub,
    TlsFiles,
    eventually,
    vault_env,
)

OKTA_1 = "00okta-vault-token-one-aaaaaaaa"
OKTA_2 = "00okta-vault-token-two-bbbbbbbb"
BEARER_1 = "vault-bearer-one-cccccccccccc"
BEARER_2 = "vault-bearer-two-dddddddddddd"
SCIM_JSON = "application/scim+json"


def _okta(token: str) -> SimulatorOptions:
    return SimulatorOptions(token=token, concurrency_limit=0)


def _status(running: Stack, token: str) -> int:
    with running.client(token=token) as scim:
        return scim.get("/Users", params={"count": "1"}).status_code


def test_requests_authenticate_with_the_vault_bearer(vault: KeyVaultStub, tls: TlsFiles) -> None:
    vault.set(OKTA_NAME, OKTA_1)
    vault.set(BEARER_NAME, BEARER_1)
    with stack(_okta(OKTA_1), **vault_env(vault, tls)) as running:
        with running.client(token=BEARER_1) as scim:
            created = scim.post("/Users", json=new_user("vera@example.com"))
            assert created.status_code == 201, created.text
            got = scim.get(f"/Users/{created.json()['id']}")
            assert got.status_code == 200, got.text
        # The environment's bearer is not what vault mode checks.
        assert _status(running, ENV_BEARER) == 401
        assert _status(running, "not-the-bearer-at-all") == 401
    # Read once and cached (default TTL 300 s), not once per request.
    assert vault.reads[BEARER_NAME] == 1
    assert vault.reads[OKTA_NAME] == 1


def test_ttl_refresh_picks_up_a_changed_bearer(vault: KeyVaultStub, tls: TlsFiles) -> None:
    vault.set(OKTA_NAME, OKTA_1)
    vault.set(BEARER_NAME, BEARER_1)
    env = vault_env(vault, tls, SECRETS_CACHE_TTL_SECONDS="1")
    with stack(_okta(OKTA_1), **env) as running:
        assert _status(running, BEARER_1) == 200
        vault.set(BEARER_NAME, BEARER_2)
        # Within the TTL the cached value still rules; after it, the new one.
        assert eventually(lambda: _status(running, BEARER_2) == 200, timeout=10)
        assert _status(running, BEARER_1) == 401


def test_okta_token_rotation_needs_no_failed_request(vault: KeyVaultStub, tls: TlsFiles) -> None:
    vault.set(OKTA_NAME, OKTA_1)
    vault.set(BEARER_NAME, BEARER_1)
    # A long TTL: only the 401 from Okta can make the connector re-read the token.
    env = vault_env(vault, tls, SECRETS_CACHE_TTL_SECONDS="3600")
    with stack(_okta(OKTA_1), **env) as running, running.client(token=BEARER_1) as scim:
        created = scim.post("/Users", json=new_user("rota@example.com"))
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]
        reads_before = vault.reads[OKTA_NAME]

        vault.set(OKTA_NAME, OKTA_2)
        running.sim.set_token(OKTA_2)

        # Concurrent requests right after the rotation: every one succeeds.
        statuses: list[int] = []
        lock = threading.Lock()

        def one() -> None:
            with running.client(token=BEARER_1) as own:
                status = own.get(f"/Users/{user_id}").status_code
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=one) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert statuses == [200] * 6
        later = scim.post("/Users", json=new_user("after@example.com"))
        assert later.status_code == 201, later.text

        rejected = [c for c in running.calls() if c[2] == 401]
        assert 1 <= len(rejected) <= 6  # only requests in flight with the old token
        # Concurrent 401s share re-reads: far fewer vault reads than rejected calls + requests.
        assert 1 <= vault.reads[OKTA_NAME] - reads_before <= len(rejected)
        assert all(c[2] != 401 for c in running.calls()[-2:])


def test_bearer_rotation_accepts_the_previous_one_during_the_overlap(
    vault: KeyVaultStub, tls: TlsFiles
) -> None:
    vault.set(OKTA_NAME, OKTA_1)
    vault.set(BEARER_NAME, BEARER_1)
    env = vault_env(vault, tls, SECRETS_CACHE_TTL_SECONDS="1")
    with stack(_okta(OKTA_1), **env) as running:
        assert _status(running, BEARER_1) == 200
        assert _status(running, BEARER_2) == 401
        # Step 1 of a rotation: the new value becomes current, the old one "previous".
        vault.set(PREVIOUS_NAME, BEARER_1)
        vault.set(BEARER_NAME, BEARER_2)
        # Entra keeps sending the old value until the admin pastes the new one: never refused.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            assert _status(running, BEARER_1) == 200
            time.sleep(0.1)
        assert eventually(lambda: _status(running, BEARER_2) == 200)
        assert _status(running, BEARER_1) == 200
        # Step 2: the overlap ends; only the new value is accepted.
        vault.delete(PREVIOUS_NAME)
        assert eventually(lambda: _status(running, BEARER_1) == 401)
        assert _status(running, BEARER_2) == 200


def test_vault_down_after_first_read_keeps_serving(vault: KeyVaultStub, tls: TlsFiles) -> None:
    vault.set(OKTA_NAME, OKTA_1)
    vault.set(BEARER_NAME, BEARER_1)
    env = vault_env(vault, tls, SECRETS_CACHE_TTL_SECONDS="0.5")
    with stack(_okta(OKTA_1), **env) as running, running.client(token=BEARER_1) as scim:
        assert scim.post("/Users", json=new_user("stale@example.com")).status_code == 201
        vault.stop()
        time.sleep(0.8)  # past the TTL: every secret must be re-read, and the vault is gone
        for n in range(5):
            response = scim.post("/Users", json=new_user(f"stale{n}@example.com"))
            assert response.status_code == 201, response.text
            assert scim.get("/Users", params={"count": "1"}).status_code == 200
        assert _status(running, BEARER_2) == 401


def _assert_scim_503(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith(SCIM_JSON)
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == "503"
    assert "Traceback" not in response.text


def test_vault_down_from_the_start_answers_503(vault: KeyVaultStub, tls: TlsFiles) -> None:
    vault.set(OKTA_NAME, OKTA_1)
    vault.set(BEARER_NAME, BEARER_1)
    vault.stop()
    with stack(_okta(OKTA_1), **vault_env(vault, tls)) as running:
        for token in (BEARER_1, "anything-else-at-all"):
            with running.client(token=token) as scim:
                # That the outage costs one read per interval, not one per request, is proven
                # with a fake clock in tests/secrets/test_cache_outage.py.
                _assert_scim_503(scim.get("/Users", params={"count": "1"}))
                _assert_scim_503(scim.post("/Users", json=new_user("nobody@example.com")))
        assert running.okta_users() == []
        assert running.calls() == []


def test_okta_token_missing_from_the_vault_answers_503(vault: KeyVaultStub, tls: TlsFiles) -> None:
    vault.set(BEARER_NAME, BEARER_1)
    with stack(_okta(OKTA_1), **vault_env(vault, tls)) as running:
        with running.client(token=BEARER_1) as scim:
            _assert_scim_503(scim.get("/Users", params={"count": "1"}))
        assert running.calls() == []
