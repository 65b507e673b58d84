"""The bar as a user runs it: `python -m connector serve` pointed at `python -m oktasim`, two
processes, and Entra's lifecycle replayed in both PATCH dialects with Okta's state checked."""

from __future__ import annotations

import os

import httpx
import pytest

from .harness import FLAG, new_user, patch, spawn

OKTA_TOKEN = "okta-process-token"
BEARER = "bearer-for-process-tests"


@pytest.mark.parametrize("flag", [False, True], ids=["default", FLAG])
def test_replay_against_separate_processes(flag: bool) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OKTA_", "SCIM_", "KEY_"))}
    okta_args = ["-m", "oktasim", "--port", "0", "--token", OKTA_TOKEN]
    with spawn(okta_args, base, r"serving (http://\S+)") as okta_url:
        env = {
            **base,
            "OKTA_ORG_URL": okta_url,
            "OKTA_API_TOKEN": OKTA_TOKEN,
            "SCIM_BEARER_TOKEN": BEARER,
        }
        serve = ["-m", "connector", "serve", "--port", "0"]
        with spawn(serve, env, r"Tenant URL:\s+(\S+)") as tenant:
            params = {FLAG: ""} if flag else None
            headers = {"Authorization": f"Bearer {BEARER}"}
            with httpx.Client(base_url=tenant, headers=headers, params=params) as scim:
                probe = scim.get("/Users", params={"filter": 'userName eq "0e2c1d9e-5b1a"'})
                assert probe.json()["totalResults"] == 0
                assert scim.get("/Groups").json()["totalResults"] == 0
                created = scim.post("/Users", json=new_user("proc@example.com"))
                assert created.status_code == 201
                user_id = created.json()["id"]
                match = scim.get("/Users", params={"filter": 'userName eq "PROC@example.com"'})
                assert match.json()["Resources"][0]["id"] == user_id
                ops = (
                    [{"op": "replace", "value": {"title": "Eng", "name.givenName": "P"}}]
                    if flag
                    else [
                        {"op": "Replace", "path": "title", "value": "Eng"},
                        {"op": "Replace", "path": "name.givenName", "value": "P"},
                    ]
                )
                assert scim.patch(f"/Users/{user_id}", json=patch(*ops)).status_code == 200
                off = {"op": "replace", "path": "active", "value": False if flag else "False"}
                assert scim.patch(f"/Users/{user_id}", json=patch(off)).json()["active"] is False
                with httpx.Client(
                    base_url=okta_url, headers={"Authorization": f"SSWS {OKTA_TOKEN}"}
                ) as okta:
                    state = okta.get(f"/api/v1/users/{user_id}").json()
                    assert state["status"] == "DEPROVISIONED"
                    assert state["profile"]["title"] == "Eng"
                    assert state["profile"]["firstName"] == "P"
                    on = {"op": "Replace", "path": "active", "value": "True"}
                    assert scim.patch(f"/Users/{user_id}", json=patch(on)).json()["active"]
                    assert scim.delete(f"/Users/{user_id}").status_code == 204
                    assert scim.get(f"/Users/{user_id}").status_code == 404
                    assert okta.get(f"/api/v1/users/{user_id}").status_code == 404
