"""`make run-rest` (`python -m connector serve --rest-sandbox`) from a shell: it prints the
Tenant URL and Secret Token, and provisions into the embedded legacy-app sandbox."""

from __future__ import annotations

import os

import httpx
from endpoint.harness import new_user, spawn


def test_serve_with_the_rest_sandbox_creates_a_user() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OKTA_", "SCIM_", "KEY_", "TARGET", "SCHEMA_", "LEDGERLINE_"))
    }
    serve = ["-m", "connector", "serve", "--port", "0", "--rest-sandbox"]
    pattern = r"(Tenant URL:\s+\S+\s+Secret Token:\s+\S+\s+Target:\s+embedded legacy-app)"
    with spawn(serve, env, pattern) as printed:
        words = printed.split()
        tenant_url, token = words[2], words[5]
        headers = {"Authorization": f"Bearer {token}"}
        probe = httpx.get(
            f"{tenant_url}/Users",
            params={"filter": 'userName eq "5c0d9b2a-0d5e-4f43-9d0e-1f2a3b4c5d6e"'},
            headers=headers,
            timeout=30,
        )
        assert probe.status_code == 200
        assert probe.json()["totalResults"] == 0
        created = httpx.post(
            f"{tenant_url}/Users", json=new_user("ada@example.com"), headers=headers, timeout=30
        )
        assert created.status_code == 201, created.text
        assert created.json()["id"].isdigit()  # Ledgerline's numeric ids
