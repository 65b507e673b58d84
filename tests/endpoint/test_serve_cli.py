"""`python -m connector serve` from a shell: it prints the Tenant URL and Secret Token, and
answers Entra's probe against the embedded Okta sandbox, ready for groups (each wait for its
output is bounded)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import httpx

from .harness import ROOT, spawn

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def test_serve_answers_a_probe_with_the_printed_credentials() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OKTA_", "SCIM_", "KEY_"))}
    serve = ["-m", "connector", "serve", "--port", "0"]
    with spawn(serve, env, r"(Tenant URL:\s+\S+\s+Secret Token:\s+\S+)") as printed:
        words = printed.split()
        tenant_url, token = words[2], words[-1]
        probe = httpx.get(
            f"{tenant_url}/Users",
            params={"filter": 'userName eq "5c0d9b2a-0d5e-4f43-9d0e-1f2a3b4c5d6e"'},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert probe.status_code == 200
        assert probe.json()["totalResults"] == 0
        # The sandbox org is ready for groups: its group profile has the externalId attribute.
        group = httpx.post(
            f"{tenant_url}/Groups",
            json={"schemas": [GROUP], "displayName": "Sandbox", "externalId": "e-1"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert group.status_code == 201, group.text
        assert group.json()["externalId"] == "e-1"


def test_a_busy_port_is_a_clear_message_not_a_traceback() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OKTA_", "SCIM_", "KEY_"))}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "connector", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr


def _clean_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OKTA_", "SCIM_", "KEY_"))}
    return {**env, **settings}


VAULT = "https://contoso-scim.vault.azure.net"


def test_a_sandbox_with_a_vault_is_refused_at_start() -> None:
    # The sandbox's credentials are environment variables: a vault store would never find them.
    for extra in ([], ["--rest-sandbox"]):
        result = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "connector", "serve", "--port", "0", *extra],
            cwd=ROOT,
            env=_clean_env(KEY_VAULT_URL=VAULT),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, result.stdout + result.stderr
        assert "unset KEY_VAULT_URL to try the sandbox" in result.stderr
        assert ("OKTA_ORG_URL" in result.stderr) is not bool(extra)
        assert "Traceback" not in result.stderr


def test_with_a_vault_the_printed_secret_token_is_the_vaults() -> None:
    env = _clean_env(KEY_VAULT_URL=VAULT, OKTA_ORG_URL="https://contoso.okta.com")
    serve = ["-m", "connector", "serve", "--port", "0"]
    with spawn(serve, env, r"Secret Token:\s+(.+)\n") as shown:
        assert shown == f"the scim-bearer-token secret in {VAULT}"


def test_in_jwt_mode_no_secret_token_is_printed() -> None:
    env = _clean_env(ENTRA_TENANT_ID="72f988bf-86f1-41af-91ab-2d7cd011db47")
    serve = ["-m", "connector", "serve", "--port", "0"]
    with spawn(serve, env, r"Secret Token:\s+(.+)\n") as shown:
        assert shown.startswith("none: Entra's own access tokens are checked")
